/**
 * A small step runner in the manner of Elastic's synthetics agent, without its globals: named
 * steps run in order, each within its own time budget; after a failed step the rest are
 * skipped; cleanup steps run whatever happened before them. Everything is recorded as data.
 */
import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../../lib/core/context.ts';
import type { Evidence, StepResult } from '../../lib/core/result.ts';
import { errorLine } from '../../lib/core/format.ts';

/** What a step's function receives. */
export interface StepContext {
  readonly name: string;
  /** Aborted when the step runs out of time (or the run is aborted); the step should stop then. */
  readonly signal: AbortSignal;
  /** This step's budget in milliseconds. */
  readonly timeoutMs: number;
  /** Milliseconds left of this step's budget (0 when spent). */
  remainingMs(): number;
  /** Records evidence for this run. Ignored once the step has ended (e.g. after its timeout). */
  evidence(item: Evidence): void;
  /**
   * Records a soft finding: the evidence is kept and the run is not ok, but the step goes on
   * and can still pass. `message` is one line for the run's error.
   */
  finding(item: Evidence, message: string): void;
}

/** Returned by a step that had nothing to do (e.g. a cleanup with nothing to clean): recorded as `skipped`. */
export const SKIPPED = 'skipped';

export interface StepDefinition {
  name: string;
  run: (step: StepContext) => Promise<void | typeof SKIPPED>;
  /** Overrides the run's `stepMs` for this step. */
  timeoutMs?: number;
}

/**
 * Thrown by a step to fail with a one-line message and the evidence that explains it. Any
 * other error fails the step too, with its first line as the message and no evidence.
 */
export class StepFailure extends Error {
  readonly evidence: Evidence[];
  constructor(message: string, evidence: Evidence[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepFailure';
    this.evidence = evidence;
  }
}

export interface RunStepsOptions {
  /** Each step's budget in milliseconds, unless the step sets its own. */
  stepMs: number;
  /** Steps that always run after `steps`, even when one of those failed (default none). */
  cleanup?: StepDefinition[];
  /** Wall clock for `startedAt`; default the system clock. Durations use a monotonic timer. */
  clock?: Clock;
  /** Appends evidence here (so that listeners outside the steps can share one list); default a new list. */
  evidence?: Evidence[];
  /**
   * Asked when a step runs out of time: the URL of a request still waiting for its first
   * response byte, if any. Then the timeout is `first-byte` with that URL; otherwise `step`.
   */
  awaitingFirstByte?: () => string | undefined;
  /** Aborting this fails the running step and skips the remaining; cleanup steps still run. */
  signal?: AbortSignal;
  /** Monotonic milliseconds; default `performance.now`. */
  now?: () => number;
}

export interface RunOutcome {
  /** True when every step passed or was skipped by itself, and there were no soft findings. */
  ok: boolean;
  steps: StepResult[];
  evidence: Evidence[];
  /** Failed steps in order, with their one-line error. */
  failures: { step: string; error: string }[];
  /** Soft findings in order. */
  findings: { step: string; message: string }[];
  durationMs: number;
}

const TIMED_OUT = Symbol('timed out');
const ABORTED = Symbol('aborted');

/** Runs the steps, then the cleanup steps, and reports what happened. Never throws. */
export async function runSteps(steps: StepDefinition[], options: RunStepsOptions): Promise<RunOutcome> {
  const clock = options.clock ?? systemClock;
  const now = options.now ?? (() => performance.now());
  const evidence = options.evidence ?? [];
  const results: StepResult[] = [];
  const failures: RunOutcome['failures'] = [];
  const findings: RunOutcome['findings'] = [];
  const runStart = now();

  const runOne = async (def: StepDefinition, signal: AbortSignal | undefined): Promise<StepResult> => {
    const timeoutMs = def.timeoutMs ?? options.stepMs;
    const startedAt = clock.now().toISOString();
    const start = now();
    const controller = new AbortController();
    let open = true;
    const ctx: StepContext = {
      name: def.name,
      signal: controller.signal,
      timeoutMs,
      remainingMs: () => Math.max(0, timeoutMs - (now() - start)),
      evidence: (item) => {
        if (open) evidence.push(item);
      },
      finding: (item, message) => {
        if (!open) return;
        evidence.push(item);
        findings.push({ step: def.name, message });
      },
    };
    const finish = (status: StepResult['status'], error?: string): StepResult => {
      open = false;
      const result: StepResult = { name: def.name, status, startedAt, durationMs: Math.round(now() - start) };
      if (error !== undefined) {
        result.error = error;
        failures.push({ step: def.name, error });
      }
      return result;
    };

    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const work = Promise.resolve().then(() => def.run(ctx));
    // The step may go on after its timeout; its late outcome is of no interest, but must not go unhandled.
    work.catch(() => undefined);
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    });
    const aborted = new Promise<typeof ABORTED>((resolve) => {
      if (!signal) return;
      if (signal.aborted) resolve(ABORTED);
      onAbort = () => resolve(ABORTED);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const outcome = await Promise.race([work, timeout, aborted]);
      if (outcome === TIMED_OUT) {
        // Decide before aborting the step, while its requests are still in flight.
        const url = options.awaitingFirstByte?.();
        controller.abort(new Error(`${def.name} ran out of time`));
        const afterMs = Math.round(now() - start);
        if (url !== undefined) {
          evidence.push({ type: 'timeout', url, phase: 'first-byte', afterMs });
          return finish('failed', `no response from ${url} within ${timeoutMs} ms`);
        }
        evidence.push({ type: 'timeout', phase: 'step', afterMs });
        return finish('failed', `took longer than ${timeoutMs} ms`);
      }
      if (outcome === ABORTED) {
        controller.abort(new Error('the run was aborted'));
        return finish('failed', 'aborted');
      }
      return finish(outcome === SKIPPED ? 'skipped' : 'passed');
    } catch (err) {
      if (err instanceof StepFailure) evidence.push(...err.evidence);
      return finish('failed', errorLine(err));
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  };

  let failed = false;
  for (const def of steps) {
    if (failed || options.signal?.aborted) {
      results.push({ name: def.name, status: 'skipped', startedAt: clock.now().toISOString(), durationMs: 0 });
      continue;
    }
    const result = await runOne(def, options.signal);
    results.push(result);
    if (result.status === 'failed') failed = true;
  }
  // Cleanup ignores the run's abort signal: leaving a synthetic plan behind is worse than running late.
  for (const def of options.cleanup ?? []) results.push(await runOne(def, undefined));

  return {
    ok: failures.length === 0 && findings.length === 0,
    steps: results,
    evidence,
    failures,
    findings,
    durationMs: Math.round(now() - runStart),
  };
}
