/**
 * How long each probe has been failing: the first failing run of its current stretch and how
 * many failing runs it holds, from the classified results as they come. A passing run ends the
 * stretch. A page says "since 03:05, 4 failing runs" from this.
 */
import type { ClassifiedResult } from '../core/result.ts';
import type { FailingSince } from './notification.ts';

export class FailingStretches {
  readonly #byProbe = new Map<string, FailingSince>();

  constructor(initial: Iterable<[string, FailingSince]> = []) {
    for (const [probe, s] of initial) this.#byProbe.set(probe, s);
  }

  /** Takes one run of each probe in `results`; a result without a start time counts as starting `now`. */
  observe(results: readonly (Pick<ClassifiedResult, 'probe' | 'ok'> & { startedAt?: string })[], now: Date = new Date()): void {
    for (const r of results) {
      if (r.ok) {
        this.#byProbe.delete(r.probe);
        continue;
      }
      const s = this.#byProbe.get(r.probe);
      const started = r.startedAt ? Date.parse(r.startedAt) : Number.NaN;
      this.#byProbe.set(r.probe, s ? { firstFailingAt: s.firstFailingAt, runs: s.runs + 1 } : { firstFailingAt: Number.isNaN(started) ? now : new Date(started), runs: 1 });
    }
  }

  /** The current stretches, by probe id. */
  get current(): ReadonlyMap<string, FailingSince> {
    return this.#byProbe;
  }
}
