/**
 * The maintenance windows an SLA report knows of, in one shape whatever their source: the
 * config's one-off windows and weekly occurrences, the windows set at run time
 * (`flp-monitor window add`, lib/core/windows.ts) and, from CloudWatch, the periods someone put
 * the maintenance alarm into ALARM by hand (`aws cloudwatch set-alarm-state`).
 *
 * What each takes out of counted time: a planned window from its start to its planned end, or
 * to when it was closed early (`window end`), never longer. A window set by hand had no plan:
 * it is listed, with the pages it held back, but takes nothing out (see compute.ts).
 */
import type { Config } from '../../core/config.ts';
import { windowsBetween } from '../../core/maintenance.ts';
import { actualEnd, windowOwner, type RuntimeWindow } from '../../core/windows.ts';
import type { Span } from './time.ts';

/** Where a window came from. */
export type WindowSource = 'config' | 'weekly' | 'run time' | 'set by hand';

/** A period the maintenance alarm was put into ALARM by hand, as the alarm's history tells it. */
export interface HandSetWindow {
  start: Date;
  /** When the alarm left ALARM; null when it was still in ALARM at the end of the history read. */
  end: Date | null;
  /** The state reason given with set-alarm-state. */
  reason: string;
}

/** One window as the report's stages use it. */
export interface SlaWindow {
  source: WindowSource;
  /** A run-time window's id (`w-20261201-0100-ab12`); null for the others. */
  id: string | null;
  reason: string;
  /** The release a run-time window installs. */
  release: string | null;
  /** Whose work it is, so whose an overrun is: `windowOwner`. Null for a window set by hand. */
  owner: string | null;
  plannedStart: number;
  /** Null for a window set by hand: it had no plan. */
  plannedEnd: number | null;
  /** When it ended: a run-time window's `actualEnd`, the planned end of the others; for a window set by hand when the alarm left ALARM (null: not yet). */
  actualEnd: number | null;
  /** Closed (`window end`) before its planned end: it cannot overrun. */
  closedEarly: boolean;
  /** What it takes out of counted time (before service hours): start to actual end; null for a window set by hand. */
  excluded: Span | null;
}

/** The windows of every source that overlap `[from, to)`, oldest first (ties: config, weekly, run time, set by hand). */
export function reportWindows(config: Config, runtime: readonly RuntimeWindow[], handSet: readonly HandSetWindow[], from: number, to: number): SlaWindow[] {
  const owner = windowOwner({}, config.owners);
  const fromConfig: SlaWindow[] = windowsBetween(config.maintenance, new Date(from), new Date(to)).map((w) => ({
    source: w.recurring ? 'weekly' : 'config',
    id: null,
    reason: w.reason,
    release: null,
    owner,
    plannedStart: w.start.getTime(),
    plannedEnd: w.end.getTime(),
    actualEnd: w.end.getTime(),
    closedEarly: false,
    excluded: { start: w.start.getTime(), end: w.end.getTime() },
  }));
  const atRunTime: SlaWindow[] = runtime
    .map((w) => {
      const start = Date.parse(w.start);
      const planned = Date.parse(w.end);
      const end = Math.max(start, actualEnd(w).getTime());
      return {
        source: 'run time' as const,
        id: w.id,
        reason: w.reason,
        release: w.release ?? null,
        owner: windowOwner(w, config.owners),
        plannedStart: start,
        plannedEnd: planned,
        actualEnd: end,
        closedEarly: end < planned,
        excluded: { start, end },
      };
    })
    // A window closed before it began (`window end` ahead of its start) is still listed when its start lies in the range.
    .filter((w) => w.plannedStart < to && (w.actualEnd > from || (w.actualEnd === w.plannedStart && w.plannedStart >= from)));
  const byHand: SlaWindow[] = handSet
    .filter((w) => w.start.getTime() < to && (w.end === null || w.end.getTime() > from))
    .map((w) => ({
      source: 'set by hand' as const,
      id: null,
      reason: w.reason,
      release: null,
      owner: null,
      plannedStart: w.start.getTime(),
      plannedEnd: null,
      actualEnd: w.end?.getTime() ?? null,
      closedEarly: false,
      excluded: null,
    }));
  const order: Record<WindowSource, number> = { config: 0, weekly: 1, 'run time': 2, 'set by hand': 3 };
  return [...fromConfig, ...atRunTime, ...byHand].sort((a, b) => a.plannedStart - b.plannedStart || order[a.source] - order[b.source]);
}
