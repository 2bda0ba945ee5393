/**
 * Time for SLA reports: the report period, Copenhagen days and service hours as sorted lists
 * of disjoint spans, and instants written in Copenhagen time with their offset.
 * Daylight saving is handled by lib/core/maintenance.ts (`localParts`, `fromLocal`), so a local day
 * is 23, 24 or 25 hours long.
 */
import type { Config } from '../../core/config.ts';
import { FLP_TIME_ZONE, fromLocal, localParts, offsetMs } from '../../core/maintenance.ts';

export { FLP_TIME_ZONE };

/** A half-open span of time `[start, end)` in epoch milliseconds. */
export interface Span {
  start: number;
  end: number;
}

export type ServiceHours = NonNullable<Config['sla']['serviceHours']>;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `+02:00` in summer, `+01:00` in winter. */
export function offsetText(at: Date): string {
  const minutes = Math.round(offsetMs(at) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2026-10-25T02:30:00+02:00`: an ISO 8601 instant in Copenhagen time (for JSON and CSV). */
export function isoLocal(at: Date | number): string {
  const d = typeof at === 'number' ? new Date(at) : at;
  const p = localParts(d);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${offsetText(d)}`;
}

/** `2026-10-25 02:30 +02:00`: for people (Markdown and HTML). Seconds appear only when not zero. */
export function showLocal(at: Date | number): string {
  const d = typeof at === 'number' ? new Date(at) : at;
  const p = localParts(d);
  const seconds = p.second ? `:${pad(p.second)}` : '';
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}${seconds} ${offsetText(d)}`;
}

/** The Copenhagen date of an instant, `2026-10-25`. */
export function localDate(at: Date | number): string {
  const p = localParts(typeof at === 'number' ? new Date(at) : at);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The Copenhagen calendar month `YYYY-MM` as instants: 2026-10 runs 745 hours, 2026-03 743. Null when malformed. */
export function monthRange(month: string): { from: Date; to: Date } | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return null;
  const year = Number(m[1]);
  const mon = Number(m[2]);
  return { from: fromLocal(year, mon, 1), to: mon === 12 ? fromLocal(year + 1, 1, 1) : fromLocal(year, mon + 1, 1) };
}

/** The local midnight starting the Copenhagen day of `at`, and the next one. */
function dayBounds(year: number, month: number, day: number): { start: number; end: number } {
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return {
    start: fromLocal(year, month, day).getTime(),
    end: fromLocal(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()).getTime(),
  };
}

export interface LocalDay extends Span {
  /** `2026-10-25` */
  date: string;
  /** `sun`, `mon`, … */
  weekday: string;
  /** Where the day lies within the range (a first or last day may be cut short by the range). */
  full: Span;
}

/** The Copenhagen days that overlap `[from, to)`, each clipped to the range. */
export function localDays(from: number, to: number): LocalDay[] {
  const out: LocalDay[] = [];
  const first = localParts(new Date(from));
  for (let d = Date.UTC(first.year, first.month - 1, first.day); ; d += 86_400_000) {
    const date = new Date(d);
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    const full = dayBounds(y, m, day);
    if (full.start >= to) break;
    if (full.end <= from) continue;
    out.push({
      date: `${y}-${pad(m)}-${pad(day)}`,
      weekday: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][date.getUTCDay()]!,
      start: Math.max(full.start, from),
      end: Math.min(full.end, to),
      full,
    });
  }
  return out;
}

/**
 * The service hours within `[from, to)`: on each listed weekday, local `start` to local `end`
 * (`24:00` is the next midnight; an `end` before `start` runs overnight). Without service
 * hours, the whole range.
 */
export function serviceHourSpans(hours: ServiceHours | undefined, from: number, to: number): Span[] {
  if (!hours) return from < to ? [{ start: from, end: to }] : [];
  const [sh, sm] = hours.start.split(':').map(Number) as [number, number];
  const [eh, em] = hours.end.split(':').map(Number) as [number, number];
  const spans: Span[] = [];
  // From the day before: an overnight span that began then may still run into the range.
  for (const day of localDays(from - 86_400_000, to)) {
    if (!hours.days.includes(day.weekday as ServiceHours['days'][number])) continue;
    const [y, m, d] = day.date.split('-').map(Number) as [number, number, number];
    const start = fromLocal(y, m, d, sh, sm).getTime();
    // `end` at or before `start` ("22:00"–"06:00") runs past midnight into the next local day.
    const overnight = eh * 60 + em <= sh * 60 + sm;
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    const end =
      eh === 24 ? day.full.end : overnight ? fromLocal(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), eh, em).getTime() : fromLocal(y, m, d, eh, em).getTime();
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (s < e) spans.push({ start: s, end: e });
  }
  return normalise(spans);
}

/** Sorts and merges overlapping or touching spans; drops empty ones. */
export function normalise(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** `a` without `b` (both normalised). */
export function subtract(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const s of a) {
    let cursor = s.start;
    for (const x of b) {
      if (x.end <= cursor) continue;
      if (x.start >= s.end) break;
      if (x.start > cursor) out.push({ start: cursor, end: x.start });
      cursor = Math.max(cursor, x.end);
      if (cursor >= s.end) break;
    }
    if (cursor < s.end) out.push({ start: cursor, end: s.end });
  }
  return out;
}

/** `a` ∩ `b` (both normalised). */
export function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const s = Math.max(x.start, y.start);
    const e = Math.min(x.end, y.end);
    if (s < e) out.push({ start: s, end: e });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

export function total(spans: readonly Span[]): number {
  return spans.reduce((sum, s) => sum + (s.end - s.start), 0);
}

/**
 * Milliseconds of `[start, end)` inside the normalised `spans`. Binary search: a month of
 * one-minute intervals asks this tens of thousands of times.
 */
export function overlap(spans: readonly Span[], start: number, end: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.end <= start) lo = mid + 1;
    else hi = mid;
  }
  let sum = 0;
  for (let i = lo; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.start >= end) break;
    sum += Math.min(end, s.end) - Math.max(start, s.start);
  }
  return sum;
}

/** `44 640 min` → `31 d 0 h`; short durations in minutes and seconds. */
export function showDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  const sec = s % 60;
  if (min < 60) return sec ? `${min} min ${sec} s` : `${min} min`;
  const h = Math.floor(min / 60);
  const rest = min % 60;
  if (h < 48) return rest ? `${h} h ${rest} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h${rest ? ` ${rest} min` : ''}`;
}
