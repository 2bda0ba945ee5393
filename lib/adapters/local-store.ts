/**
 * The local metric store: JSON Lines, one file per UTC day under `<store.dir>/metrics/`. Each
 * append writes whole lines with O_APPEND, in single writes of at most 256 KiB, so two writers
 * never interleave within a line. Readers skip and count what is broken (a truncated last line
 * after a crash, a corrupt line) and lose nothing else.
 */
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoreRecord } from '../core/records.ts';

export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

export interface StoreReadResult {
  records: StoreRecord[];
  skipped: SkippedLine[];
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

/**
 * The most one write(2) carries. The kernel appends one write on an O_APPEND file in one piece,
 * never mixed with another writer's; Node's `appendFile` would cut a longer text into 512 KiB
 * writes at any byte, and another process's lines could land inside one of ours.
 */
const MAX_WRITE_BYTES = 256 * 1024;

/** Whole lines, newline-terminated, grouped into pieces of at most MAX_WRITE_BYTES (a longer line is a piece of its own). */
function pieces(lines: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  let group: Buffer[] = [];
  let size = 0;
  for (const line of lines) {
    const b = Buffer.from(`${line}\n`);
    if (size + b.length > MAX_WRITE_BYTES && group.length) {
      out.push(Buffer.concat(group));
      group = [];
      size = 0;
    }
    group.push(b);
    size += b.length;
  }
  if (group.length) out.push(Buffer.concat(group));
  return out;
}

/** Appends whole lines to `file`, starting on a fresh line when a crash left the last one unfinished. */
async function appendLines(file: string, lines: readonly string[]): Promise<void> {
  const fh = await open(file, 'a+');
  try {
    // Without this newline the first new record would be glued to the broken line and lost with it.
    const { size } = await fh.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await fh.write('\n');
    }
    for (const piece of pieces(lines)) {
      for (let at = 0; at < piece.length; ) at += (await fh.write(piece, at)).bytesWritten;
    }
  } finally {
    await fh.close();
  }
}

export class LocalStore {
  readonly #dir: string;

  constructor(storeDir: string) {
    this.#dir = path.join(storeDir, 'metrics');
  }

  get dir(): string {
    return this.#dir;
  }

  fileFor(day: string): string {
    return path.join(this.#dir, `${day}.jsonl`);
  }

  async append(records: readonly StoreRecord[]): Promise<void> {
    if (!records.length) return;
    await mkdir(this.#dir, { recursive: true });
    const byDay = new Map<string, string[]>();
    for (const r of records) {
      const day = r.timestamp.slice(0, 10);
      const lines = byDay.get(day) ?? [];
      lines.push(JSON.stringify(r));
      byDay.set(day, lines);
    }
    for (const [day, lines] of byDay) await appendLines(this.fileFor(day), lines);
  }

  /** Every record with `from <= timestamp < to` (either bound optional), oldest day first. */
  async read(range: { from?: Date; to?: Date } = {}): Promise<StoreReadResult> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: [] };
      throw err;
    }
    const fromDay = range.from?.toISOString().slice(0, 10);
    const toDay = range.to?.toISOString().slice(0, 10);
    const days = names
      .map((n) => DAY_FILE.exec(n)?.[1])
      .filter((d): d is string => !!d && (!fromDay || d >= fromDay) && (!toDay || d <= toDay))
      .sort();
    const records: StoreRecord[] = [];
    const skipped: SkippedLine[] = [];
    for (const day of days) {
      const file = this.fileFor(day);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        // A day file removed between listing and reading is a missing day, not an error.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (!line.trim()) return;
        let rec: unknown;
        try {
          rec = JSON.parse(line);
        } catch {
          const last = i === lines.length - 1;
          skipped.push({ file, line: i + 1, reason: last ? 'truncated last line' : 'not valid JSON' });
          return;
        }
        if (!isStoreRecord(rec)) {
          skipped.push({ file, line: i + 1, reason: 'not a metric, result or release record' });
          return;
        }
        const t = Date.parse(rec.timestamp);
        if (range.from && t < range.from.getTime()) return;
        if (range.to && t >= range.to.getTime()) return;
        records.push(rec);
      });
    }
    return { records, skipped };
  }
}

function isStoreRecord(v: unknown): v is StoreRecord {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  if (typeof r.timestamp !== 'string' || Number.isNaN(Date.parse(r.timestamp))) return false;
  if (r.type === 'metric') return typeof r.name === 'string' && typeof r.value === 'number' && !!r.dimensions && typeof r.dimensions === 'object';
  if (r.type === 'result') return typeof r.probe === 'string' && typeof r.ok === 'boolean';
  if (r.type === 'release') return typeof r.version === 'string' && (r.verdict === 'pass' || r.verdict === 'fail');
  return false;
}
