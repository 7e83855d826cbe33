// `pem-bundle`: one file assembled from PEM parts already on the host (a certificate, its
// private key, a CA chain) or given inline (public certificates only), e.g. the cert+key PEM
// that kojid, kojira, the koji CLI and kojiweb's WebCert need (docs/pitfalls.md#pitfall-3). The file
// itself is converged by the `file` kind; parts are checked first: each must be PEM, and a
// private key must belong to the bundle's first certificate.
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot } from "../providers/files.js";
import { PemCache } from "../pem-cache.js";
import { AbsolutePath, Ensure, Mode, Principal } from "./common.js";
import { derivedFileProps, fileKind, type FileObserved } from "./file.js";
import type { Kind, KindContext } from "./kind.js";

const Part = Type.Union([
  Type.Object({ file: AbsolutePath }, { additionalProperties: false }),
  Type.Object({ pem: Type.String({ pattern: "^-----BEGIN CERTIFICATE-----" }) }, { additionalProperties: false }),
]);

export const PemBundlePropsSchema = Type.Object(
  {
    path: AbsolutePath,
    parts: Type.Array(Part, { minItems: 1, maxItems: 16 }),
    /** Default 0600: a bundle with a private key must not be readable by others. */
    mode: Type.Optional(Mode),
    owner: Type.Optional(Principal),
    group: Type.Optional(Principal),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type PemBundleProps = Static<typeof PemBundlePropsSchema>;

export interface PemBundleObserved {
  /** The assembled content, or null for ensure: absent. */
  content: string | null;
  file: FileObserved;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

async function readPart(part: PemBundleProps["parts"][number], ctx: KindContext): Promise<string> {
  if ("pem" in part) return part.pem;
  const data = await ctx.files.readFile(resolveUnderRoot(ctx.root, part.file));
  if (!data) throw new Error(`part ${part.file} does not exist (converge the resource that creates it first, and require it)`);
  return data.toString("utf8");
}

/** Concatenates the parts' PEM blocks, refusing anything that is not PEM or a key that does not fit. */
export function assemble(texts: readonly string[], names: readonly string[], pem = new PemCache()): string {
  const blocks: { type: string; text: string }[] = [];
  texts.forEach((text, i) => {
    const found = [...text.matchAll(PEM_BLOCK)].map((m) => ({ type: m[1]!, text: m[0] }));
    if (found.length === 0) throw new Error(`part ${names[i]} holds no PEM block`);
    blocks.push(...found);
  });
  const cert = blocks.find((b) => b.type === "CERTIFICATE");
  const key = blocks.find((b) => b.type.endsWith("PRIVATE KEY"));
  if (key && !cert) throw new Error("a bundle with a private key needs the certificate it belongs to");
  if (key && cert && !pem.certificate(cert.text).checkPrivateKey(pem.privateKey(key.text))) {
    throw new Error("the private key does not belong to the bundle's certificate");
  }
  return blocks.map((b) => `${b.text}\n`).join("");
}


export const pemBundleKind: Kind<PemBundleProps, PemBundleObserved> = {
  name: "pem-bundle",
  schema: PemBundlePropsSchema,
  appliesInSandbox: true,
  managedPath: (props) => props.path,

  async observe(props, ctx) {
    let content: string | null = null;
    if (props.ensure !== "absent") {
      const names = props.parts.map((p) => ("file" in p ? p.file : "inline certificate"));
      content = assemble(await Promise.all(props.parts.map((p) => readPart(p, ctx))), names, ctx.pem);
    }
    return { content, file: await fileKind.observe(derivedFileProps(props, content), ctx) };
  },

  // The file kind's lines name content only by digest, so no key material reaches a report.
  diff: (props, observed) => fileKind.diff(derivedFileProps(props, observed.content), observed.file),

  apply: (props, observed, ctx) => fileKind.apply(derivedFileProps(props, observed.content), observed.file, ctx),
};
