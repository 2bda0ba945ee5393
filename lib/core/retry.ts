/**
 * Retry a probe once, immediately, when its failure may be transient: a reset connection, a
 * gateway hiccup, a timeout. A stale sync, an expired certificate or a version drift will not
 * clear by asking again, so those count at once. Built on p-retry; the result records how many
 * attempts it took.
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
}

/** Runs `attempt` until it passes, its failure is not transient, or the retries are spent. */
export async function withRetry(attempt: () => Promise<ProbeResult>, options: RetryOptions): Promise<ProbeResult> {
  let attempts = 0;
  try {
    const result = await pRetry(
      async () => {
        attempts += 1;
        const r = await attempt();
        if (isRetryable(r)) throw new RetryableFailure(r);
        // Not transient: stop here and hand the result back as it is.
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
    return { ...result, attempts };
  } catch (err) {
    const failure = err instanceof RetryableFailure ? err : (err as Error).cause instanceof RetryableFailure ? ((err as Error).cause as RetryableFailure) : null;
    if (failure) return { ...failure.result, attempts };
    throw err;
  }
}
