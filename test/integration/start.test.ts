/**
 * `npm start` as a person uses it: the sandbox and the schedule in one process, a fault
 * injected from "another terminal" (the CLI), the verdict on screen turning within one
 * schedule interval, and Ctrl-C stopping it cleanly.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import { freePorts } from '../support/ports.ts';
import { startStallMeter } from '../support/stall-meter.ts';
import { sandboxLps } from '../support/sandbox.ts';
import { PAGERDUTY_RESOLVE, PAGERDUTY_TRIGGER, validate } from '../support/vendor-formats.ts';

const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcessWithoutNullStreams | undefined;
let receiver: http.Server | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  receiver?.close();
});

/** A stand-in for PagerDuty's Events API and a plain webhook on loopback: records every event, answers as PagerDuty does (202). */
async function startReceiver(): Promise<{ url: string; events: { path: string; body: Record<string, unknown> }[] }> {
  const events: { path: string; body: Record<string, unknown> }[] = [];
  receiver = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      events.push({ path: req.url ?? '', body });
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }));
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, events };
}

async function writeSandboxConfig(dir: string, receiverUrl: string, extra: Record<string, unknown> = {}) {
  const [lb, n1, n2, n3, sync, dns, admin] = await freePorts(7);
  const host = (name: string, port: number, scheme = 'http') => `${scheme}://${name}.sandbox.test:${port}`;
  const config = {
    environment: 'sandbox',
    target: {
      baseUrl: host('flp', lb!),
      nodes: [
        { name: 'flp-1', url: host('flp-1', n1!, 'https') },
        { name: 'flp-2', url: host('flp-2', n2!, 'https') },
        { name: 'flp-3', url: host('flp-3', n3!, 'https') },
      ],
      expectedVersion: '2026.4.1',
      caFile: 'certs/ca.pem',
      dnsServers: [`127.0.0.1:${dns}`],
    },
    journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
    sync: ['lab', 'diagnoses', 'medication', 'measurements'].map((s) => ({ source: s, url: `${host('sync', sync!)}/sync/${s}/status`, maxLagMinutes: 120 })),
    timeouts: { requestMs: 1500, stepMs: 3000 },
    schedule: { journeySeconds: 4, syncSeconds: 1, nodesSeconds: 1 },
    // A release verification beside the schedule's own journeys on a busy 2-core machine: latency is judged, loosely.
    canary: { latencyRegressionRatio: 3, minLatencyIncreaseMs: 1500 },
    store: { dir: 'store' },
    artifacts: { dir: 'artifacts' },
    sandbox: { adminPort: admin, version: '2026.4.1' },
    notify: {
      channels: [
        { type: 'pagerduty', owners: ['*'], routingKey: 'R0ZZ1234567890ABCDEF1234567890AB', url: `${receiverUrl}/v2/enqueue` },
        { type: 'webhook', owners: ['PLSP'], url: `${receiverUrl}/hook` },
      ],
    },
  };
  const file = path.join(dir, 'flp-monitor.config.json');
  await writeFile(file, JSON.stringify({ ...config, ...extra }, null, 2));
  return file;
}

/** `flp-monitor start` as `npm start` runs it, in `dir`: its screen so far, and its stderr. */
function startMonitor(configFile: string, dir: string): { proc: ChildProcessWithoutNullStreams; seen: { text: string }; stderr: () => string } {
  const proc = spawn(process.execPath, [path.join(root, 'lib/cli/bin.mjs'), 'start', '--config', configFile], { cwd: dir, stdio: 'pipe' });
  child = proc;
  const seen = { text: '' };
  proc.stdout.on('data', (d: Buffer) => (seen.text += d.toString()));
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { proc, seen, stderr: () => err };
}

function waitForOutput(proc: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs: number, seen: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = seen.text.match(pattern);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', check);
        resolve(m[0]);
      }
    };
    const timer = setTimeout(() => {
      proc.stdout.off('data', check);
      reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output was:\n${seen.text}`));
    }, timeoutMs);
    proc.stdout.on('data', check);
    check();
  });
}

describe('npm start', () => {
  it('shows the verdict, turns it to infrastructure / PLSP within one interval of db-down, pages PLSP through PagerDuty and resolves it, and stops on Ctrl-C', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-start-'));
    const hub = await startReceiver();
    const configFile = await writeSandboxConfig(dir, hub.url);
    const { proc, seen, stderr } = startMonitor(configFile, dir);

    await waitForOutput(proc, /journey +OK: all \d+ checks passed/, 20_000, seen);

    let out = '';
    const code = await main(['sandbox', 'fault', 'db-down', '--config', configFile], { out: (s) => (out += s), err: (s) => (out += s) });
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

    await main(['sandbox', 'clear', '--config', configFile], { out: () => {}, err: () => {} });
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

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr()).toBe('');

    // Every result went to the local store as metric and result records, every line whole (Ctrl-C waits for a write under way).
    const days = await readdir(path.join(dir, 'store/metrics'));
    expect(days.length).toBeGreaterThan(0);
    const { records, skipped } = await new LocalStore(path.join(dir, 'store')).read({ from: new Date(Date.now() - 3_600_000) });
    expect(skipped).toEqual([]);
    expect(records.some((r) => r.type === 'metric')).toBe(true);
    expect(records.some((r) => r.type === 'result' && r.class === 'infrastructure' && r.owner === 'PLSP')).toBe(true);
  }, 60_000);

  it('verifies a release at its window\'s end (FAILED naming flp-3 and KiAP; then PASS), and pages an overrun of a window that ends while the database is down', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-start-'));
    const hub = await startReceiver();
    const configFile = await writeSandboxConfig(dir, hub.url);
    const { proc, seen, stderr } = startMonitor(configFile, dir);
    const cli = async (...args: string[]) => {
      let out = '';
      const code = await main([...args, '--config', configFile], { out: (s) => (out += s), err: (s) => (out += s) });
      return { code, out };
    };
    const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    await waitForOutput(proc, /journey +OK: all \d+ checks passed/, 20_000, seen);

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

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr()).toBe('');
  }, 240_000);

  it("pages MedSign ApS, and tells KiAP, when its LPS stops launching FLP as certified (vendor-changed), and nobody else", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-start-'));
    const hub = await startReceiver();
    const hook = (name: string, owner: string) => ({ type: 'webhook', name, owners: [owner], url: `${hub.url}/${name}` });
    const configFile = await writeSandboxConfig(dir, hub.url, {
      lps: { ...sandboxLps(), maxRejectedPercent: 20, minLaunches: 5 },
      notify: { channels: [hook('medsign', 'MedSign ApS'), hook('kiap', 'KiAP'), hook('plsp', 'PLSP'), hook('nordlys', 'Nordlys Data')] },
    });
    const { proc, seen, stderr } = startMonitor(configFile, dir);
    await waitForOutput(proc, /journey +OK: all \d+ checks passed/, 20_000, seen);

    let out = '';
    expect(await main(['sandbox', 'fault', 'vendor-changed', '--system', 'medsign', '--config', configFile], { out: (s) => (out += s), err: (s) => (out += s) })).toBe(0);
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

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr()).toBe('');
  }, 120_000);
});
