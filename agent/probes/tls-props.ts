// The TLS props of the http and xmlrpc probes, and the files they name read under the agent's
// root. The request itself is shared/http-request.ts (the Koji client's too).
import { Type, type Static } from "@sinclair/typebox";
import type { TlsMaterial } from "../../shared/http-request.js";
import { AbsolutePath } from "../kinds/common.js";
import { resolveUnderRoot } from "../providers/files.js";
import type { ProbeContext } from "./index.js";

export const TlsProps = {
  /** PEM CA bundle that replaces the system trust (a private Koji CA). */
  caFile: Type.Optional(AbsolutePath),
  /** Client certificate: a cert and key pair, or one PEM holding both (Koji's `cert=` files). */
  clientCert: Type.Optional(
    Type.Union([
      Type.Object({ certFile: AbsolutePath, keyFile: AbsolutePath }, { additionalProperties: false }),
      Type.Object({ pemFile: AbsolutePath }, { additionalProperties: false }),
    ]),
  ),
  tlsMaxVersion: Type.Optional(Type.Union([Type.Literal("TLSv1.2"), Type.Literal("TLSv1.3")])),
};
const TlsObject = Type.Object(TlsProps);
export type TlsOptions = Static<typeof TlsObject>;

/** Reads the files a TLS option names; an error names the file, never its content. */
export async function loadTls(opts: TlsOptions, ctx: ProbeContext): Promise<TlsMaterial> {
  const read = async (p: string, what: string): Promise<Buffer> => {
    // System trust bundles are links (EL: ca-bundle.crt → ca-trust/extracted/…), followed only where root alone could have made them.
    const data = await ctx.files.readFile(resolveUnderRoot(ctx.root, p), { followTrustedLinks: true });
    if (!data) throw new Error(`${what} ${p}: absent`);
    return data;
  };
  const out: { -readonly [K in keyof TlsMaterial]: TlsMaterial[K] } = {};
  if (opts.caFile) out.ca = await read(opts.caFile, "caFile");
  const cc = opts.clientCert;
  if (cc && "pemFile" in cc) out.cert = out.key = await read(cc.pemFile, "clientCert.pemFile");
  else if (cc) [out.cert, out.key] = [await read(cc.certFile, "clientCert.certFile"), await read(cc.keyFile, "clientCert.keyFile")];
  if (opts.tlsMaxVersion) out.maxVersion = opts.tlsMaxVersion;
  return out;
}
