/**
 * The local store when things go wrong on disk: a crash that leaves half a line, a corrupt
 * line in the middle, a day file that is gone, and two processes appending to the same day at
 * once. Readers skip and count what is broken, lose nothing else, and no line is ever a mix
 * of two records.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import type { MetricRecord, StoreRecord } from '../../lib/core/records.ts';

let root: string;
let n = 0;
const freshStore = () => new LocalStore(path.join(root, `store-${++n}`));

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'flp-robust-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function metric(day: string, seq: number, extra: Record<string, string> = {}): MetricRecord {
  const s = String(seq % 60).padStart(2, '0');
  return {
    type: 'metric',
    timestamp: `${day}T10:00:${s}.${String(seq).padStart(3, '0').slice(-3)}Z`,
    namespace: 'FLP/Synthetics',
    name: 'ProbeSuccess',
    unit: 'Count',
    value: 1,
    dimensions: { Environment: 'robustness', Seq: String(seq), ...extra },
  };
}

const seqs = (records: StoreRecord[]) => records.map((r) => Number((r as MetricRecord).dimensions.Seq));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('the local store after a crash mid-write', () => {
  it('skips and counts a truncated last line, and keeps every record appended after it', async () => {
    // given ten records, the last one cut short as by a crash during the write
    const store = freshStore();
    const day = '2026-11-20';
    await store.append(range(0, 10).map((i) => metric(day, i)));
    const file = store.fileFor(day);
    const text = await readFile(file, 'utf8');
    await truncate(file, Buffer.byteLength(text) - 40);

    // when a reader looks
    const before = await store.read();
    // then it has the nine whole records and counts the broken one
    expect(seqs(before.records)).toEqual(range(0, 9));
    expect(before.skipped).toEqual([{ file, line: 10, reason: 'truncated last line' }]);

    // when the monitor starts again and appends five more
    await store.append(range(10, 15).map((i) => metric(day, i)));
    const after = await store.read();
    // then none of the new records is glued to the broken line and lost with it
    expect(seqs(after.records)).toEqual([...range(0, 9), ...range(10, 15)]);
    expect(after.skipped).toHaveLength(1);
    expect(after.skipped[0]).toMatchObject({ file, line: 10 });
  });

  it('skips and counts corrupt lines in the middle of a day, with their line numbers, and returns every other record', async () => {
    // given twenty records, three of them replaced by garbage of different kinds
    const store = freshStore();
    const day = '2026-11-21';
    await store.append(range(0, 20).map((i) => metric(day, i)));
    const file = store.fileFor(day);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[6] = '{"type":"metric","name":"ProbeSuccess","val'; // half a record
    lines[11] = '{"hello":"world","timestamp":"2026-11-21T10:00:11Z"}'; // JSON, but no record
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from(lines.slice(0, 14).join('\n') + '\n'),
        Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x0a]), // line 15: binary junk, invalid UTF-8
        Buffer.from(lines.slice(15).join('\n')),
      ]),
    );
    // when
    const { records, skipped } = await store.read();
    // then
    expect(seqs(records)).toEqual(range(0, 20).filter((i) => ![6, 11, 14].includes(i)));
    expect(skipped).toEqual([
      { file, line: 7, reason: 'not valid JSON' },
      { file, line: 12, reason: 'not a metric, result or release record' },
      { file, line: 15, reason: 'not valid JSON' },
    ]);
  });

  it('reads the days that exist when a day file in the range is missing, and nothing when the store was never written', async () => {
    // given three days, the middle one deleted
    const store = freshStore();
    for (const [i, day] of ['2026-11-18', '2026-11-19', '2026-11-20'].entries()) await store.append(range(i * 10, i * 10 + 10).map((s) => metric(day, s)));
    await unlink(store.fileFor('2026-11-19'));
    // when
    const all = await store.read({ from: new Date('2026-11-18T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') });
    const gone = await store.read({ from: new Date('2026-11-19T00:00:00Z'), to: new Date('2026-11-20T00:00:00Z') });
    const never = await freshStore().read();
    // then
    expect(seqs(all.records)).toEqual([...range(0, 10), ...range(20, 30)]);
    expect(all.skipped).toEqual([]);
    expect(gone).toEqual({ records: [], skipped: [] });
    expect(never).toEqual({ records: [], skipped: [] });
  });
});

/** Runs the writer script in a separate Node process. */
function writer(storeDir: string, name: string, count: number, batch: number, startAt: number, padBytes: number): Promise<void> {
  const script = path.join(import.meta.dirname, 'fixtures', 'store-writer.ts');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, storeDir, name, String(count), String(batch), String(startAt), String(padBytes)],
      { timeout: 60_000, cwd: path.resolve(import.meta.dirname, '../..') },
      (err, _stdout, stderr) => (err ? reject(new Error(`writer ${name} failed: ${stderr || err.message}`)) : resolve()),
    );
  });
}

describe('two processes appending to the same day at once', () => {
  const COUNT = 2_000;
  const DAY = '2026-11-22';

  // One record per append (the scheduled monitor), batches of 100 (a busy run), and appends of
  // 1.2 MB (200 records of 6 KB): more than Node's appendFile writes in one piece (512 KiB), so
  // before the store wrote in whole-line pieces another process's lines could land inside one
  // of ours (it did in two of three trials).
  it.each([
    { shape: 'one record per append', batch: 1, pad: 0 },
    { shape: 'batches of 100', batch: 100, pad: 200 },
    { shape: 'appends of 1.2 MB', batch: 200, pad: 6_000 },
  ])('loses nothing and interleaves no line: $shape', async ({ batch, pad }) => {
    // given two writers started at the same moment on one day file
    const dir = path.join(root, `concurrent-${++n}`);
    const startAt = Date.now() + 1_500;
    // when
    await Promise.all([writer(dir, 'a', COUNT, batch, startAt, pad), writer(dir, 'b', COUNT, batch, startAt, pad)]);
    // then every line on disk is one whole record
    const store = new LocalStore(dir);
    const raw = (await readFile(store.fileFor(DAY), 'utf8')).split('\n').filter((l) => l !== '');
    expect(raw).toHaveLength(2 * COUNT);
    const broken = raw.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken.map((l) => l.slice(0, 120))).toEqual([]);
    // and the reader sees each writer's records complete and in its own order
    const { records, skipped } = await store.read();
    expect(skipped).toEqual([]);
    for (const w of ['a', 'b']) {
      const mine = records.filter((r) => (r as MetricRecord).dimensions.Writer === w);
      expect(seqs(mine)).toEqual(range(0, COUNT));
    }
  });
});
