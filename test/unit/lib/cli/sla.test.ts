/**
 * `flp-monitor sla` as a user calls it: the period and format flags, one clear message and exit 2
 * for what is wrong, broken store lines reported but never fatal, `--out` or stdout, the run-time
 * windows of `<store.dir>/windows.json` counted.
 */
import { appendFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../lib/cli/main.ts';
import { slaCommand, slaPeriod } from '../../../../lib/cli/sla.ts';
import { parseConfig } from '../../../../lib/core/config.ts';
import { LocalStore } from '../../../../lib/adapters/local-store.ts';
import { rawConfig } from '../../../support/config.ts';
import { buildRecords, runtimeWindow } from '../../../support/sla-records.ts';

let dir: string;
let configFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flp-sla-cli-'));
  const raw = rawConfig({ store: { dir: path.join(dir, 'store') }, schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 } });
  configFile = path.join(dir, 'flp-monitor.config.json');
  await writeFile(configFile, JSON.stringify(raw));
  const config = parseConfig(raw, { file: configFile });
  const store = new LocalStore(config.store.dir);
  await store.append(
    buildRecords({
      config,
      from: '2026-10-01T00:00:00+02:00',
      to: '2026-10-03T00:00:00+02:00',
      outages: [{ service: 'journey', from: '2026-10-02T09:00:00+02:00', to: '2026-10-02T09:30:00+02:00', class: 'application', summary: 'create plan failed: POST /api/plans answered 500' }],
    }),
  );
  await appendFile(store.fileFor('2026-10-01'), '{"type":"result","timest\n');
});

async function sla(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['sla', '--config', configFile, ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('flp-monitor sla: usage', () => {
  it.each([
    [['--month', '2026-13'], '--month "2026-13" is not a month: give it as YYYY-MM, e.g. 2026-10'],
    [['--month', '2026-10', '--from', '2026-10-01'], 'give either --month or --from and --to, not both'],
    [[], 'say which period: --month YYYY-MM, or --from and --to (ISO 8601 times)'],
    [['--from', '2026-10-02', '--to', '2026-10-01'], '--from 2026-10-02 is not before --to 2026-10-01'],
    [['--from', '2026-10-01T00:00:00', '--to', '2026-10-02'], '--from "2026-10-01T00:00:00" is not a time: give an ISO 8601 time with a zone'],
    [['--from', '2026-02-30', '--to', '2026-03-02'], '--from "2026-02-30" is not a time'],
    [['--month', '2999-01'], 'the period starts 2999-01-01 00:00 +01:00, which has not come yet'],
  ])('exits 2 for %j with one message', async (args, message) => {
    const r = await sla(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toContain(`flp-monitor: ${message}`);
  });

  it('exits 2 for an unknown format or source, naming the choices', async () => {
    const r = await sla('--month', '2026-10', '--format', 'pdf');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/argument 'pdf' is invalid. Allowed choices are md, csv, html, json/);
    expect((await sla('--month', '2026-10', '--source', 's3')).code).toBe(2);
  });

  it('exits 2 when the config cannot be read', async () => {
    const r = await main(['sla', '--month', '2026-10', '--config', path.join(dir, 'nope.json')], { out: () => undefined, err: () => undefined });
    expect(r).toBe(2);
  });

  it('takes a date as Copenhagen midnight and an ISO time as the instant it names', () => {
    expect(slaPeriod({ from: '2026-07-01', to: '2026-07-02T12:00:00Z' })).toMatchObject({ from: new Date('2026-06-30T22:00:00Z'), to: new Date('2026-07-02T12:00:00Z') });
    expect(slaPeriod({ month: '2026-10' })).toMatchObject({ from: new Date('2026-09-30T22:00:00Z'), to: new Date('2026-10-31T23:00:00Z'), title: 'October 2026' });
  });
});

describe('flp-monitor sla: output', () => {
  it('prints Markdown on stdout by default and reports broken store lines on stderr without failing', async () => {
    const r = await sla('--from', '2026-10-01', '--to', '2026-10-03');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# FLP availability: 2026-10-01 00:00 \+02:00 to 2026-10-03 00:00 \+02:00 \(test\)\n/);
    expect(r.out).toContain('**FLP as a whole (the journey): 98.958 %**');
    expect(r.out).toContain('| 2026-10-02 09:00 +02:00 | 2026-10-02 09:30 +02:00 | 30 min | FLP journey (FLP as a whole) | application | KiAP | create plan failed: POST /api/plans answered 500 (6 failed runs) |');
    expect(r.err).toBe(`flp-monitor: skipped 1 broken line(s) in the store (first: ${path.join(dir, 'store', 'metrics', '2026-10-01.jsonl')}:${r.err.match(/jsonl:(\d+)/)?.[1]}, not valid JSON)\n`);
  });

  it('writes --out FILE, creating its folder, and says so on stderr', async () => {
    const file = path.join(dir, 'reports', 'oct.json');
    const r = await sla('--month', '2026-10', '--format', 'json', '--out', file);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain(`flp-monitor: wrote ${file} (json): FLP 98.958 % over October 2026, 1 incident(s)`);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc.title).toBe('October 2026');
    // Only two days of the month were monitored: the rest is unmeasured, not up.
    expect(doc.flp.unmeasuredPercent).toBeCloseTo((100 * (745 - 48)) / 745, 2);
    expect(doc.flp.conservativePercent).toBeLessThan(7);
  });

  it('turns a history that cannot be read into one message and exit 2', async () => {
    const failing = () => ({
      label: 'CloudWatch FLP/Synthetics',
      metric: async () => {
        throw new Error('The security token included in the request is invalid.');
      },
      results: async () => null,
    });
    await expect(slaCommand({ config: configFile, month: '2026-10', source: 'cloudwatch' }, { out: () => undefined, err: () => undefined }, { history: failing })).rejects.toThrow(
      'could not read CloudWatch FLP/Synthetics: The security token included in the request is invalid.',
    );
  });
});

describe('flp-monitor sla: run-time maintenance windows', () => {
  /** A config and store of its own: the journey down 2026-10-02 09:00–09:30, and `windows` (a value for windows.json, or none). */
  async function withWindows(windows: unknown) {
    const own = await mkdtemp(path.join(os.tmpdir(), 'flp-sla-windows-'));
    const raw = rawConfig({ store: { dir: path.join(own, 'store') }, schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 } });
    const file = path.join(own, 'flp-monitor.config.json');
    await writeFile(file, JSON.stringify(raw));
    const config = parseConfig(raw, { file });
    await new LocalStore(config.store.dir).append(
      buildRecords({
        config,
        from: '2026-10-02T00:00:00+02:00',
        to: '2026-10-03T00:00:00+02:00',
        outages: [{ service: 'journey', from: '2026-10-02T09:00:00+02:00', to: '2026-10-02T09:30:00+02:00', class: 'application', summary: 'create plan failed' }],
      }),
    );
    if (windows !== undefined) {
      await mkdir(config.store.dir, { recursive: true });
      await writeFile(path.join(config.store.dir, 'windows.json'), typeof windows === 'string' ? windows : JSON.stringify(windows));
    }
    let out = '';
    let err = '';
    const code = await main(['sla', '--config', file, '--from', '2026-10-02', '--to', '2026-10-03', '--format', 'json'], { out: (x) => (out += x), err: (x) => (err += x) });
    return { code, out, err, windowsFile: path.join(config.store.dir, 'windows.json') };
  }

  it('reads <store.dir>/windows.json: the window excluded to its planned end, the 10 minutes after it an overrun of its owner', async () => {
    const r = await withWindows([runtimeWindow({ start: '2026-10-02T08:30:00+02:00', end: '2026-10-02T09:20:00+02:00', reason: 'release 2026.4.2', release: '2026.4.2', owner: 'PLSP' })]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.period.maintenanceMs).toBe(50 * 60_000);
    expect(doc.maintenance).toEqual([expect.objectContaining({ source: 'run time', release: '2026.4.2', owner: 'PLSP', plannedEnd: '2026-10-02T09:20:00+02:00', overrunMs: 10 * 60_000, overran: true })]);
    expect(doc.downtimeByOwner).toEqual([{ owner: 'PLSP', journeyMs: 10 * 60_000, overallMs: 10 * 60_000, journeyOverrunMs: 10 * 60_000, overrunMs: 10 * 60_000 }]);
  });

  it('takes a missing windows.json as no windows', async () => {
    const r = await withWindows(undefined);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).maintenance).toEqual([]);
  });

  it('exits 2 naming windows.json when it is broken', async () => {
    const notJson = await withWindows('[{"id": ');
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain(`flp-monitor: ${notJson.windowsFile}: not JSON`);
    const wrong = await withWindows([{ id: 'w-1', start: 'soon', end: '2026-10-02T09:20:00+02:00', reason: 'x', createdAt: '2026-10-01T00:00:00Z' }]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain(`flp-monitor: ${wrong.windowsFile}: not a list of maintenance windows (0.start: must be an ISO 8601 time)`);
  });
});
