// Test helpers for kinds: a real KindContext over a temp root, and one observe → diff →
// apply → re-observe cycle, the way the engine runs it.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../shared/log.js";
import { createExecutor } from "../providers/executor.js";
import { createFiles } from "../providers/files.js";
import type { AnyKind, KindContext } from "./kind.js";

export const tempRoot = (): string => fs.mkdtempSync(join(tmpdir(), "kf-root-"));

export function kindContext(root: string, over: Partial<KindContext> = {}): KindContext {
  return { root, sandbox: true, files: createFiles(), exec: createExecutor(), signal: new AbortController().signal, log: silentLogger(), ...over };
}

/** Runs one full cycle; returns the diff before and the diff after apply. */
export async function cycle(kind: AnyKind, props: object, ctx: KindContext): Promise<{ before: string[]; after: string[] }> {
  const observed: unknown = await kind.observe(props, ctx);
  const before = kind.diff(props, observed);
  if (before.length > 0) await kind.apply(props, observed, ctx);
  return { before, after: kind.diff(props, await kind.observe(props, ctx)) };
}
