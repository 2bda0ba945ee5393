/**
 * The failing stretch of each probe as the latest-results documents carry it: started by a
 * failed run, continued by the next, ended by a pass or by a gap in the record; and the
 * document's shape checked when it is read back.
 */
import { describe, expect, it } from 'vitest';
import { latestKey, latestMaxAgeMs, nextFailing, parseLatestResults } from '../../../../lib/core/latest-results.ts';

const run = (probe: string, ok: boolean, startedAt: string) => ({ probe, ok, startedAt });
const T = (m: number) => new Date(Date.UTC(2026, 11, 1, 3, m)).toISOString();

describe('nextFailing', () => {
  const opts = (m: number) => ({ now: new Date(T(m)), maxGapMs: 3 * 60_000 });

  it('starts a stretch at a failed run, continues it run by run, and ends it at a pass', () => {
    const one = nextFailing(null, [run('node:flp-1', false, T(0)), run('lb', true, T(0))], opts(0));
    expect(one).toEqual({ 'node:flp-1': { firstFailingAt: T(0), runs: 1 } });
    const two = nextFailing({ at: T(0), failing: one }, [run('node:flp-1', false, T(1)), run('lb', false, T(1))], opts(1));
    expect(two).toEqual({ 'node:flp-1': { firstFailingAt: T(0), runs: 2 }, lb: { firstFailingAt: T(1), runs: 1 } });
    const three = nextFailing({ at: T(1), failing: two }, [run('node:flp-1', true, T(2)), run('lb', false, T(2))], opts(2));
    expect(three).toEqual({ lb: { firstFailingAt: T(1), runs: 2 } });
  });

  it('continues nothing across a gap in the record longer than maxGapMs', () => {
    const before = { at: T(0), failing: { 'node:flp-1': { firstFailingAt: T(0), runs: 9 } } };
    expect(nextFailing(before, [run('node:flp-1', false, T(3))], opts(3))).toEqual({ 'node:flp-1': { firstFailingAt: T(0), runs: 10 } });
    expect(nextFailing(before, [run('node:flp-1', false, T(4))], opts(4))).toEqual({ 'node:flp-1': { firstFailingAt: T(4), runs: 1 } });
  });

  it('takes the deployed interval (whole minutes, at least one) times three as the longest gap', () => {
    const schedule = { journeySeconds: 300, journeyRecheckSeconds: 60, syncSeconds: 5, nodesSeconds: 90 };
    expect(latestMaxAgeMs({ schedule }, 'journey')).toBe(900_000);
    expect(latestMaxAgeMs({ schedule }, 'sync')).toBe(180_000);
    expect(latestMaxAgeMs({ schedule }, 'nodes')).toBe(360_000);
    expect(latestKey('prod', 'sync')).toBe('latest/prod/sync.json');
  });
});

describe('parseLatestResults', () => {
  const good = { group: 'nodes', at: T(0), results: [{ probe: 'lb', ok: true, evidence: [], artifacts: [] }], failing: { lb: { firstFailingAt: T(0), runs: 1 } } };

  it('accepts a document of its group and names what is wrong with any other', () => {
    expect(parseLatestResults(good, 'nodes')).toBe(good);
    expect(() => parseLatestResults(good, 'sync')).toThrow('latest results of sync: "group" is "nodes", expected "sync"');
    expect(() => parseLatestResults([], 'nodes')).toThrow(/not a JSON object/);
    expect(() => parseLatestResults({ ...good, at: 'yesterday' }, 'nodes')).toThrow(/"at" is not a time/);
    expect(() => parseLatestResults({ ...good, results: [{ probe: 'lb' }] }, 'nodes')).toThrow(/results\[0\] is not a classified result/);
    expect(() => parseLatestResults({ ...good, failing: { lb: { firstFailingAt: T(0), runs: 0 } } }, 'nodes')).toThrow(/failing\["lb"\]/);
  });
});
