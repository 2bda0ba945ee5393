/**
 * `npm start` as a person uses it, for the start*.test.ts files: the monitor as a child
 * process on a sandbox config, a PagerDuty and webhook stand-in on loopback, and waiting for
 * its screen. One scenario per file, so that the scenarios run side by side in the suite.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../lib/cli/main.ts';
import { freePorts } from './ports.ts';

const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcessWithoutNullStreams | undefined;
let receiver: http.Server | undefined;

/** Kills the monitor a scenario left running and closes its receiver (for `afterAll`). */
export function stopStarted(): void {
  child?.kill('SIGKILL');
  receiver?.close();
}

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

/** The sandbox scenarios' schedule: a journey every 4 s, sync and nodes every second. */
const SANDBOX_SCHEDULE = { journeySeconds: 4, syncSeconds: 1, nodesSeconds: 1 };

/**
 * The schedule for scenarios that wait on a nodes-group alarm: an alarm's period is its group's
 * interval and it fires on consecutive breaching periods (missing ones not breaching), so a nodes
 * run that takes longer than a 1 s interval on a loaded machine leaves a period empty and puts
 * the page off, run after run. Two seconds leave such a run room; the scenarios that time their
 * detection to the second (start.test.ts) keep the sandbox's 1 s.
 */
export const SLOW_MACHINE_SCHEDULE = { ...SANDBOX_SCHEDULE, nodesSeconds: 2 };

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
    schedule: SANDBOX_SCHEDULE,
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

export function waitForOutput(proc: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs: number, seen: { text: string }): Promise<string> {
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

/** Runs the CLI in this process against `configFile`, as from another terminal: its exit code and everything it printed. */
export async function cliOn(configFile: string, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main([...args, '--config', configFile], { out: (s) => (out += s), err: (s) => (out += s) });
  return { code, out };
}

/**
 * A scenario's start: a fresh directory, the receiver, the sandbox config (with `extra` over
 * it; a function of the receiver's URL where the config names the receiver), and the monitor
 * started in it, once its first journey has passed.
 */
export async function startScenario(extra: Record<string, unknown> | ((receiverUrl: string) => Record<string, unknown>) = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-start-'));
  const hub = await startReceiver();
  const configFile = await writeSandboxConfig(dir, hub.url, typeof extra === 'function' ? extra(hub.url) : extra);
  const { proc, seen, stderr } = startMonitor(configFile, dir);
  await waitForOutput(proc, /journey +OK: all \d+ checks passed/, 20_000, seen);
  return { dir, hub, configFile, proc, seen, stderr };
}

/** Ctrl-C to the monitor: the exit code it ends with. */
export function ctrlC(proc: ChildProcessWithoutNullStreams): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  proc.kill('SIGINT');
  return exited;
}

