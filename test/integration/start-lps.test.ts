/**
 * `npm start` paging an LPS vendor whose system stopped launching FLP as certified.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startStallMeter } from '../support/stall-meter.ts';
import { sandboxLps } from '../support/sandbox.ts';
import { cliOn, ctrlC, SLOW_MACHINE_SCHEDULE, startScenario, stopStarted, waitForOutput } from '../support/start-monitor.ts';

afterAll(stopStarted);

describe('npm start', () => {
  it("pages MedSign ApS, and tells KiAP, when its LPS stops launching FLP as certified (vendor-changed), and nobody else", async () => {
    const hook = (url: string, name: string, owner: string) => ({ type: 'webhook', name, owners: [owner], url: `${url}/${name}` });
    const { hub, configFile, proc, seen, stderr } = await startScenario((url) => ({
      schedule: SLOW_MACHINE_SCHEDULE,
      lps: { ...sandboxLps(), maxRejectedPercent: 20, minLaunches: 5 },
      notify: { channels: [hook(url, 'medsign', 'MedSign ApS'), hook(url, 'kiap', 'KiAP'), hook(url, 'plsp', 'PLSP'), hook(url, 'nordlys', 'Nordlys Data')] },
    }));

    const { code, out } = await cliOn(configFile, 'sandbox', 'fault', 'vendor-changed', '--system', 'medsign');
    expect(code).toBe(0);
    expect(out).toContain('fault vendor-changed is on');
    const injectedAt = Date.now();
    const stall = startStallMeter();
    // The clinics launch twice a second and the statistics cover the last minute: 20 % of them are refused about 12 s on.
    const verdict = await waitForOutput(proc, /FAIL lps \/ MedSign ApS: [^\n]*/, 40_000, seen);
    expect(verdict).toContain("MedSign ApS's LPS no longer launches FLP as certified");
    const page = await waitForOutput(proc, /notify +trigger \[FLP sandbox\] lps · MedSign ApS · [^\n]*/, 30_000, seen);
    // Detection: the refused share past its limit (~12 s at the sandbox's pace), then the policy's datapoints at the nodes' 1 s pace, plus what the machine stalled.
    expect(Date.now() - injectedAt).toBeLessThan(30_000 + stall.stop());
    expect(page).toMatch(/→ (medsign|kiap) delivered \(202\), (medsign|kiap) delivered \(202\)$/);
    const got = (name: string) => hub.events.filter((e) => e.path === `/${name}`).map((e) => e.body as { subject: string; class: string; owner: string });
    expect(got('medsign').map((e) => [e.class, e.owner])).toEqual([['lps', 'MedSign ApS']]);
    expect(got('kiap').map((e) => e.subject)).toEqual(got('medsign').map((e) => e.subject));
    expect(got('medsign')[0]!.subject).toMatch(/^\[FLP sandbox\] lps · MedSign ApS · /);
    // Nobody else: not the hosting, not another vendor, and no application page (FLP accepts the certified launch).
    expect(got('plsp')).toEqual([]);
    expect(got('nordlys')).toEqual([]);
    expect(seen.text).not.toMatch(/alarm +ALARM (application|infrastructure)-page/);

    expect(await ctrlC(proc)).toBe(0);
    expect(stderr()).toBe('');
  }, 120_000);
});
