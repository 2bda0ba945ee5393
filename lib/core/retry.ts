/**
 * Retry a probe once, immediately, when its failure may be transient: a reset connection, a
 * gateway hiccup, a timeout. A stale sync, an expired certificate or a version drift will not
 * clear by asking again, so those count at once. Built on p-retry; the result records how many
 * attempts it took, and a pass that needed a retry says what the first attempt saw
 * (`observations.transient`), so a failure the retry cleared is reported as transient, not hidden.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Evidence, ProbeResult } from './result.ts';

/** Whether this evidence may clear on an immediate second attempt. */
export function isTransient(e: Evidence): boolean {
  switch (e.type) {
    case 'network':
      // NXDOMAIN is an answer, not a hiccup; a resolver timeout (EAI_AGAIN, ETIMEOUT) may be.
      return e.code !== 'ENOTFOUND';
    case 'timeout':
    case 'request-failed':
    case 'app-error-shown':
    case 'database-down':
      return true;
    case 'http-status':
      return e.status >= 500;
    default:
      return false;
  }
}

export function isRetryable(result: ProbeResult): boolean {
  return !result.ok && result.evidence.some(isTransient);
}

class RetryableFailure extends Error {
  constructor(readonly result: ProbeResult) {
    super(result.error ?? `${result.probe} failed`);
  }
}

export interface RetryOptions {
  /** Extra attempts after the first (config `retry.retries`, default 1). */
  retries: number;
  /** No new attempt starts after this many milliseconds from the first (the time left in the run). */
  maxRetryTimeMs?: number;
  signal?: AbortSignal;
  /**
   * Which failed results are worth another attempt; default {@link isRetryable} (transient
   * evidence only). The journey retries every failure it ran into: its retry is also the one
   * that records the trace (probes/journey/traced-retry.ts).
   */
  retryIf?: (result: ProbeResult) => boolean;
}

/** The one line a pass after a retry keeps of the first failure: its error, else the probe's name. */
function firstLine(r: ProbeResult): string {
  return (r.error ?? `${r.probe} failed`).split('\n')[0]!;
}

/**
 * Runs `attempt` until it passes, its failure is not worth retrying, or the retries are spent.
 * `attempt` is told which attempt it is (1 for the first). A pass after a failed attempt comes
 * back with `observations.transient`: the first failed attempt's one-line error.
 */
export async function withRetry(attempt: (attemptNumber: number) => Promise<ProbeResult>, options: RetryOptions): Promise<ProbeResult> {
  const retryIf = options.retryIf ?? isRetryable;
  let attempts = 0;
  let firstFailure: ProbeResult | undefined;
  try {
    const result = await pRetry(
      async () => {
        attempts += 1;
        const r = await attempt(attempts);
        if (!r.ok) firstFailure ??= r;
        if (!r.ok && retryIf(r)) throw new RetryableFailure(r);
        // Not worth another attempt: stop here and hand the result back as it is.
        if (!r.ok) throw new AbortError(new RetryableFailure(r));
        return r;
      },
      {
        retries: options.retries,
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        maxRetryTime: options.maxRetryTimeMs ?? Number.POSITIVE_INFINITY,
        signal: options.signal,
      },
    );
    return firstFailure ? { ...result, attempts, observations: { ...result.observations, transient: firstLine(firstFailure) } } : { ...result, attempts };
  } catch (err) {
    const failure = err instanceof RetryableFailure ? err : (err as Error).cause instanceof RetryableFailure ? ((err as Error).cause as RetryableFailure) : null;
    if (failure) return { ...failure.result, attempts };
    throw err;
  }
}
