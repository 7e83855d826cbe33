// Bounds an operation by an AbortSignal. Kinds get the signal too (the executor kills its
// child on abort), but a kind that ignores it must not hold up the converge: the race
// settles as soon as the signal fires and the late result is dropped.
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(toError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(toError(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(toError(e));
      },
    );
  });
}

export const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** A signal that fires after `ms` or when `parent` fires, whichever is first. */
export function deadline(ms: number, message: string, parent?: AbortSignal): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(message)), ms);
  const onParent = () => controller.abort(toError(parent?.reason ?? new Error("aborted")));
  if (parent?.aborted) onParent();
  else parent?.addEventListener("abort", onParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}
