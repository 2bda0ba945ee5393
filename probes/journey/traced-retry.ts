/**
 * No trace on a healthy run, a trace for every failure that persists (Playwright's
 * `on-first-retry`): the first attempt of the journey runs untraced and keeps only a screenshot
 * when it fails; a failed journey is run again at once with the trace on. A failure the retry
 * confirms is the retry's result, with its screenshot and trace; one the retry clears passes,
 * with `attempts: 2` and `observations.transient` (the first attempt's one-line error) saying
 * what was cleared. Files of an attempt that is not the result are deleted: the untraced first
 * attempt's screenshot after a retry, whatever the retry's outcome.
 *
 * The journey retries every failure of a journey that ran, not only transient ones (as the other
 * probes do, lib/core/retry.ts): without the retry, a failure would have no trace. A journey that
 * did not run (Chromium would not start) is not retried, as before. The retry never starts after
 * `maxRetryTimeMs` (then the first attempt's result stands, with its screenshot only), nor once
 * the run's signal is aborted; each attempt keeps its own step budgets.
 *
 * With `retries: 0` there is no retry, so the single attempt records the trace: a failure still
 * has one, at the cost of a trace on every run.
 */
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../lib/core/context.ts';
import { errorLine } from '../../lib/core/format.ts';
import type { ProbeResult } from '../../lib/core/result.ts';
import { withRetry } from '../../lib/core/retry.ts';

export interface JourneyRetryOptions {
  /** Extra attempts after the first (config `retry.retries`). */
  retries: number;
  /** No retry starts after this many milliseconds from the first attempt's start. */
  maxRetryTimeMs?: number;
}

interface RetryJourneyOptions extends JourneyRetryOptions {
  /** Where the attempts keep their files (the paths in `artifacts` are relative to it). */
  artifactsDir: string;
  /** Once aborted, no retry starts. */
  signal?: AbortSignal;
  logger?: Logger;
}

/** Whether a failed journey is run again: every failure of a journey that ran at least a step. */
export function journeyRetryable(r: ProbeResult): boolean {
  return !r.ok && r.steps.some((s) => s.status !== 'skipped');
}

/** Whether attempt `n` (1 for the first) records the trace: every retry, and a first attempt that has none after it. */
export function tracesAttempt(n: number, retries: number): boolean {
  return n > 1 || retries <= 0;
}

/**
 * Runs `attempt` (one journey) under the policy above; never throws when `attempt` does not.
 * Returns the result to report, whose `artifacts` are the only files left of all the attempts.
 */
export async function retryJourney(attempt: (options: { trace: boolean }) => Promise<ProbeResult>, options: RetryJourneyOptions): Promise<ProbeResult> {
  const { retries, maxRetryTimeMs, signal, artifactsDir, logger } = options;
  const kept: string[] = [];
  const result = await withRetry(
    async (n) => {
      const r = await attempt({ trace: tracesAttempt(n, retries) });
      kept.push(...r.artifacts);
      return r;
    },
    {
      retries,
      ...(maxRetryTimeMs !== undefined ? { maxRetryTimeMs } : {}),
      retryIf: (r) => journeyRetryable(r) && !signal?.aborted,
    },
  );
  // Two attempts in the same millisecond (a fixed test clock) share a folder: keep what the result names.
  const superseded = kept.filter((file) => !result.artifacts.includes(file));
  await discardArtifacts(artifactsDir, superseded, logger);
  return result;
}

/** Deletes the files (relative to `dir`) and then their folders when nothing else is in them. */
export async function discardArtifacts(dir: string, files: readonly string[], logger?: Logger): Promise<void> {
  const folders = new Set<string>();
  for (const file of files) {
    const full = path.join(dir, file);
    try {
      await rm(full, { force: true });
    } catch (err) {
      logger?.warn('journey: a file of a superseded attempt not deleted', { file, error: errorLine(err) });
    }
    const folder = path.dirname(full);
    if (path.relative(dir, folder)) folders.add(folder);
  }
  // Not empty (the result's own files are in it), or gone already: either way nothing to do.
  for (const folder of folders) await rmdir(folder).catch(() => undefined);
}
