import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEvery, costCommand } from '../../../../../lib/cli/cost.ts';
import { UsageError } from '../../../../../lib/cli/errors.ts';
import { durationsFromRecords } from '../../../../../lib/reports/cost/durations.ts';
import { INVOCATION_OVERHEAD_MS } from '../../../../../lib/reports/cost/model.ts';
import { LocalStore } from '../../../../../lib/adapters/local-store.ts';
import type { MetricRecord } from '../../../../../lib/core/records.ts';
import { rawConfig } from '../../../../support/config.ts';

const duration = (probe: string, value: number, environment = 'test'): MetricRecord => ({
  type: 'metric',
  timestamp: new Date().toISOString(),
  namespace: 'FLP/Synthetics',
  name: 'DurationMillis',
  unit: 'Milliseconds',
  value,
  dimensions: { Environment: environment, Probe: probe },
});
const runs = (probe: string, values: number[], environment?: string) => values.map((v) => duration(probe, v, environment));

describe('durations measured in the local store', () => {
  it('takes the slowest probe of a group by its median, plus what an invocation adds', () => {
    const records = [...runs('node:flp-1', [100, 120, 110, 900, 115]), ...runs('lb', [200, 210, 190, 205, 220]), ...runs('journey', [3000, 3100, 2900, 3050, 2950])];
    const m = durationsFromRecords(records, 'test');
    expect(m.durations.nodes).toBe(205 + INVOCATION_OVERHEAD_MS.nodes);
    expect(m.durations.journey).toBe(3000 + INVOCATION_OVERHEAD_MS.journey);
    expect(m.source.journey).toContain('local store');
  });

  it('leaves a group to its default when it has fewer than five runs or runs of another environment only', () => {
    const m = durationsFromRecords([...runs('sync:lab', [100, 100, 100, 100]), ...runs('journey', [1, 2, 3, 4, 5], 'staging')], 'test');
    expect(m.durations).toEqual({});
  });
});

describe('flp-monitor cost', () => {
  let dir: string;
  let configFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flp-cost-'));
    configFile = path.join(dir, 'flp-monitor.config.json');
    await writeFile(configFile, JSON.stringify(rawConfig({ store: { dir: 'store' } })));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const run = async (opts: Partial<Parameters<typeof costCommand>[0]> = {}) => {
    let out = '';
    let err = '';
    const code = await costCommand({ config: configFile, ...opts }, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  };

  it('prints the bill, the comparison and the journey at 1, 5 and 15 min', async () => {
    const { code, out } = await run();
    expect(code).toBe(0);
    expect(out).toMatch(/flp-monitor total: \$\d+\.\d\d a month/);
    expect(out).toContain('CloudWatch Synthetics');
    expect(out).toContain('Checkly');
    expect(out).toMatch(/journey every[\s\S]*1 min[\s\S]*5 min[\s\S]*15 min/);
  });

  it('prints one JSON document with the three estimates and the prices with their sources', async () => {
    const { out } = await run({ json: true, journeyEvery: '1m' });
    const doc = JSON.parse(out) as { flpMonitor: { totalUsd: number }; cloudWatchSynthetics: { totalUsd: number }; inputs: { groups: { group: string; rateMinutes: number }[] }; prices: Record<string, { source: string }> };
    expect(doc.inputs.groups.find((g) => g.group === 'journey')!.rateMinutes).toBe(1);
    expect(doc.flpMonitor.totalUsd).toBeLessThan(doc.cloudWatchSynthetics.totalUsd);
    expect(doc.prices.canaryRun!.source).toMatch(/^https:/);
  });

  it('prices with the durations the local store measured', async () => {
    await new LocalStore(path.join(dir, 'store')).append(runs('journey', [4000, 4000, 4000, 4000, 4000]));
    const doc = JSON.parse((await run({ json: true })).out) as { inputs: { groups: { group: string; durationMs: number }[] } };
    expect(doc.inputs.groups.find((g) => g.group === 'journey')!.durationMs).toBe(4000 + INVOCATION_OVERHEAD_MS.journey);
    const defaults = JSON.parse((await run({ json: true, store: false })).out) as typeof doc;
    expect(defaults.inputs.groups.find((g) => g.group === 'journey')!.durationMs).not.toBe(4000 + INVOCATION_OVERHEAD_MS.journey);
  });

  it('refuses a pace it cannot read, naming the flag', () => {
    expect(parseEvery('--journey-every', '90s')).toBe(90);
    expect(parseEvery('--journey-every', '1h')).toBe(3600);
    expect(() => parseEvery('--journey-every', 'often')).toThrow(UsageError);
    expect(() => parseEvery('--sync-every', '0m')).toThrow(/--sync-every/);
  });
});
