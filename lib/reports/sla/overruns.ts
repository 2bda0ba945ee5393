/**
 * Overruns: a service still down when a maintenance window reaches its planned end.
 *
 * A window takes time out of counted time only up to its planned end (or to when it was closed
 * early, and then it cannot overrun). When one of a service's failure stretches (consecutive
 * failing cells, incidents.ts) began before a window's planned end and goes on past it, the
 * stretch's down time from the planned end until the service recovered (the stretch's end) is
 * that window's **overrun**: counted as downtime like any other, and charged to the window's
 * owner (`windowOwner`), whatever class the failures have. Only counted time is charged: a
 * later window or the end of service hours stops the charge as it stops the count. When two
 * windows end inside one stretch, each owns the time from its planned end to the next one's.
 *
 * Down time is laid out in a cell the way owner-downtime.ts always has: its down share from
 * the piece's start, the failures' parts end to end. A cell that straddles a planned end is
 * cut there into two pieces, each laid out on its own, so whole-cell failures (every run of
 * the local store) are charged to the minute.
 */
import type { FailureClass } from '../../core/result.ts';
import type { Cell, MeasuredCell, Shares } from './cells.ts';
import { incidentStretches, type SlaIncident } from './incidents.ts';
import type { SlaService } from './services.ts';
import { intersect, normalise, showLocal, total, type Span } from './time.ts';
import type { SlaWindow } from './windows.ts';

/** One service's overrun of one window: from `start` until `end`, charged to `owner`. */
export interface OverrunSegment {
  service: string;
  /** The window's index in the report's windows. */
  window: number;
  owner: string;
  /** The window's planned end. */
  start: number;
  /** The next overrunning window's planned end in the same stretch, or when the service recovered. */
  end: number;
  /** When the service recovered: the end of the failure stretch. */
  recoveredAt: number;
  /** Down time in counted time within the segment. */
  downtimeMs: number;
}

/** Down time of one piece of a cell, and whose it is. */
export interface ChargedSpans {
  owner: string;
  spans: Span[];
  /** The overrun it belongs to; null when charged by class. */
  overrun: OverrunSegment | null;
  /** The failures' class when charged by class; null inside an overrun. */
  class: FailureClass | null;
}

/** Windows that can overrun: planned, with a planned end, not closed early. */
function canOverrun(w: SlaWindow): w is SlaWindow & { plannedEnd: number; owner: string } {
  return w.plannedEnd !== null && w.owner !== null && w.excluded !== null && !w.closedEarly;
}

/** Every service's measured cells and the windows → each service's overrun segments (service order, oldest first), with their down time in counted time. */
export function overrunSegments(services: readonly SlaService[], measured: readonly (readonly MeasuredCell[])[], windows: readonly SlaWindow[], counted: readonly Span[]): OverrunSegment[][] {
  const ends = windows
    .map((w, index) => ({ w, index }))
    .filter((x): x is { w: SlaWindow & { plannedEnd: number; owner: string }; index: number } => canOverrun(x.w))
    .sort((a, b) => a.w.plannedEnd - b.w.plannedEnd || a.index - b.index);
  return services.map((service, i) => {
    if (!ends.length) return [];
    const out: OverrunSegment[] = [];
    for (const stretch of incidentStretches(measured[i]!)) {
      const start = stretch.cells[0]!.start;
      const end = stretch.cells.at(-1)!.end;
      const inside = ends.filter((e) => start < e.w.plannedEnd && e.w.plannedEnd < end);
      const segments = inside.map((e, k) => ({
        service: service.id,
        window: e.index,
        owner: e.w.owner,
        start: e.w.plannedEnd,
        end: inside[k + 1]?.w.plannedEnd ?? end,
        recoveredAt: end,
        downtimeMs: 0,
      }));
      // Two windows with one planned end: the first listed takes it; the other's segment is empty.
      const live = segments.filter((s) => s.end > s.start);
      if (!live.length) continue;
      const byCell = new Map<Cell, Shares>(measured[i]!.map((m) => [m.cell, m.share]));
      for (const cell of stretch.cells) {
        for (const piece of chargedSpans(cell, byCell.get(cell)!, counted, live)) if (piece.overrun) piece.overrun.downtimeMs += total(piece.spans);
      }
      out.push(...live);
    }
    return out;
  });
}

/**
 * A failing cell → its down time as spans, each with whose it is: the cell is cut at overrun
 * boundaries; in a piece inside an overrun the down share is charged to the window's owner, in
 * any other piece it is split among the failures by the runs each stands for, laid end to end
 * from the piece's start (so owners of one cell never overlap); all cut to counted time.
 * An `lps` failure stays its vendor's even inside an overrun: clinics' LPS sending what FLP
 * refuses is no part of anyone's maintenance. Pieces whose down time lies wholly outside
 * counted time are left out.
 */
export function chargedSpans(cell: Cell, share: Shares, counted: readonly Span[], segments: readonly OverrunSegment[]): ChargedSpans[] {
  const cuts = [cell.start, cell.end];
  for (const s of segments) for (const t of [s.start, s.end]) if (t > cell.start && t < cell.end) cuts.push(t);
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const out: ChargedSpans[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    const overrun = segments.find((s) => s.start <= a && b <= s.end) ?? null;
    if (overrun && !cell.failures.some((f) => f.class === 'lps')) {
      const spans = intersect(counted, [{ start: a, end: a + (b - a) * share.down }]);
      if (spans.length) out.push({ owner: overrun.owner, spans, overrun, class: null });
      continue;
    }
    let offset = a;
    for (const f of cell.failures) {
      const length = ((b - a) * share.down * f.runs) / cell.failed;
      const spans = intersect(counted, [{ start: offset, end: offset + length }]);
      offset += length;
      if (!spans.length) continue;
      if (overrun && f.class !== 'lps') out.push({ owner: overrun.owner, spans, overrun, class: null });
      else out.push({ owner: f.owner, spans, overrun: null, class: f.class });
    }
  }
  return out;
}

/** What a window's row says of its overrun. */
export interface WindowOverrun {
  /** Time any service was down in its overrun (overlaps across services counted once). */
  overrunMs: number;
  /** When the last overrunning service recovered; null when nothing overran. */
  overrunUntil: number | null;
  byService: { service: string; overrunMs: number; recoveredAt: number }[];
}

/** A window's index, every service's cells and overrun segments → the window's overrun: per service, and any service. */
export function windowOverrun(
  window: number,
  services: readonly SlaService[],
  measured: readonly (readonly MeasuredCell[])[],
  counted: readonly Span[],
  segments: readonly (readonly OverrunSegment[])[],
): WindowOverrun {
  const all: Span[] = [];
  const byService: WindowOverrun['byService'] = [];
  services.forEach((service, i) => {
    const mine = segments[i]!.filter((s) => s.window === window);
    if (!mine.length) return;
    const spans: Span[] = [];
    for (const { cell, share } of measured[i]!) {
      if (cell.failed <= 0 || !mine.some((s) => cell.start < s.end && s.start < cell.end)) continue;
      for (const piece of chargedSpans(cell, share, counted, segments[i]!)) if (piece.overrun && piece.overrun.window === window) spans.push(...piece.spans);
    }
    all.push(...spans);
    byService.push({ service: service.id, overrunMs: total(normalise(spans)), recoveredAt: Math.max(...mine.map((s) => s.recoveredAt)) });
  });
  const overran = byService.filter((s) => s.overrunMs > 0);
  return { overrunMs: total(normalise(all)), overrunUntil: overran.length ? Math.max(...overran.map((s) => s.recoveredAt)) : null, byService };
}

/**
 * Incidents and overrun segments → the incidents with their overruns: each incident says which
 * windows it overran and by how much; when overruns are most of its counted down time, its
 * owner is the owner of the largest, and its summary starts by saying so.
 */
export function withOverruns(incidents: readonly SlaIncident[], segments: readonly (readonly OverrunSegment[])[], windows: readonly SlaWindow[]): SlaIncident[] {
  const flat = segments.flat();
  if (!flat.length) return [...incidents];
  return incidents.map((incident) => {
    const mine = flat.filter((s) => s.service === incident.service && incident.start < s.start && s.start < incident.end && s.downtimeMs > 0);
    if (!mine.length) return incident;
    const overruns = mine.map((s) => ({ window: windows[s.window]!.reason, plannedEnd: s.start, owner: s.owner, downtimeMs: s.downtimeMs }));
    const overrunMs = overruns.reduce((sum, o) => sum + o.downtimeMs, 0);
    const largest = [...overruns].sort((a, b) => b.downtimeMs - a.downtimeMs)[0]!;
    const words = overruns.map((o) => `overran maintenance "${o.window}" (planned end ${showLocal(o.plannedEnd)}) by ${minutesText(o.downtimeMs)}, charged to ${o.owner}`).join('; ');
    const most = overrunMs * 2 >= incident.downtimeMs;
    return { ...incident, overruns, owner: most ? largest.owner : incident.owner, summary: `${words}; ${incident.summary}` };
  });
}

function minutesText(ms: number): string {
  const min = Math.round(ms / 60_000);
  return min >= 1 ? `${min} min` : `${Math.round(ms / 1000)} s`;
}
