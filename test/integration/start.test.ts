/**
 * `npm start` as a person uses it: the sandbox and the schedule in one process, a fault
 * injected from "another terminal" (the CLI), the verdict on screen turning within one
 * schedule interval, and Ctrl-C stopping it cleanly.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import { freePorts } from '../support/ports.ts';
import { startStallMeter } from '../support/stall-meter.ts';

const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcessWithoutNullStreams | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
});

async function writeSandboxConfig(dir: string) {
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
    store: { dir: 'store' },
    artifacts: { dir: 'artifacts' },
    sandbox: { adminPort: admin, version: '2026.4.1' },
  };
  const file = path.join(dir, 'flp-monitor.config.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
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
  it('shows the verdict, turns it to infrastructure / PLSP within one interval of db-down, and stops on Ctrl-C', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-start-'));
    const configFile = await writeSandboxConfig(dir);
    const proc = spawn(process.execPath, [path.join(root, 'lib/cli/bin.mjs'), 'start', '--config', configFile], { cwd: dir, stdio: 'pipe' });
    child = proc;
    const seen = { text: '' };
    proc.stdout.on('data', (d: Buffer) => (seen.text += d.toString()));
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));

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

    await main(['sandbox', 'clear', '--config', configFile], { out: () => {}, err: () => {} });
    seen.text = '';
    await waitForOutput(proc, /OK: all \d+ checks passed/, 15_000, seen);

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');

    // Every result went to the local store as metric and result records, every line whole (Ctrl-C waits for a write under way).
    const days = await readdir(path.join(dir, 'store/metrics'));
    expect(days.length).toBeGreaterThan(0);
    const { records, skipped } = await new LocalStore(path.join(dir, 'store')).read({ from: new Date(Date.now() - 3_600_000) });
    expect(skipped).toEqual([]);
    expect(records.some((r) => r.type === 'metric')).toBe(true);
    expect(records.some((r) => r.type === 'result' && r.class === 'infrastructure' && r.owner === 'PLSP')).toBe(true);
  }, 60_000);
});
