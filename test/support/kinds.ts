// Test helpers for kinds: a real KindContext over a temp root, and one observe → diff →
// apply → re-observe cycle, the way the engine runs it.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../shared/log.js";
import { createExecutor } from "../../agent/providers/executor.js";
import { createFiles } from "../../agent/providers/files.js";
import type { AnyKind, KindContext } from "../../agent/kinds/kind.js";
import { factsFromOsRelease } from "../../agent/facts.js";
import { staticSecrets } from "../../agent/secrets.js";
import { noIssuer } from "../../agent/certificates.js";
import { systemClock } from "../../shared/time.js";
import { PemCache } from "../../agent/pem-cache.js";

/** CentOS Stream 10, as its /etc/os-release says. */
export const EL10 = factsFromOsRelease({ ID: "centos", ID_LIKE: "rhel fedora", VERSION_ID: "10", PRETTY_NAME: "CentOS Stream 10" });

/**
 * Noop must promise exactly what the real run then does: the diff lines a noop observe
 * reports equal the lines of the run that applies them, and a second run reports nothing.
 */
export async function expectNoopMatchesApply(kind: AnyKind, props: object, ctx: KindContext): Promise<string[]> {
  const promised = kind.diff(props, await kind.observe(props, ctx));
  const { before, after } = await cycle(kind, props, ctx);
  if (JSON.stringify(promised) !== JSON.stringify(before)) {
    throw new Error(`noop promised ${JSON.stringify(promised)} but the run changed ${JSON.stringify(before)}`);
  }
  if (after.length > 0) throw new Error(`still differs after apply: ${JSON.stringify(after)}`);
  const again = kind.diff(props, await kind.observe(props, ctx));
  if (again.length > 0) throw new Error(`second run not idempotent: ${JSON.stringify(again)}`);
  return promised;
}

export const tempRoot = (): string => fs.mkdtempSync(join(tmpdir(), "kf-root-"));

export function kindContext(root: string, over: Partial<KindContext> = {}): KindContext {
  return { root, sandbox: true, files: createFiles(), exec: createExecutor(), facts: EL10, secrets: staticSecrets({}), certificates: noIssuer, clock: systemClock, pem: new PemCache(), signal: new AbortController().signal, log: silentLogger(), ...over };
}

/** Runs one full cycle; returns the diff before and the diff after apply. */
export async function cycle(kind: AnyKind, props: object, ctx: KindContext): Promise<{ before: string[]; after: string[] }> {
  const observed: unknown = await kind.observe(props, ctx);
  const before = kind.diff(props, observed);
  if (before.length > 0) await kind.apply(props, observed, ctx);
  return { before, after: kind.diff(props, await kind.observe(props, ctx)) };
}
