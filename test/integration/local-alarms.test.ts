/**
 * The production alarm policy, evaluated locally over what real probe runs against the
 * sandbox publish: a fault raises exactly the alarm of its class, and the alarms its class
 * suppresses are held back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alarmPolicy } from '../../lib/alarms/policy.ts';
import { evaluatePolicy, paging, RecentMetrics } from '../../lib/alarms/evaluator.ts';
import { parseConfig } from '../../lib/core/config.ts';
import { Monitor } from '../../lib/runtime/monitor.ts';
import type { FaultName } from '../../sandbox/index.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const PERIOD_S = 4;
let fx: SandboxFixture;

beforeAll(async () => {
  fx = await startSandboxFixture({ schedule: { journeySeconds: PERIOD_S, syncSeconds: PERIOD_S, nodesSeconds: PERIOD_S } });
});
afterAll(async () => {
  await fx?.sandbox.close();
});
beforeEach(() => fx.sandbox.clearFaults());

/** Runs every probe in `periods` consecutive alarm periods and evaluates the policy after. */
async function alarmsAfter(fault: FaultName, options: { journey: boolean; periods?: number }) {
  const config = parseConfig({ ...fx.raw, journey: { ...(fx.raw.journey as object), enabled: options.journey } }, { file: fx.configFile });
  const policy = alarmPolicy(config, { minPeriodSeconds: 1 });
  const recent = new RecentMetrics(policy);
  // Each run is stamped at the start of a period of its own, as a schedule would start it: a
  // clock that moves one period per run keeps the test independent of how long a run takes
  // on a busy machine (the probes' own timings stay real).
  const periodMs = PERIOD_S * 1000;
  const base = Math.floor(Date.now() / periodMs) * periodMs;
  let run = 0;
  const clock = { now: () => new Date(base + run * periodMs + 10) };
  const monitor = new Monitor(config, { clock, sinks: [{ write: async (r) => recent.add(r, clock.now()) }] });
  fx.sandbox.setFault(fault);
  try {
    for (run = 0; run < (options.periods ?? 2); run++) await monitor.runOnce();
    run -= 1;
    return evaluatePolicy(policy, recent.records, new Date(clock.now().getTime() + 100));
  } finally {
    await monitor.close();
  }
}

const firing = (e: ReturnType<typeof evaluatePolicy>) => e.composites.filter((c) => c.state === 'ALARM').map((c) => c.spec.id);
const pages = (e: ReturnType<typeof evaluatePolicy>) => paging(e).map((c) => `${c.spec.id}:${c.spec.owner}`);

describe('local evaluator over real probe runs', () => {
  it('db-down pages PLSP for the hosting and holds back the application alarm it causes', async () => {
    const e = await alarmsAfter('db-down', { journey: true });
    expect(pages(e)).toEqual(['infrastructure-page:PLSP']);
    const app = e.composites.find((c) => c.spec.id === 'application-page')!;
    expect(app.state).toBe('ALARM');
    expect(app.suppressedBy).toEqual(['infrastructure-failures']);
  });

  it('api-500 pages KiAP for the application and nobody else', async () => {
    const e = await alarmsAfter('api-500', { journey: true });
    expect(pages(e)).toEqual(['application-page:KiAP']);
    expect(firing(e)).toEqual(['application-page']);
  });

  it('a failed lab sync pages PLSP for the sync, naming the failing and the lagging source', async () => {
    const e = await alarmsAfter('sync-failed', { journey: false });
    expect(pages(e)).toEqual(['sync-page:PLSP']);
    expect(e.composites.find((c) => c.spec.id === 'sync-page')!.firing.sort()).toEqual(['sync-failures', 'sync-lag-lab']);
  });

  it('a node on another version pages KiAP for the release', async () => {
    const e = await alarmsAfter('version-drift', { journey: false });
    expect(pages(e)).toEqual(['release-page:KiAP']);
  });

  it('a transient connection error that a retry clears raises no alarm', async () => {
    const e = await alarmsAfter('transient', { journey: false });
    expect(firing(e)).toEqual([]);
  });
});
