/**
 * `npm start` verifying a release at its window's end, and paging a window that overran.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cliOn, ctrlC, SLOW_MACHINE_SCHEDULE, startScenario, stopStarted, waitForOutput } from '../support/start-monitor.ts';

afterAll(stopStarted);

describe('npm start', () => {
  it('verifies a release at its window\'s end (FAILED naming flp-3 and KiAP; then PASS), and pages an overrun of a window that ends while the database is down', async () => {
    const { hub, configFile, proc, seen, stderr } = await startScenario({ schedule: SLOW_MACHINE_SCHEDULE });
    const cli = (...args: string[]) => cliOn(configFile, ...args);
    const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

    // A release window of a few seconds, one node left behind.
    expect((await cli('sandbox', 'fault', 'version-drift')).code).toBe(0);
    expect((await cli('window', 'add', '--release', '2026.4.1', '--start', 'now', '--end', inSeconds(4), '--reason', 'release 2026.4.1')).code).toBe(0);
    await waitForOutput(proc, /release +trigger \[FLP sandbox\] release 2026\.4\.1 FAILED: flp-3 answers 2026\.4\.0[^\n]*→ pagerduty delivered \(202\)/, 60_000, seen);
    const failed = JSON.parse((await cli('release', 'status', '--json')).out) as { releases: { version: string; verdict: string; windowId?: string }[] };
    expect(failed.releases[0]).toMatchObject({ version: '2026.4.1', verdict: 'fail', windowId: expect.stringMatching(/^w-/) });
    // The verification's own incident (the drifted node pages the release class as well, under its own key, in either order).
    const pdFail = hub.events.find((e) => e.path === '/v2/enqueue' && e.body.dedup_key === 'flp-sandbox-release-verification')?.body as { event_action: string; dedup_key: string; payload: { summary: string } };
    expect(pdFail).toMatchObject({ event_action: 'trigger', dedup_key: 'flp-sandbox-release-verification' });

    // Fixed: the next window passes, resolving the verification's incident.
    expect((await cli('sandbox', 'clear')).code).toBe(0);
    expect((await cli('window', 'add', '--release', '2026.4.1', '--start', 'now', '--end', inSeconds(4), '--reason', 'release 2026.4.1, again')).code).toBe(0);
    await waitForOutput(proc, /release +notice \[FLP sandbox\] release 2026\.4\.1 verified: 3\/3 nodes on 2026\.4\.1, 4 journeys passed/, 60_000, seen);
    const passed = JSON.parse((await cli('release', 'status', '--json')).out) as { expected: { version: string } | null; releases: { verdict: string }[] };
    expect(passed.releases[0]!.verdict).toBe('pass');
    expect(passed.expected?.version).toBe('2026.4.1');
    // The verification's own incident (the drifted node also paged the release class meanwhile, under its own key).
    const pd = hub.events.filter((e) => e.path === '/v2/change/enqueue' || e.body.dedup_key === 'flp-sandbox-release-verification');
    expect(pd.map((e) => [e.path, e.body.event_action ?? 'change'])).toEqual([
      ['/v2/enqueue', 'trigger'],
      ['/v2/enqueue', 'resolve'],
      ['/v2/change/enqueue', 'change'],
    ]);

    // A window ends while the database is down: no page during it, the page at its end says it overran.
    seen.text = '';
    expect((await cli('window', 'add', '--start', 'now', '--end', inSeconds(6), '--reason', 'PLSP database patch')).code).toBe(0);
    expect((await cli('sandbox', 'fault', 'db-down')).code).toBe(0);
    const overran = await waitForOutput(proc, /notify +trigger \[FLP sandbox\] infrastructure · PLSP · 'PLSP database patch' overran \d\d:\d\d: database down[^\n]*/, 60_000, seen);
    expect(overran).toContain('→ pagerduty delivered (202)');
    await cli('sandbox', 'clear');
    await waitForOutput(proc, /OK: all \d+ checks passed/, 15_000, seen);

    // The SLA report of that hour: the window planned against actual, its overrun charged to its owner (PLSP, the infrastructure's owner by default).
    const sla = await cli('sla', '--from', new Date(Date.now() - 3_600_000).toISOString(), '--to', new Date().toISOString(), '--format', 'json');
    expect(sla.code).toBe(0);
    const report = JSON.parse(sla.out) as { maintenance: { reason: string; owner: string; overran: boolean; overrunMs: number }[] };
    const patch = report.maintenance.find((w) => w.reason === 'PLSP database patch')!;
    expect(patch).toMatchObject({ owner: 'PLSP', overran: true });
    expect(patch.overrunMs).toBeGreaterThan(0);

    expect(await ctrlC(proc)).toBe(0);
    expect(stderr()).toBe('');
  }, 240_000);
});
