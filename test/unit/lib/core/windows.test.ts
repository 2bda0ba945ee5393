/**
 * Run-time maintenance windows as data (lib/core/windows.ts): adding, ending early, removing,
 * the ids that tell them apart, the errors a user gets, and which window is open at a moment,
 * the config's and the run-time ones together.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_OWNERS } from '../../../../lib/core/config.ts';
import { actualEnd, addWindow, allWindowsBetween, endWindow, openWindow, parseWindowList, removeWindow, windowOwner, windowsKey, windowStatus, type RuntimeWindow } from '../../../../lib/core/windows.ts';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-12-01T00:30:00Z');
const noConfig = { windows: [], weekly: [] };

function add(list: RuntimeWindow[], start: string, end: string, reason = 'database upgrade', extra: { release?: string; owner?: string } = {}, random?: () => number) {
  return addWindow(list, { start: at(start), end: at(end), reason, ...extra }, NOW, random);
}

describe('adding a window', () => {
  it('stores its planned times, reason, release and owner, stamped with when it was made', () => {
    const { list, window } = add([], '2026-12-01T01:00:00Z', '2026-12-01T03:00:00Z', '  release 2026.4.2 ', { release: '2026.4.2', owner: 'KiAP' }, () => 0.5);
    expect(list).toEqual([window]);
    expect(window).toEqual({
      id: expect.stringMatching(/^w-20261201-0100-[0-9a-z]{4}$/),
      start: '2026-12-01T01:00:00.000Z',
      end: '2026-12-01T03:00:00.000Z',
      reason: 'release 2026.4.2',
      release: '2026.4.2',
      owner: 'KiAP',
      createdAt: NOW.toISOString(),
    });
    // What it returns is what the store will read back.
    expect(parseWindowList(JSON.parse(JSON.stringify(list)), 'test')).toEqual(list);
  });

  it('gives two windows at the same start different ids, even when the random source repeats itself', () => {
    let list: RuntimeWindow[] = [];
    const repeating = () => 0.25;
    for (let i = 0; i < 5; i++) list = add(list, '2026-12-01T01:00:00Z', '2026-12-01T02:00:00Z', `w${i}`, {}, repeating).list;
    expect(new Set(list.map((w) => w.id)).size).toBe(5);
    expect(list.every((w) => /^w-20261201-0100-[0-9a-z]+$/.test(w.id))).toBe(true);
  });

  it('refuses an end not after the start, an end already past, and no reason, naming the flag', () => {
    expect(() => add([], '2026-12-01T03:00:00Z', '2026-12-01T01:00:00Z')).toThrow('--end 2026-12-01T01:00:00.000Z is not after --start 2026-12-01T03:00:00.000Z');
    expect(() => add([], '2026-12-01T01:00:00Z', '2026-12-01T01:00:00Z')).toThrow(/is not after --start/);
    expect(() => add([], '2026-11-30T20:00:00Z', '2026-11-30T22:00:00Z')).toThrow('--end 2026-11-30T22:00:00.000Z has already passed');
    expect(() => add([], '2026-12-01T01:00:00Z', '2026-12-01T02:00:00Z', '   ')).toThrow(/^--reason: say why/);
    expect(() => addWindow([], { start: at('nonsense'), end: at('2026-12-01T02:00:00Z'), reason: 'x' }, NOW)).toThrow('--start: not a time');
  });

  it('allows a window that began before now (work already under way)', () => {
    const { window } = add([], '2026-12-01T00:00:00Z', '2026-12-01T02:00:00Z');
    expect(openWindow(noConfig, [window], NOW)?.reason).toBe('database upgrade');
  });
});

describe('ending a window early', () => {
  const base = add([], '2026-12-01T00:00:00Z', '2026-12-01T02:00:00Z', 'upgrade').list;

  it('closes the one open now when no id is given, and the window then ends at that moment', () => {
    const { list, window } = endWindow(base, undefined, NOW);
    expect(window.endedAt).toBe(NOW.toISOString());
    expect(actualEnd(window)).toEqual(NOW);
    expect(window.end).toBe('2026-12-01T02:00:00.000Z');
    expect(list).toEqual([window]);
    expect(openWindow(noConfig, list, NOW)).toBeNull();
    expect(openWindow(noConfig, list, at('2026-12-01T00:29:59Z'))?.reason).toBe('upgrade');
  });

  it('closes a window that has not begun at its start: it never opens', () => {
    const future = add(base, '2026-12-02T01:00:00Z', '2026-12-02T03:00:00Z', 'later').window;
    const { window } = endWindow([...base, future], future.id, NOW);
    expect(actualEnd(window)).toEqual(at('2026-12-02T01:00:00Z'));
    expect(windowStatus({ start: window.start, end: actualEnd(window) }, NOW)).toBe('ended');
    expect(openWindow(noConfig, [window], at('2026-12-02T02:00:00Z'))).toBeNull();
  });

  it('says so when there is no such window, none is open, it already ended, or two are open', () => {
    expect(() => endWindow(base, 'w-nope', NOW)).toThrow('no window w-nope (window list shows them)');
    expect(() => endWindow(base, undefined, at('2026-12-01T05:00:00Z'))).toThrow('no window is open now');
    const ended = endWindow(base, undefined, NOW).list;
    expect(() => endWindow(ended, ended[0]!.id, at('2026-12-01T01:00:00Z'))).toThrow(`window ${ended[0]!.id} already ended at ${NOW.toISOString()}`);
    const two = add(base, '2026-12-01T00:10:00Z', '2026-12-01T01:00:00Z', 'second').list;
    expect(() => endWindow(two, undefined, NOW)).toThrow(new RegExp(`^2 windows are open now \\(${two[0]!.id}, ${two[1]!.id}\\): say which to end`));
    expect(endWindow(two, two[1]!.id, NOW).window.reason).toBe('second');
  });
});

describe('removing a window', () => {
  it('takes it out of the list, and names an unknown id', () => {
    const one = add([], '2026-12-01T01:00:00Z', '2026-12-01T02:00:00Z', 'one');
    const two = add(one.list, '2026-12-01T03:00:00Z', '2026-12-01T04:00:00Z', 'two');
    const { list, window } = removeWindow(two.list, one.window.id);
    expect(window).toEqual(one.window);
    expect(list).toEqual([two.window]);
    expect(() => removeWindow(list, one.window.id)).toThrow(`no window ${one.window.id}`);
  });
});

describe('the window open at a moment', () => {
  const config = {
    windows: [{ start: '2026-12-05T01:00:00+01:00', end: '2026-12-05T02:00:00+01:00', reason: 'config one-off' }],
    // Sunday 02:00-04:00 Copenhagen: 2026-12-06T01:00Z to 03:00Z.
    weekly: [{ day: 'sun' as const, start: '02:00', durationMinutes: 120, reason: 'weekly patching' }],
  };
  const runtime = add([], '2026-12-01T01:00:00Z', '2026-12-01T03:00:00Z', 'run-time release', { release: '2026.4.2' }).list;

  it('is the config\'s or the run-time one, whichever covers it, and none between them', () => {
    expect(openWindow(config, runtime, at('2026-12-01T02:00:00Z'))?.reason).toBe('run-time release');
    expect(openWindow(config, runtime, at('2026-12-05T00:30:00Z'))?.reason).toBe('config one-off');
    expect(openWindow(config, runtime, at('2026-12-06T02:59:00Z'))?.reason).toBe('weekly patching');
    expect(openWindow(config, runtime, at('2026-12-01T03:00:00Z'))).toBeNull();
    expect(openWindow(config, [], at('2026-12-01T02:00:00Z'))).toBeNull();
  });

  it('lists every window of a range, config and run-time, oldest first, a closed one to its actual end', () => {
    const ended = endWindow(runtime, undefined, at('2026-12-01T01:30:00Z')).list;
    const all = allWindowsBetween(config, ended, at('2026-12-01T00:00:00Z'), at('2026-12-08T00:00:00Z'));
    expect(all.map((w) => [w.reason, w.start.toISOString(), w.end.toISOString()])).toEqual([
      ['run-time release', '2026-12-01T01:00:00.000Z', '2026-12-01T01:30:00.000Z'],
      ['config one-off', '2026-12-05T00:00:00.000Z', '2026-12-05T01:00:00.000Z'],
      ['weekly patching', '2026-12-06T01:00:00.000Z', '2026-12-06T03:00:00.000Z'],
    ]);
  });

  it('has an actual end that is the planned one unless closed earlier', () => {
    const w = runtime[0]!;
    expect(actualEnd(w)).toEqual(at('2026-12-01T03:00:00Z'));
    expect(actualEnd({ ...w, endedAt: '2026-12-01T04:00:00Z' })).toEqual(at('2026-12-01T03:00:00Z'));
  });
});

describe('stored lists and owners', () => {
  it('names what is wrong with a stored list and where it is', () => {
    expect(() => parseWindowList({ not: 'a list' }, '/x/windows.json')).toThrow(/^\/x\/windows\.json: not a list of maintenance windows \(\(root\): /);
    expect(() => parseWindowList([{ id: 'w-1', start: 'soon', end: '2026-12-01T00:00:00Z', reason: 'x', createdAt: '2026-12-01T00:00:00Z' }], 's3://b/k')).toThrow(
      's3://b/k: not a list of maintenance windows (0.start: must be an ISO 8601 time)',
    );
  });

  it('charges a window to its owner, else the release owner for a release, else the infrastructure owner', () => {
    expect(windowOwner({ owner: 'PLSP', release: '1' }, DEFAULT_OWNERS)).toBe('PLSP');
    expect(windowOwner({ release: '2026.4.2' }, DEFAULT_OWNERS)).toBe(DEFAULT_OWNERS.release);
    expect(windowOwner({}, DEFAULT_OWNERS)).toBe(DEFAULT_OWNERS.infrastructure);
  });

  it('keeps a deployment\'s windows at state/<environment>/windows.json', () => {
    expect(windowsKey('prod')).toBe('state/prod/windows.json');
  });
});
