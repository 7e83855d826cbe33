// The CRL every httpd that verifies client certificates checks (SSLCARevocationFile). It lives
// in <ca.dir>/koji_ca.crl: `ca revoke` writes it at once, and the controller adopts that file or
// issues a new one when the revoked set differs from it or half of its validity has passed —
// mod_ssl refuses EVERY client certificate once the CRL's nextUpdate is past.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import forge from "node-forge";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import type { Logger } from "../../shared/log.js";
import { singleFlight } from "../../shared/single-flight.js";
import type { Clock } from "../../shared/time.js";
import type { CertificateAuthority } from "./authority.js";
import type { CaRegistry } from "./registry.js";

export const CRL_FILE = "koji_ca.crl";
/** nextUpdate - thisUpdate; a new one is issued after half of it, so hosts have days of slack. */
export const CRL_DAYS = 7;
/** thisUpdate is back-dated like a certificate's notBefore: a host whose clock is a little behind must accept it. */
const SKEW_MS = 60_000;

export interface CrlFacts {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Revoked serial numbers, lower-case hex without leading zeros. */
  readonly serials: readonly string[];
}

const normalSerial = (hex: string): string => hex.toLowerCase().replace(/^0+(?=.)/, "");

/** thisUpdate, nextUpdate and the revoked serials of a PEM CRL (as CertificateAuthority.crl writes them). */
export function readCrl(pem: string): CrlFacts {
  const { asn1, util } = forge;
  const der = util.decode64(pem.replace(/-----(BEGIN|END) X509 CRL-----|\s/g, ""));
  const tbs = (asn1.fromDer(der).value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  // version, signature algorithm, issuer, thisUpdate, nextUpdate, [revokedCertificates]
  const time = (node: forge.asn1.Asn1 | undefined): Date => {
    if (!node || (node.type !== asn1.Type.UTCTIME && node.type !== asn1.Type.GENERALIZEDTIME)) throw new Error("CRL without thisUpdate/nextUpdate");
    return node.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(node.value as string) : asn1.generalizedTimeToDate(node.value as string);
  };
  const entries = tbs[5]?.type === asn1.Type.SEQUENCE ? (tbs[5].value as forge.asn1.Asn1[]) : [];
  return {
    thisUpdate: time(tbs[3]),
    nextUpdate: time(tbs[4]),
    serials: entries.map((e) => normalSerial(util.bytesToHex((e.value as forge.asn1.Asn1[])[0]!.value as string))),
  };
}

/** Pure: whether `current` may stay published — it lists exactly `revoked` and is not half-way to nextUpdate. */
export function crlIsCurrent(current: CrlFacts | null, revoked: readonly string[], now: Date): boolean {
  if (!current) return false;
  const want = [...new Set(revoked.map(normalSerial))].sort();
  const has = [...new Set(current.serials)].sort();
  if (want.length !== has.length || want.some((s, i) => s !== has[i])) return false;
  const halfway = current.thisUpdate.getTime() + (current.nextUpdate.getTime() - current.thisUpdate.getTime()) / 2;
  // One dated in the future (the clock went back) is "not yet valid" to OpenSSL: replace it too.
  return now.getTime() >= current.thisUpdate.getTime() && now.getTime() < halfway;
}

/** Issues a CRL of everything the registry revoked and writes it to <ca.dir>/koji_ca.crl (0644). */
export async function writeCrl(ca: CertificateAuthority, registry: CaRegistry, now: Date): Promise<string> {
  const revoked = (await registry.revoked()).map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt!) }));
  const pem = ca.crl(revoked, new Date(now.getTime() - SKEW_MS), CRL_DAYS);
  await writeFileAtomic(join(ca.dir, CRL_FILE), pem, 0o644);
  return pem;
}

/** The controller's copy of the CRL, refreshed on a timer; `pem` is what the compiler publishes. */
export class RevocationList {
  private constructor(
    private readonly ca: CertificateAuthority,
    private readonly registry: CaRegistry,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  pem = "";

  static async open(ca: CertificateAuthority, registry: CaRegistry, clock: Clock, log: Logger): Promise<RevocationList> {
    const list = new RevocationList(ca, registry, clock, log);
    await list.refresh();
    return list;
  }

  /** Adopts <ca.dir>/koji_ca.crl or issues a new one (see crlIsCurrent); true when `pem` changed. */
  readonly refresh = singleFlight(async (): Promise<boolean> => {
    const now = this.clock();
    const file = join(this.ca.dir, CRL_FILE);
    const onDisk = await readFile(file, "utf8").catch(() => null);
    const facts = onDisk === null ? null : this.parse(onDisk, file);
    const revoked = (await this.registry.revoked()).map((r) => r.serial);
    const pem = onDisk !== null && crlIsCurrent(facts, revoked, now) ? onDisk : await writeCrl(this.ca, this.registry, now);
    if (pem === this.pem) return false;
    this.pem = pem;
    this.log.info({ file, revoked: revoked.length }, "CRL issued or adopted: catalogs of hosts that verify client certificates follow");
    return true;
  });

  /** Runs refresh every `everyMs` and `onChange` after one that changed the CRL; errors are logged. */
  watch(everyMs: number, onChange: () => Promise<void>): NodeJS.Timeout {
    return setInterval(() => {
      void this.refresh()
        .then((changed) => (changed ? onChange() : undefined))
        .catch((err: unknown) => this.log.error({ err }, "CRL refresh failed; retrying on the next tick"));
    }, everyMs);
  }

  private parse(pem: string, file: string): CrlFacts | null {
    try {
      return readCrl(pem);
    } catch (err) {
      this.log.warn({ err, file }, "unreadable CRL: issuing a new one");
      return null;
    }
  }
}
