/**
 * When a composite alarm's actions run, as CloudWatch's actions suppressor decides it: a
 * composite that goes into ALARM while its suppressor is not waits `WaitPeriod` for it (a root
 * cause detected a little after its symptom still holds the symptom back); while the suppressor
 * is in ALARM nothing pages; after the suppressor leaves ALARM the composite stays quiet for
 * `ExtensionPeriod`, and pages then if it is still in ALARM. The CDK stack sets the periods from
 * {@link suppressionPeriods}; the local notifier runs {@link ActionGate} with the same periods, so
 * `npm start` pages exactly when a deployment would.
 */
import type { Evaluation } from './evaluator.ts';
import type { AlarmPolicy, CompositeSpec } from './policy.ts';

/** CloudWatch evaluates an alarm up to a minute after its period closes. */
export const CLOUDWATCH_EVALUATION_LAG_SECONDS = 60;

/**
 * How long a composite waits for its suppressor, and how long it stays quiet after the
 * suppressor clears:
 *
 * - wait: the slowest suppressor member's time to ALARM (`period × datapointsToAlarm`) plus the
 *   evaluation lag, so a root cause detected a little after its symptom still suppresses it;
 * - extension: the slowest composite member's evaluation window (`period × evaluationPeriods`)
 *   plus the lag, the time a symptom needs to clear after its root cause has.
 */
export function suppressionPeriods(policy: AlarmPolicy, composite: CompositeSpec, lagSeconds: number = CLOUDWATCH_EVALUATION_LAG_SECONDS): { waitSeconds: number; extensionSeconds: number } {
  const byId = new Map(policy.alarms.map((a) => [a.id, a]));
  const spec = (id: string) => {
    const s = byId.get(id);
    if (!s) throw new Error(`alarm policy: composite "${composite.id}" names "${id}", which is not an alarm of the policy`);
    return s;
  };
  const wait = Math.max(0, ...composite.suppressedBy.map((id) => spec(id).periodSeconds * spec(id).datapointsToAlarm));
  const extension = Math.max(0, ...composite.alarms.map((id) => spec(id).periodSeconds * spec(id).evaluationPeriods));
  return { waitSeconds: wait + lagSeconds, extensionSeconds: extension + lagSeconds };
}

/** Whether a composite's actions run now: `paging`, `held` (in ALARM, suppressed or waiting) or `ok`. */
export type ActionState = 'paging' | 'held' | 'ok';

interface Stretch {
  /** When the composite went into ALARM. */
  alarmAt: number;
  /** The last time a suppressor was in ALARM during this stretch, or null. */
  suppressedAt: number | null;
}

/** Follows each composite over successive evaluations and says when its actions run. */
export class ActionGate {
  readonly #periods: Map<string, { waitMs: number; extensionMs: number; suppressed: boolean }>;
  readonly #stretches = new Map<string, Stretch>();

  /** `lagSeconds`: how late an evaluation may see a period (CloudWatch: 60 s; the local evaluator: its schedule's tick). */
  constructor(policy: AlarmPolicy, lagSeconds: number) {
    this.#periods = new Map(
      policy.composites.map((c) => {
        const p = suppressionPeriods(policy, c, lagSeconds);
        return [c.id, { waitMs: p.waitSeconds * 1000, extensionMs: p.extensionSeconds * 1000, suppressed: c.suppressedBy.length > 0 }];
      }),
    );
  }

  /** When the composite went into ALARM (its current stretch), or null while it is not in ALARM. */
  alarmSince(compositeId: string): Date | null {
    const s = this.#stretches.get(compositeId);
    return s ? new Date(s.alarmAt) : null;
  }

  /** How long after its suppressor clears the composite stays quiet, in ms. */
  extensionMs(compositeId: string): number {
    return this.#periods.get(compositeId)?.extensionMs ?? 0;
  }

  /** Each composite's action state at the evaluation's time. */
  update(evaluation: Evaluation): Map<string, ActionState> {
    const at = evaluation.at.getTime();
    const out = new Map<string, ActionState>();
    for (const c of evaluation.composites) {
      const id = c.spec.id;
      if (c.state !== 'ALARM') {
        this.#stretches.delete(id);
        out.set(id, 'ok');
        continue;
      }
      const stretch = this.#stretches.get(id) ?? { alarmAt: at, suppressedAt: null };
      this.#stretches.set(id, stretch);
      const p = this.#periods.get(id) ?? { waitMs: 0, extensionMs: 0, suppressed: false };
      if (c.suppressedBy.length) {
        stretch.suppressedAt = at;
        out.set(id, 'held');
      } else if (stretch.suppressedAt !== null) out.set(id, at >= stretch.suppressedAt + p.extensionMs ? 'paging' : 'held');
      else if (!p.suppressed) out.set(id, 'paging');
      else out.set(id, at >= stretch.alarmAt + p.waitMs ? 'paging' : 'held');
    }
    return out;
  }
}
