/**
 * `npm start` as a person uses it: the sandbox and the schedule in one process, a fault
 * injected from "another terminal" (the CLI), the verdict on screen turning within one
 * schedule interval, and Ctrl-C stopping it cleanly. (The release and LPS scenarios are
 * start-release.test.ts and start-lps.test.ts, so that the three run side by side.)
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import { startStallMeter } from '../support/stall-meter.ts';
import { PAGERDUTY_RESOLVE, PAGERDUTY_TRIGGER, validate } from '../support/vendor-formats.ts';
import { cliOn, ctrlC, startScenario, stopStarted, waitForOutput } from '../support/start-monitor.ts';

afterAll(stopStarted);

describe('npm start', () => {
  it('shows the verdict, turns it to infrastructure / PLSP within one interval of db-down, pages PLSP through PagerDuty and resolves it, and stops on Ctrl-C', async () => {
    const { dir, hub, configFile, proc, seen, stderr } = await startScenario();

    const { code, out } = await cliOn(configFile, 'sandbox', 'fault', 'db-down');
    expect(code).toBe(0);
    expect(out).toContain('fault db-down is on');
    const injectedAt = Date.now();
    const stall = startStallMeter();
    const line = await waitForOutput(proc, /FAIL infrastructure \/ PLSP: [^\n]*database down[^\n]*/, 5_000, seen);
    // nodes run every second: one interval and one run, plus the time this machine was too busy to run us (measured)
    expect(Date.now() - injectedAt).toBeLessThan(2_500 + stall.stop());
    expect(line).toMatch(/flp-\d database down/);
    // The production alarm policy, evaluated locally, pages PLSP for the hosting.
    await waitForOutput(proc, /alarm +ALARM infrastructure-page → PLSP: [^\n]*infrastructure-failures/, 6_000, seen);
    expect(seen.text).not.toMatch(/alarm +ALARM (application|sync)-page/);

    // The page: one PagerDuty trigger naming class, owner and the cause, and the same to PLSP's webhook; shown on screen.
    await waitForOutput(proc, /notify +trigger \[FLP sandbox\] infrastructure · PLSP · database down[^\n]*→ pagerduty delivered \(202\), webhook delivered \(202\)/, 30_000, seen);
    const pd = () => hub.events.filter((e) => e.path === '/v2/enqueue').map((e) => e.body);
    expect(pd()).toHaveLength(1);
    const trigger = pd()[0] as { event_action: string; dedup_key: string; routing_key: string; payload: { summary: string; severity: string; source: string } };
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: 'flp-sandbox-infrastructure', payload: { severity: 'critical' } });
    expect(trigger.payload.summary).toMatch(/infrastructure · PLSP · database down on flp-1, flp-2, flp-3/);
    expect(validate(PAGERDUTY_TRIGGER, trigger)).toEqual([]);
    expect(hub.events.filter((e) => e.path === '/hook').map((e) => e.body.subject)).toEqual([trigger.payload.summary]);

    await cliOn(configFile, 'sandbox', 'clear');
    seen.text = '';
    await waitForOutput(proc, /OK: all \d+ checks passed/, 15_000, seen);
    await waitForOutput(proc, /notify +resolve \[FLP sandbox\] resolved: infrastructure · PLSP/, 30_000, seen);
    // One incident: the resolve under the trigger's key, and never a page for the application symptom it held back.
    expect(pd().map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', 'flp-sandbox-infrastructure'],
      ['resolve', 'flp-sandbox-infrastructure'],
    ]);
    expect(validate(PAGERDUTY_RESOLVE, pd()[1])).toEqual([]);
    const stored = await readdir(path.join(dir, 'store/notifications'));
    expect(stored.sort().map((f) => f.replace(/^[\dTZ-]+?-(flp-)/, '$1'))).toEqual(['flp-sandbox-infrastructure-trigger.json', 'flp-sandbox-infrastructure-resolve.json']);

    expect(await ctrlC(proc)).toBe(0);
    expect(stderr()).toBe('');

    // Every result went to the local store as metric and result records, every line whole (Ctrl-C waits for a write under way).
    const days = await readdir(path.join(dir, 'store/metrics'));
    expect(days.length).toBeGreaterThan(0);
    const { records, skipped } = await new LocalStore(path.join(dir, 'store')).read({ from: new Date(Date.now() - 3_600_000) });
    expect(skipped).toEqual([]);
    expect(records.some((r) => r.type === 'metric')).toBe(true);
    expect(records.some((r) => r.type === 'result' && r.class === 'infrastructure' && r.owner === 'PLSP')).toBe(true);
  }, 60_000);
});
