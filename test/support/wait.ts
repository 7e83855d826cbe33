import { inspect } from "node:util";

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What was awaited, for the timeout error. */
  message?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Outcome = { value: unknown } | { error: unknown };

/**
 * Polls fn until it returns a truthy value and resolves with it. On timeout the error says
 * what fn last returned or threw, so a failing test explains itself.
 */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | "">;

export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<Truthy<Awaited<T>>> {
  const { timeoutMs = 5_000, intervalMs = 50, message = "condition" } = opts;
  const deadline = Date.now() + timeoutMs;
  let last: Outcome | null = null;
  const cutOff = new Error("attempt still pending at the deadline");
  for (;;) {
    const left = deadline - Date.now();
    try {
      // A hung attempt must not outlive the deadline.
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(cutOff), Math.max(left, 0));
      });
      const v = await Promise.race([Promise.resolve().then(fn), hung]).finally(() => clearTimeout(timer));
      if (v) return v as Truthy<Awaited<T>>;
      last = { value: v };
    } catch (error) {
      // An attempt cut off by the deadline says less than the last one that finished.
      if (error !== cutOff || !last) last = { error };
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(deadline - Date.now(), 0)));
  }
  last ??= { value: undefined };
  const what = "error" in last ? `last threw: ${errText(last.error)}` : `last returned: ${inspect(last.value, { depth: 4 })}`;
  throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${message}; ${what}`, {
    cause: "error" in last ? last.error : undefined,
  });
}

const errText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : inspect(e));
