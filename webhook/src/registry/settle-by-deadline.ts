// Waits for a promise that never rejects, but no longer than a signal allows.

/**
 * Resolves with `work`'s value, or with `fallback()` as soon as `signal` aborts; the work itself
 * goes on (a shared lookup may still serve other reviews that have time left).
 */
export function settleByDeadline<T>(
  work: Promise<T>,
  signal: AbortSignal,
  fallback: () => T,
): Promise<T> {
  if (signal.aborted) return Promise.resolve(fallback());
  return new Promise(resolve => {
    const onAbort = (): void => resolve(fallback());
    signal.addEventListener("abort", onAbort, { once: true });
    void work.then(value => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    });
  });
}
