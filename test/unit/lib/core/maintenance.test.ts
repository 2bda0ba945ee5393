import { describe, expect, it } from 'vitest';
import { activeWindow, fromLocal, windowsBetween } from '../../../../lib/core/maintenance.ts';

const weekly = (day: 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat', start: string, durationMinutes: number) => ({
  windows: [],
  weekly: [{ day, start, durationMinutes, reason: 'weekly patching' }],
});

describe('maintenance windows in Copenhagen time', () => {
  it('converts local wall-clock times to instants across daylight saving', () => {
    expect(fromLocal(2026, 1, 15, 2, 0).toISOString()).toBe('2026-01-15T01:00:00.000Z');
    expect(fromLocal(2026, 7, 15, 2, 0).toISOString()).toBe('2026-07-15T00:00:00.000Z');
    // 02:30 does not exist on 29 March 2026: the same moment an hour later.
    expect(fromLocal(2026, 3, 29, 2, 30).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October 2026: the first one.
    expect(fromLocal(2026, 10, 25, 2, 30).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('keeps a weekly Sunday 02:00 window at 02:00 local before and after the autumn change', () => {
    const w = windowsBetween(weekly('sun', '02:00', 120), new Date('2026-10-17T00:00:00Z'), new Date('2026-11-02T00:00:00Z'));
    expect(w.map((x) => [x.start.toISOString(), x.end.toISOString()])).toEqual([
      ['2026-10-18T00:00:00.000Z', '2026-10-18T02:00:00.000Z'],
      ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z'],
      ['2026-11-01T01:00:00.000Z', '2026-11-01T03:00:00.000Z'],
    ]);
  });

  it('finds the open window, including one that started before midnight', () => {
    const m = { windows: [{ start: '2026-12-01T22:00:00+01:00', end: '2026-12-02T01:00:00+01:00', reason: 'database upgrade' }], weekly: [] };
    expect(activeWindow(m, new Date('2026-12-01T23:30:00Z'))?.reason).toBe('database upgrade');
    expect(activeWindow(m, new Date('2026-12-02T00:00:00Z'))).toBeNull();
    const late = weekly('sat', '23:00', 180);
    expect(activeWindow(late, new Date('2026-11-22T00:30:00Z'))?.reason).toBe('weekly patching'); // Sunday 01:30 local
    expect(activeWindow(late, new Date('2026-11-22T02:30:00Z'))).toBeNull();
  });
});
