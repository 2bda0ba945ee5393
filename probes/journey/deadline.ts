/**
 * Bounded waits for the journey. Playwright's own timeouts can overrun by seconds on a renderer
 * busy with a hostile page, and a step must report before the runner's budget ends; these
 * bounds are ours, and every timer is cleared as soon as the wait is over.
 */

/** Returned by `within` when the promise did not settle in time. */
export const TIMED_OUT = Symbol('timed out');

/** What `promise` settles to, or `TIMED_OUT` when it has not settled within `ms`; a rejection passes through. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Like `within`, but rejects with "did not finish within … ms" when the time runs out. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const settled = await within(promise, ms);
  if (settled === TIMED_OUT) throw new Error(`did not finish within ${ms} ms`);
  return settled;
}
