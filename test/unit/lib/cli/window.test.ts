/**
 * `flp-monitor window add|list|end|remove` as a user runs it (through `main`): what it prints,
 * the one JSON document of `--json`, exit 2 with one line for every mistake, and `--source aws`
 * against the loopback fake S3.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../../../lib/cli/main.ts';
import type { WindowRow } from '../../../../lib/cli/window.ts';
import type { RuntimeWindow } from '../../../../lib/core/windows.ts';
import { FakeAws } from '../../../support/fake-aws.ts';
import { rawConfig } from '../../../support/config.ts';

/** A Copenhagen wall-clock hour twelve hours from now, `HH:00`. */
const HALF_A_DAY_AWAY = `${String((Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Copenhagen', hour: '2-digit', hourCycle: 'h23' }).format(new Date())) + 12) % 24).padStart(2, '0')}:00`;

let dir: string;
let configFile: string;

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
const w = (...args: string[]) => cli('window', ...args, '--config', configFile);
const json = <T>(r: { out: string }) => JSON.parse(r.out) as T;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flp-window-cli-'));
  configFile = path.join(dir, 'flp-monitor.config.json');
  await writeFile(
    configFile,
    JSON.stringify(
      rawConfig({
        journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
        store: { dir: path.join(dir, 'store') },
        // Every day of the week, so one falls in the coming 7 days whenever the test runs; and twelve
        // hours from now (Copenhagen time), so none is open while it runs, whatever the hour.
        maintenance: { weekly: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: HALF_A_DAY_AWAY, durationMinutes: 30, reason: 'nightly backup' })) },
      }),
    ),
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('window add', () => {
  it('adds a window open now and says pages are held back, then lists it beside the config\'s', async () => {
    const add = await w('add', '--start', 'now', '--end', '+2h', '--reason', 'database upgrade', '--release', '2026.4.2');
    expect(add).toMatchObject({ code: EXIT.ok, err: '' });
    expect(add.out).toMatch(/^added w-\d{8}-\d{4}-[0-9a-z]{4}: .* \(2 h\), open now: pages are held back until it ends\n/);
    expect(add.out).toContain('"database upgrade", release 2026.4.2, owner KiAP');
    expect(add.out).toContain(path.join(dir, 'store', 'windows.json'));

    const list = await w('list');
    expect(list).toMatchObject({ code: EXIT.ok, err: '' });
    const lines = list.out.split('\n');
    expect(lines.find((l) => l.includes('database upgrade'))).toMatch(/^w-\S+\s+run-time\s+open\s+.*KiAP\s+2026\.4\.2\s+database upgrade$/);
    expect(lines.filter((l) => /^-\s+config-weekly\s+(planned|open)\s.*nightly backup$/.test(l)).length).toBeGreaterThanOrEqual(7);
    expect(list.out).toMatch(/\nopen now: w-\S+: pages are held back\n$/);
  });

  it('prints exactly one JSON document with --json, and takes --end relative to --start', async () => {
    const start = new Date(Date.now() + 86_400_000);
    start.setUTCSeconds(0, 0);
    const r = await w('add', '--start', start.toISOString(), '--end', '+1h30m', '--reason', 'network change', '--owner', 'PLSP', '--json');
    expect(r).toMatchObject({ code: EXIT.ok, err: '' });
    const doc = json<{ source: string; store: string; window: WindowRow }>(r);
    expect(doc.source).toBe('local');
    expect(doc.store).toBe(path.join(dir, 'store', 'windows.json'));
    expect(doc.window).toMatchObject({
      from: 'run-time',
      status: 'planned',
      start: start.toISOString(),
      plannedEnd: new Date(start.getTime() + 90 * 60_000).toISOString(),
      actualEnd: new Date(start.getTime() + 90 * 60_000).toISOString(),
      reason: 'network change',
      owner: 'PLSP',
    });
    expect(doc.window.id).toMatch(/^w-/);
  });

  it('refuses every mistake with one line and exit 2, and stores nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--start', 'now', '--end', '2020-01-01T00:00:00Z', '--reason', 'x'], /^flp-monitor: --end 2020-01-01T00:00:00\.000Z is not after --start \S+\n$/],
      [['--start', 'tomorrow', '--end', '+1h', '--reason', 'x'], /^flp-monitor: --start "tomorrow" is not a time: give an ISO 8601 time with a zone/],
      [['--start', '2026-12-01T01:00', '--end', '+1h', '--reason', 'x'], /^flp-monitor: --start "2026-12-01T01:00" is not a time/],
      [['--start', 'now', '--end', '+0m', '--reason', 'x'], /^flp-monitor: --end "\+0m" is no time at all/],
      [['--start', 'now', '--end', '+1h'], /^flp-monitor: window add needs --reason/],
      [['--end', '+1h', '--reason', 'x'], /^flp-monitor: window add needs --start/],
      [['--start', 'now', '--reason', 'x'], /^flp-monitor: window add needs --end/],
      [['--start', 'now', '--end', '+1h', '--reason', 'x', '--owner', 'Bob'], /^flp-monitor: --owner "Bob" is not an owner in .*; the owners are PLSP, KiAP, monitor-owner\n$/],
      [['--start', 'now', '--end', '+1h', '--reason', 'x', '--source', 'cloud'], /--source.*cloud/],
    ];
    for (const [args, message] of cases) {
      const r = await w('add', ...args);
      expect(r.code, args.join(' ')).toBe(EXIT.usage);
      expect(r.out, args.join(' ')).toBe('');
      expect(r.err, args.join(' ')).toMatch(message);
    }
    expect(json<{ windows: WindowRow[] }>(await w('list', '--json')).windows.filter((x) => x.from === 'run-time')).toEqual([]);
  });
});

describe('window end and remove', () => {
  it('ends the open window early: list shows its planned and actual end, and nothing open', async () => {
    const added = json<{ window: WindowRow }>(await w('add', '--start', 'now', '--end', '+3h', '--reason', 'release', '--json')).window;
    const end = await w('end');
    expect(end).toMatchObject({ code: EXIT.ok, err: '' });
    expect(end.out).toMatch(new RegExp(`^ended ${added.id} at .*, planned end .* \\(lasted \\d+ s\\)\\n`));

    const list = json<{ open: boolean; windows: WindowRow[] }>(await w('list', '--json'));
    expect(list.open).toBe(false);
    const row = list.windows.find((x) => x.id === added.id)!;
    expect(row).toMatchObject({ status: 'ended', plannedEnd: added.plannedEnd });
    expect(Date.parse(row.actualEnd)).toBeLessThan(Date.parse(added.plannedEnd));
    expect(row.endedAt).toBe(row.actualEnd);

    // Nothing left to end.
    expect(await w('end')).toEqual({ code: EXIT.usage, out: '', err: 'flp-monitor: no window is open now (window list shows them)\n' });
    expect(await w('end', added.id!)).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(new RegExp(`^flp-monitor: window ${added.id} already ended at `)) });
  });

  it('ends a named window, removes one, and names an id it does not know', async () => {
    const a = json<{ window: WindowRow }>(await w('add', '--start', '+1d', '--end', '+1h', '--reason', 'a', '--json')).window;
    const b = json<{ window: WindowRow }>(await w('add', '--start', '+2d', '--end', '+1h', '--reason', 'b', '--json')).window;
    const ended = await w('end', a.id!, '--json');
    expect(json<{ window: WindowRow }>(ended).window).toMatchObject({ id: a.id, status: 'ended', actualEnd: a.start });
    const removed = await w('remove', b.id!);
    expect(removed).toMatchObject({ code: EXIT.ok, err: '' });
    expect(removed.out).toMatch(new RegExp(`^removed ${b.id} \\(.*, b\\)\\n`));
    expect(json<{ windows: WindowRow[] }>(await w('list', '--json')).windows.filter((x) => x.from === 'run-time').map((x) => x.id)).toEqual([a.id]);
    expect(await w('remove', b.id!)).toEqual({ code: EXIT.usage, out: '', err: `flp-monitor: no window ${b.id} (window list shows them)\n` });
    expect(await w('end', 'w-nope')).toEqual({ code: EXIT.usage, out: '', err: 'flp-monitor: no window w-nope (window list shows them)\n' });
    expect((await w('remove')).code).toBe(EXIT.usage);
  });

  it('names a broken store file and exits 2, leaving it as it was', async () => {
    const file = path.join(dir, 'store', 'windows.json');
    await main(['window', 'add', '--start', 'now', '--end', '+1h', '--reason', 'x', '--config', configFile], { out: () => {}, err: () => {} });
    await writeFile(file, '{ broken');
    for (const args of [['list'], ['end'], ['add', '--start', 'now', '--end', '+1h', '--reason', 'y']]) {
      const r = await w(...args);
      expect(r.code, args[0]).toBe(EXIT.usage);
      expect(r.err, args[0]).toMatch(new RegExp(`^flp-monitor: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not JSON .*\\n$`));
    }
  });
});

describe('window … --source aws', () => {
  const BUCKET = 'flp-artifacts-test';
  let aws: FakeAws;
  let saved: NodeJS.ProcessEnv;

  beforeAll(async () => {
    aws = await FakeAws.start();
    saved = { ...process.env };
  });
  afterAll(async () => {
    process.env = saved;
    await aws?.close();
  });
  beforeEach(() => {
    aws.reset();
    process.env = { ...saved, AWS_REGION: 'eu-central-1', FLP_S3_ENDPOINT: aws.endpoint, AWS_ACCESS_KEY_ID: 'AKIDFAKE', AWS_SECRET_ACCESS_KEY: 'fake', AWS_EC2_METADATA_DISABLED: 'true' };
    delete process.env.FLP_ARTIFACTS_BUCKET;
    delete process.env.AWS_PROFILE;
  });

  it('keeps the windows in state/<environment>/windows.json of the bucket --bucket or FLP_ARTIFACTS_BUCKET names', async () => {
    const add = await w('add', '--source', 'aws', '--bucket', BUCKET, '--start', 'now', '--end', '+90m', '--reason', 'release 2026.4.2', '--json');
    expect(add).toMatchObject({ code: EXIT.ok, err: '' });
    const doc = json<{ source: string; store: string; window: WindowRow }>(add);
    expect(doc).toMatchObject({ source: 'aws', store: `s3://${BUCKET}/state/test/windows.json`, window: { status: 'open' } });
    const stored = JSON.parse(aws.objects.get(`${BUCKET}/state/test/windows.json`)!.body.toString()) as RuntimeWindow[];
    expect(stored.map((x) => x.id)).toEqual([doc.window.id]);

    process.env.FLP_ARTIFACTS_BUCKET = BUCKET;
    const list = json<{ open: boolean; windows: WindowRow[] }>(await w('list', '--source', 'aws', '--json'));
    expect(list.open).toBe(true);
    expect(list.windows.find((x) => x.from === 'run-time')?.id).toBe(doc.window.id);
    expect((await w('end', '--source', 'aws')).code).toBe(EXIT.ok);
    expect(json<{ open: boolean }>(await w('list', '--source', 'aws', '--json')).open).toBe(false);
    // The local store never saw any of it.
    expect(json<{ windows: WindowRow[] }>(await w('list', '--json')).windows.filter((x) => x.from === 'run-time')).toEqual([]);
  });

  it('says what it needs: the bucket, the region', async () => {
    expect(await w('list', '--source', 'aws')).toEqual({
      code: EXIT.usage,
      out: '',
      err: 'flp-monitor: --source aws needs the deployment\'s artifacts bucket: --bucket NAME or FLP_ARTIFACTS_BUCKET=NAME (the stack output ArtifactsBucketName of FlpMonitor-test)\n',
    });
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    expect((await w('list', '--source', 'aws', '--bucket', BUCKET)).err).toMatch(/^flp-monitor: --source aws needs the deployment's region: set AWS_REGION/);
  });
});
