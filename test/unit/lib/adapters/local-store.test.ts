import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../../../lib/adapters/local-store.ts';
import { heartbeatRecord, metricRecords, resultRecord, type MetricRecord } from '../../../../lib/core/records.ts';
import type { ClassifiedResult } from '../../../../lib/core/result.ts';

async function tempStore() {
  return new LocalStore(await mkdtemp(path.join(os.tmpdir(), 'flp-store-')));
}

const journey: ClassifiedResult = {
  probe: 'journey',
  kind: 'journey',
  target: 'http://lb',
  ok: false,
  startedAt: '2026-11-22T10:00:00.000Z',
  durationMs: 2500,
  attempts: 2,
  steps: [
    { name: 'launch', status: 'passed', startedAt: '2026-11-22T10:00:00.000Z', durationMs: 400 },
    { name: 'overview', status: 'failed', startedAt: '2026-11-22T10:00:00.400Z', durationMs: 2000, error: 'x' },
    { name: 'create-plan', status: 'skipped', startedAt: '2026-11-22T10:00:02.400Z', durationMs: 0 },
  ],
  evidence: [{ type: 'page-error', message: 'x' }],
  error: 'overview failed',
  observations: {},
  artifacts: ['2026-11-22T10-00-00.000Z-journey/trace.zip'],
  class: 'application',
  owner: 'KiAP',
  summary: 'overview failed: page error x',
};

describe('metric records', () => {
  it('turns a failed journey into success, duration, step durations and a failure by class', () => {
    const recs = metricRecords(journey, 'prod');
    const byName = (n: string) => recs.filter((r) => r.name === n);
    expect(byName('Success')[0]).toMatchObject({ value: 0, dimensions: { Environment: 'prod', Probe: 'journey' } });
    expect(byName('DurationMillis')[0]).toMatchObject({ value: 2500, unit: 'Milliseconds' });
    expect(byName('StepDurationMillis').map((r) => r.dimensions.Step)).toEqual(['launch', 'overview']);
    expect(byName('FailureCount')[0]).toMatchObject({ value: 1, dimensions: { Environment: 'prod', FailureClass: 'application' } });
    expect(recs.every((r) => r.namespace === 'FLP/Synthetics')).toBe(true);
  });
});

describe('local store', () => {
  it('reads back what it appended, one file per UTC day, within the asked range', async () => {
    const store = await tempStore();
    const day1 = heartbeatRecord('sandbox', '2026-11-21T23:59:59.000Z');
    const day2 = heartbeatRecord('sandbox', '2026-11-22T00:00:01.000Z');
    await store.append([day1, day2, resultRecord(journey, 'sandbox')]);
    const all = await store.read();
    expect(all.records).toHaveLength(3);
    expect(all.skipped).toEqual([]);
    const only22 = await store.read({ from: new Date('2026-11-22T00:00:00Z'), to: new Date('2026-11-23T00:00:00Z') });
    expect(only22.records.map((r) => r.timestamp)).toEqual(['2026-11-22T00:00:01.000Z', '2026-11-22T10:00:00.000Z']);
    expect(await readFile(store.fileFor('2026-11-21'), 'utf8')).toBe(`${JSON.stringify(day1)}\n`);
  });

  it('skips and counts a truncated last line and a corrupt line mid-file, losing nothing else', async () => {
    const store = await tempStore();
    const a = heartbeatRecord('sandbox', '2026-11-22T01:00:00.000Z');
    const b = heartbeatRecord('sandbox', '2026-11-22T02:00:00.000Z');
    await store.append([a]);
    await appendFile(store.fileFor('2026-11-22'), '{"type":"metric","timesta\x00mp": garbage\n');
    await store.append([b]);
    await appendFile(store.fileFor('2026-11-22'), '{"type":"metric","timestamp":"2026-11-22T03:00');
    const { records, skipped } = await store.read();
    expect(records).toEqual([a, b]);
    expect(skipped.map((s) => [s.line, s.reason])).toEqual([
      [2, 'not valid JSON'],
      [4, 'truncated last line'],
    ]);
  });

  it('treats a missing store or day as no data', async () => {
    const store = await tempStore();
    expect(await store.read({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') })).toEqual({ records: [], skipped: [] });
  });

  it('keeps every line whole when two writers append at once', async () => {
    const store = await tempStore();
    const other = new LocalStore(path.dirname(store.dir));
    const batch = (writer: string, i: number): MetricRecord[] =>
      Array.from({ length: 20 }, (_, j) => ({ ...heartbeatRecord(writer, '2026-11-22T05:00:00.000Z'), value: i * 100 + j }));
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? store : other).append(batch(i % 2 ? 'a' : 'b', i))));
    const { records, skipped } = await store.read();
    expect(skipped).toEqual([]);
    expect(records).toHaveLength(1000);
    expect(new Set(records.map((r) => (r as MetricRecord).value)).size).toBe(1000);
  });
});
