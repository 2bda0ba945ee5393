/**
 * Planned maintenance windows: one-off windows (ISO times) and weekly ones given in FLP's local
 * time, Europe/Copenhagen, so "Sunday 02:00 for 2 hours" stays 02:00 across daylight saving.
 * Alarms are suppressed inside them and SLA reports leave them out of the denominator.
 */
import type { Config } from './config.ts';

export const FLP_TIME_ZONE = 'Europe/Copenhagen';

export interface MaintenanceWindow {
  start: Date;
  end: Date;
  reason: string;
  recurring: boolean;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: FLP_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  weekday: 'short',
});

/** The wall-clock fields of `at` in Copenhagen. */
export function localParts(at: Date): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: string } {
  const p = Object.fromEntries(partsFormat.formatToParts(at).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: String(p.weekday).slice(0, 3).toLowerCase(),
  };
}

/** Milliseconds Copenhagen is ahead of UTC at `at` (3,600,000 in winter, 7,200,000 in summer). */
export function offsetMs(at: Date): number {
  const p = localParts(at);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant of a Copenhagen wall-clock time. A time skipped by the spring change (02:30 on
 * the last Sunday of March) is taken as the same moment an hour later; an ambiguous autumn time
 * as its first occurrence.
 */
export function fromLocal(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offset a day before and a day after: at most one change lies between them.
  const before = wall - offsetMs(new Date(wall - 86_400_000));
  const after = wall - offsetMs(new Date(wall + 86_400_000));
  const valid = [before, after].filter((t) => t + offsetMs(new Date(t)) === wall);
  return new Date(valid.length ? Math.min(...valid) : before);
}

/** Every window that overlaps `[from, to)`, one-off and weekly, oldest first. */
export function windowsBetween(maintenance: Config['maintenance'], from: Date, to: Date): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = [];
  for (const w of maintenance.windows) {
    const start = new Date(w.start);
    const end = new Date(w.end);
    if (start < to && end > from) out.push({ start, end, reason: w.reason, recurring: false });
  }
  if (maintenance.weekly.length) {
    const longest = Math.max(...maintenance.weekly.map((w) => w.durationMinutes));
    // Start early enough to catch a window that began before `from` and still runs.
    const first = localParts(new Date(from.getTime() - longest * 60_000 - 86_400_000));
    for (let d = Date.UTC(first.year, first.month - 1, first.day); d < to.getTime() + 86_400_000; d += 86_400_000) {
      const date = new Date(d);
      const weekday = WEEKDAYS[date.getUTCDay()];
      for (const w of maintenance.weekly) {
        if (w.day !== weekday) continue;
        const [hh, mm] = w.start.split(':').map(Number) as [number, number];
        const start = fromLocal(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hh, mm);
        const end = new Date(start.getTime() + w.durationMinutes * 60_000);
        if (start < to && end > from) out.push({ start, end, reason: w.reason, recurring: true });
      }
    }
  }
  return out.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The window open at `at`, or null. */
export function activeWindow(maintenance: Config['maintenance'], at: Date): MaintenanceWindow | null {
  return windowsBetween(maintenance, at, new Date(at.getTime() + 1))[0] ?? null;
}
