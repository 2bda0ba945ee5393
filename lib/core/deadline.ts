/**
 * Work raced against a deadline: the handlers' own bound on what they wait for (a probe group,
 * a page), so a function reports instead of being killed by Lambda. Pure timing, no I/O.
 */

/** `work`, or the error `onTimeout` makes once `ms` have passed (no bound when `ms` is not finite). */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
