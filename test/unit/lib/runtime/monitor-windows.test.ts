/**
 * Every probe run reads the run-time maintenance windows: the `MaintenanceWindow` metric is 1
 * while one is open (or one of the config's), 0 before and after, `window end` closes it for the
 * next run, and a store that cannot be read costs a logged monitor problem, never the run. The
 * node probes against a healthy HTTP server on loopback; no browser.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../../lib/cli/main.ts';
import { parseConfig, type Config } from '../../../../lib/core/config.ts';
import { METRICS } from '../../../../lib/core/metric-names.ts';
import type { StoreRecord } from '../../../../lib/core/records.ts';
import { addWindow } from '../../../../lib/core/windows.ts';
import { LocalWindowStore } from '../../../../lib/adapters/window-store.ts';
import { cliMonitor } from '../../../../lib/runtime/cli-monitor.ts';
import { Monitor } from '../../../../lib/runtime/monitor.ts';
import { rawConfig } from '../../../support/config.ts';

let server: http.Server;
let base: string;
let dir: string;
let configFile: string;
let raw: Record<string, unknown>;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version: '2026.4.1', node: 'flp-1', db: 'ok' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flp-monitor-windows-'));
  raw = rawConfig({
    target: { baseUrl: base, nodes: [{ name: 'flp-1', url: base }] },
    journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
    sync: [],
    store: { dir: path.join(dir, 'store') },
  });
  configFile = path.join(dir, 'flp-monitor.config.json');
  await writeFile(configFile, JSON.stringify(raw));
  return () => rm(dir, { recursive: true, force: true });
});

const configOf = (overrides: Record<string, unknown> = {}): Config => parseConfig({ ...raw, ...overrides }, { file: configFile });
const maintenance = (records: readonly StoreRecord[]) => records.filter((r) => r.type === 'metric' && r.name === METRICS.maintenance.name).map((r) => (r as { value: number }).value);
const quiet = { out: () => {}, err: () => {} };

describe('the MaintenanceWindow metric of every run', () => {
  it('is 1 while a window added with `window add` is open, and 0 again after `window end`', async () => {
    const records: StoreRecord[] = [];
    const monitor = cliMonitor(configOf(), [{ write: async (r) => void records.push(...r) }], {});
    const run = async () => {
      records.length = 0;
      const results = await monitor.runGroup('nodes');
      expect(results.every((r) => r.ok)).toBe(true);
      return maintenance(records);
    };
    try {
      expect(await run()).toEqual([0]);
      expect(await main(['window', 'add', '--start', 'now', '--end', '+1h', '--reason', 'release 2026.4.2', '--config', configFile], quiet)).toBe(0);
      const t0 = performance.now();
      expect(await run()).toEqual([1]);
      const withWindowMs = performance.now() - t0;
      expect(await main(['window', 'end', '--config', configFile], quiet)).toBe(0);
      expect(await run()).toEqual([0]);
      console.log(`a nodes run reading the local windows file: ${withWindowMs.toFixed(0)} ms`);
    } finally {
      await monitor.close();
    }
  });

  it('follows the clock through a planned window, and counts the config\'s windows beside the run-time ones', async () => {
    const config = configOf({ maintenance: { windows: [{ start: '2026-12-03T01:00:00Z', end: '2026-12-03T02:00:00Z', reason: 'config window' }] } });
    const store = new LocalWindowStore(config.store.dir);
    await store.update((list) => addWindow(list, { start: new Date('2026-12-01T01:00:00Z'), end: new Date('2026-12-01T03:00:00Z'), reason: 'planned release' }, new Date('2026-11-30T12:00:00Z')));
    let now = new Date();
    const records: StoreRecord[] = [];
    const monitor = new Monitor(config, { clock: { now: () => now }, sinks: [{ write: async (r) => void records.push(...r) }], windows: store });
    try {
      const at = async (iso: string) => {
        now = new Date(iso);
        records.length = 0;
        await monitor.runGroup('nodes');
        return maintenance(records)[0];
      };
      expect(await at('2026-12-01T00:59:00Z')).toBe(0);
      expect(await at('2026-12-01T01:00:00Z')).toBe(1);
      expect(await at('2026-12-01T02:59:00Z')).toBe(1);
      expect(await at('2026-12-01T03:00:00Z')).toBe(0);
      expect(await at('2026-12-03T01:30:00Z')).toBe(1);
    } finally {
      await monitor.close();
    }
  });

  it('goes on when the store cannot be read: the run is recorded, the problem logged, only the config\'s windows count', async () => {
    const config = configOf({ maintenance: { windows: [{ start: '2026-12-03T01:00:00Z', end: '2026-12-03T02:00:00Z', reason: 'config window' }] } });
    const file = new LocalWindowStore(config.store.dir).file;
    await main(['window', 'add', '--start', 'now', '--end', '+1h', '--reason', 'x', '--config', configFile], quiet);
    await writeFile(file, '[{ broken');
    const logged: { message: string; fields?: Record<string, unknown> }[] = [];
    const log = (message: string, fields?: Record<string, unknown>) => void logged.push({ message, ...(fields ? { fields } : {}) });
    let now = new Date();
    const records: StoreRecord[] = [];
    const monitor = new Monitor(config, {
      clock: { now: () => now },
      logger: { debug: () => {}, info: () => {}, warn: log, error: log },
      sinks: [{ write: async (r) => void records.push(...r) }],
      windows: new LocalWindowStore(config.store.dir),
    });
    try {
      const results = await monitor.runGroup('nodes');
      expect(results.length).toBeGreaterThan(0);
      expect(records.filter((r) => r.type === 'result')).toHaveLength(results.length);
      expect(maintenance(records)).toEqual([0]);
      expect(logged).toEqual([
        {
          message: expect.stringMatching(/^maintenance windows not read: run-time windows count as none in this run \(a monitor problem\)/),
          fields: { probe: 'monitor:windows', class: 'monitor', owner: 'monitor-owner', summary: expect.stringContaining(`${file}: not JSON`) },
        },
      ]);
      now = new Date('2026-12-03T01:30:00Z');
      records.length = 0;
      await monitor.runGroup('nodes');
      expect(maintenance(records)).toEqual([1]);
    } finally {
      await monitor.close();
    }
  });
});
