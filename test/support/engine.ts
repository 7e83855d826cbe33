// Test helpers for the engine: resources in one line, options over a real temp root.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../shared/log.js";
import type { Resource, ResourceResult } from "../../shared/protocol.js";
import { defaultKinds } from "../../agent/kinds/index.js";
import { createExecutor } from "../../agent/providers/executor.js";
import { createFiles } from "../../agent/providers/files.js";
import type { ConvergeOptions, ConvergeReport } from "../../agent/engine/converge.js";

export const tempRoot = (): string => fs.mkdtempSync(join(tmpdir(), "kf-converge-"));

export function res(id: string, kind: string, props: Record<string, unknown>, edges: { requires?: string[]; notifies?: string[]; timeoutSeconds?: number } = {}): Resource {
  const { requires = [], notifies = [], timeoutSeconds } = edges;
  return { id, kind, props, requires, notifies, ...(timeoutSeconds !== undefined && { timeoutSeconds }) };
}

export function options(root: string, over: Partial<ConvergeOptions> = {}): ConvergeOptions {
  return {
    kinds: defaultKinds,
    root,
    sandbox: true,
    noop: false,
    files: createFiles(),
    exec: createExecutor(),
    log: silentLogger(),
    previousInventory: [],
    ...over,
  };
}

/** id → outcome, for compact assertions. */
export const outcomes = (r: ConvergeReport): Record<string, string> => Object.fromEntries(r.results.map((x) => [x.id, x.outcome]));

/** id → changes (or error, prefixed with "!"). */
export const lines = (r: ConvergeReport): Record<string, string[]> =>
  Object.fromEntries(r.results.map((x: ResourceResult) => [x.id, x.error !== undefined ? [`! ${x.error}`] : x.changes]));
