/**
 * The monitor verifying a release at its window's end (lib/runtime/release-verification.ts),
 * with real Chromium against the sandbox: a release window that ended is verified once — every
 * node on the version, the journey on each node directly and through the load balancer — the
 * verdict recorded in the release store and as the `Release` metric, sent to KiAP and the
 * window's owner, and a passing version becomes the one later runs expect. `canary --nodes`
 * finds a node with a broken install that `/health` does not show.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalHistory } from '../../lib/adapters/local-history.ts';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import { ReleaseStore } from '../../lib/adapters/release-store.ts';
import { alarmPolicy } from '../../lib/alarms/policy.ts';
import { main } from '../../lib/cli/main.ts';
import { loadConfig, type Config } from '../../lib/core/config.ts';
import type { RuntimeWindow } from '../../lib/core/windows.ts';
import { Monitor } from '../../lib/runtime/monitor.ts';
import { PageNotifier } from '../../lib/runtime/page-notifier.ts';
import { ReleaseWatch } from '../../lib/runtime/release-verification.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

let fx: SandboxFixture;
let hook: http.Server;
const pages: { kind: string; key: string; subject: string; text: string }[] = [];

beforeAll(async () => {
  hook = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      pages.push(JSON.parse(text) as (typeof pages)[number]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  // KiAP's channel and PLSP's: a release window owned by PLSP tells both.
  fx = await startSandboxFixture({
    notify: {
      channels: [
        { type: 'webhook', name: 'kiap', owners: ['KiAP'], url },
        { type: 'webhook', name: 'plsp', owners: ['PLSP'], url: `${url}?plsp` },
      ],
    },
  });
}, 60_000);
afterAll(async () => {
  await fx?.sandbox.close();
  hook?.close();
});

function window(id: string, release: string, endedMinutesAgo: number, owner?: string): RuntimeWindow {
  const end = new Date(Date.now() - endedMinutesAgo * 60_000);
  return { id, start: new Date(end.getTime() - 3_600_000).toISOString(), end: end.toISOString(), reason: `release ${release}`, release, ...(owner ? { owner } : {}), createdAt: new Date(end.getTime() - 7_200_000).toISOString() };
}

describe('release verification at a window\'s end', () => {
  it('FAILS a release with a node left on the old version, naming it and KiAP, once; PASSES the next window and expects its version from then on', async () => {
    const config: Config = await loadConfig(fx.configFile);
    const store = new LocalStore(config.store.dir);
    const releases = new ReleaseStore(config.store.dir);
    const monitor = new Monitor(config, { sinks: [{ write: (r) => store.append(r) }] });
    const notifier = await PageNotifier.create(config, alarmPolicy(config, { minPeriodSeconds: 1 }));
    const windows: RuntimeWindow[] = [window('w-20261201-0100-aaaa', '2026.4.1', 1, 'PLSP')];
    const watch = new ReleaseWatch({ config, monitor, windows: { list: async () => windows }, releases, history: createLocalHistory(config, { store }), sinks: [{ write: (r) => store.append(r) }], notifier });
    try {
      fx.sandbox.setFault('version-drift');
      const [failed] = await watch.tick();
      expect(failed!.report.verdict.pass).toBe(false);
      expect(failed!.notification).toMatchObject({ kind: 'trigger', class: 'release', owner: 'KiAP', key: 'flp-test-release-verification' });
      expect(failed!.notification.subject).toMatch(/^\[FLP test\] release 2026\.4\.1 FAILED: flp-3 answers 2026\.4\.0 \(\+\d+ more\)$/);
      // To KiAP and to the window's owner, PLSP.
      expect(pages.map((p) => p.subject)).toEqual([failed!.notification.subject, failed!.notification.subject]);
      expect(pages[0]!.text).toContain('Window: release 2026.4.1 (w-20261201-0100-aaaa)');
      // Recorded once: the next tick finds nothing to verify.
      expect(await watch.tick()).toEqual([]);
      expect((await releases.list()).map((r) => [r.version, r.verdict, r.windowId])).toEqual([['2026.4.1', 'fail', 'w-20261201-0100-aaaa']]);
      expect(monitor.expectedVersion).toBe('2026.4.1');

      fx.sandbox.clearFaults();
      pages.length = 0;
      windows.push(window('w-20261201-0300-bbbb', '2026.4.2', 0));
      // The sandbox's nodes report 2026.4.1: fail again, so the release below is the sandbox's own.
      const [other] = await watch.tick();
      expect(other!.notification.subject).toMatch(/^\[FLP test\] release 2026\.4\.2 FAILED: flp-1 answers 2026\.4\.1/);
      pages.length = 0;
      windows.push(window('w-20261201-0400-cccc', '2026.4.1', 0));
      const [passed] = await watch.tick();
      expect(passed!.report.verdict.pass).toBe(true);
      expect(passed!.notification).toMatchObject({ kind: 'notice', subject: '[FLP test] release 2026.4.1 verified: 3/3 nodes on 2026.4.1, 4 journeys passed' });
      // The open verification incident is resolved under its key, then the news goes out (KiAP only: the window has no owner of its own).
      expect(pages.map((p) => [p.kind, p.key])).toEqual([
        ['resolve', 'flp-test-release-verification'],
        ['notice', 'flp-test-release-verification'],
      ]);
      expect(monitor.expectedVersion).toBe('2026.4.1');
      const metrics = (await store.read({ from: new Date(Date.now() - 600_000) })).records.filter((r) => r.type === 'metric' && r.name === 'Release');
      expect(metrics.map((m) => (m.type === 'metric' ? [m.dimensions.Version, m.value] : null))).toEqual([
        ['2026.4.1', 0],
        ['2026.4.2', 0],
        ['2026.4.1', 1],
      ]);
    } finally {
      fx.sandbox.clearFaults();
      await monitor.close();
    }
  }, 180_000);

  it('canary --nodes fails a release whose node serves a broken install behind a healthy /health, as the release\'s (KiAP)', async () => {
    fx.sandbox.setFault('node-broken', { node: 'flp-2' });
    try {
      let out = '';
      const code = await main(['canary', '--expect-version', fx.sandbox.version, '--runs', '1', '--nodes', '--json', '--config', fx.configFile], { out: (s) => (out += s), err: () => {} });
      expect(code).toBe(1);
      const report = JSON.parse(out) as { checks: { check: string; result: string; class: string | null; owner: string | null; observed: string }[] };
      const nodeJourneys = report.checks.filter((c) => c.check.startsWith('probe journey:'));
      expect(nodeJourneys.map((c) => [c.check, c.result])).toEqual([
        ['probe journey:flp-1', 'pass'],
        ['probe journey:flp-2', 'fail'],
        ['probe journey:flp-3', 'pass'],
      ]);
      expect(nodeJourneys[1]).toMatchObject({ class: 'release', owner: 'KiAP' });
      expect(nodeJourneys[1]!.observed).toMatch(/flp-2 fails the journey flp-1, flp-3 pass: overview failed/);
      // Every node still reports the version: only the journey on each node shows it.
      expect(report.checks.filter((c) => c.check.startsWith('version ')).every((c) => c.result === 'pass')).toBe(true);
    } finally {
      fx.sandbox.clearFaults();
    }
  }, 120_000);
});
