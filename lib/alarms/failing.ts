/**
 * How long each probe has been failing: the first failing run of its current stretch and how
 * many failing runs it holds, from the classified results as they come. A passing run ends the
 * stretch. A page says "since 03:05, 4 failing runs" from this.
 */
import { nextFailing } from '../core/latest-results.ts';
import type { ClassifiedResult } from '../core/result.ts';
import type { FailingSince } from './notification.ts';

export class FailingStretches {
  readonly #byProbe = new Map<string, FailingSince>();

  constructor(initial: Iterable<[string, FailingSince]> = []) {
    for (const [probe, s] of initial) this.#byProbe.set(probe, s);
  }

  /** Takes one run of each probe in `results`; a result without a start time counts as starting `now`. */
  observe(results: readonly (Pick<ClassifiedResult, 'probe' | 'ok'> & { startedAt?: string })[], now: Date = new Date()): void {
    // The deployed functions' rule (lib/core/latest-results.ts), over what this process has seen.
    const previous = {
      at: now.toISOString(),
      failing: Object.fromEntries([...this.#byProbe].map(([probe, s]) => [probe, { firstFailingAt: s.firstFailingAt.toISOString(), runs: s.runs }])),
    };
    const runs = results.map((r) => ({ ...r, startedAt: r.startedAt && !Number.isNaN(Date.parse(r.startedAt)) ? r.startedAt : now.toISOString() }));
    const next = nextFailing(previous, runs, { now, maxGapMs: Number.POSITIVE_INFINITY });
    for (const r of results) {
      const s = next[r.probe];
      if (s) this.#byProbe.set(r.probe, { firstFailingAt: new Date(s.firstFailingAt), runs: s.runs });
      else this.#byProbe.delete(r.probe);
    }
  }

  /** The current stretches, by probe id. */
  get current(): ReadonlyMap<string, FailingSince> {
    return this.#byProbe;
  }
}
