import { appendFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lib/core/config.ts';
import { createLocalHistory, historyFromRecords } from '../../../../lib/adapters/local-history.ts';
import { LocalStore } from '../../../../lib/adapters/local-store.ts';
import { releaseRecord, type MetricRecord } from '../../../../lib/core/records.ts';
import { rawConfig } from '../../../support/config.ts';
import { buildRecords } from '../../../support/sla-records.ts';

async function configWithStore() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-history-'));
  return parseConfig(rawConfig({ store: { dir }, schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 } }));
}

const from = new Date('2026-11-02T00:00:00Z');
const to = new Date('2026-11-02T01:00:00Z');

describe('the local store as a history source', () => {
  it('answers a metric by name and exact dimensions, oldest first, one sample per run', async () => {
    const config = await configWithStore();
    await new LocalStore(config.store.dir).append(buildRecords({ config, from, to }));
    const history = createLocalHistory(config);
    const points = await history.metric({ name: 'Success', dimensions: { Environment: 'test', Probe: 'journey' }, from, to });
    expect(points).toHaveLength(12);
    expect(points[0]).toEqual({ timestamp: '2026-11-02T00:00:01.000Z', value: 1, samples: 1 });
    expect(points.map((p) => p.timestamp)).toEqual([...points.map((p) => p.timestamp)].sort());
    // A dimension more or less is another metric, as in CloudWatch.
    expect(await history.metric({ name: 'Success', dimensions: { Environment: 'test' }, from, to })).toEqual([]);
    expect(await history.metric({ name: 'StepDurationMillis', dimensions: { Environment: 'test', Probe: 'journey', Step: 'launch' }, from, to })).toHaveLength(12);
  });

  it('returns the probe results with class, owner and summary, and the releases, within the range', async () => {
    const config = await configWithStore();
    const store = new LocalStore(config.store.dir);
    await store.append(buildRecords({ config, from, to, outages: [{ service: 'lb', from: '2026-11-02T00:10:00Z', to: '2026-11-02T00:15:00Z', class: 'infrastructure', summary: 'lb answered 502' }] }));
    await store.append([releaseRecord({ timestamp: '2026-11-02T00:30:00.000Z', environment: 'test', version: '2026.4.2', verdict: 'pass', summary: 'ok' })]);
    const history = createLocalHistory(config);
    const results = (await history.results({ from: new Date('2026-11-02T00:10:00Z'), to: new Date('2026-11-02T00:20:00Z') }))!;
    expect(results.every((r) => r.timestamp >= '2026-11-02T00:10:00' && r.timestamp < '2026-11-02T00:20:00')).toBe(true);
    expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ probe: 'lb', class: 'infrastructure', owner: 'PLSP', summary: 'lb answered 502' })]);
    expect((await history.releases({ from, to })).map((r) => r.version)).toEqual(['2026.4.2']);
  });

  it('leaves out records of another environment or namespace', async () => {
    const config = await configWithStore();
    const other = parseConfig(rawConfig({ environment: 'staging', schedule: config.schedule }));
    const records = [...buildRecords({ config, from, to }), ...buildRecords({ config: other, from, to })];
    const foreignNamespace: MetricRecord = { type: 'metric', timestamp: '2026-11-02T00:00:02.000Z', namespace: 'Other', name: 'Success', unit: 'Count', value: 0, dimensions: { Environment: 'test', Probe: 'journey' } };
    const history = historyFromRecords([...records, foreignNamespace], config);
    expect(await history.metric({ name: 'Success', dimensions: { Environment: 'test', Probe: 'journey' }, from, to })).toHaveLength(12);
    expect((await history.results({ from, to }))!.every((r) => r.environment === 'test')).toBe(true);
  });

  it('skips broken lines, each reported once, with where the first one is', async () => {
    const config = await configWithStore();
    const store = new LocalStore(config.store.dir);
    await store.append(buildRecords({ config, from, to }));
    await appendFile(store.fileFor('2026-11-02'), '{"type":"metric","timest');
    const history = createLocalHistory(config);
    const [a, b] = await Promise.all([
      history.metric({ name: 'Success', dimensions: { Environment: 'test', Probe: 'lb' }, from, to }),
      history.results({ from, to }),
    ]);
    expect(a).toHaveLength(12);
    expect(b).toHaveLength(12 * 5);
    await history.metric({ name: 'Success', dimensions: { Environment: 'test', Probe: 'lb' }, from: new Date('2026-11-02T00:20:00Z'), to });
    expect(history.skipped).toEqual([{ file: store.fileFor('2026-11-02'), line: expect.any(Number), reason: 'truncated last line' }]);
  });
});
