/**
 * The release verdicts a local monitor keeps beside its metric store: `<store.dir>/releases.json`,
 * the last {@link KEPT_RELEASES} verdicts (canary and the monitor's own verification at a
 * release window's end), newest last. Small and read whole: `release status` lists it, a
 * starting monitor takes the last verified version from it, and a window already verified is
 * not verified twice. A sink: it keeps the release records it is given and ignores the rest.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReleaseRecord, ResultSink, StoreRecord } from '../core/records.ts';

/** Verdicts kept: about ten years of quarterly releases with a few canaries each. */
export const KEPT_RELEASES = 200;

export class ReleaseStore implements ResultSink {
  readonly file: string;
  /** One write at a time: a verdict is never lost to a concurrent one. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(storeDir: string) {
    this.file = path.join(storeDir, 'releases.json');
  }

  /** Every kept verdict, oldest first; none when the file does not exist. Throws naming the file when it is not a list of releases. */
  async list(): Promise<ReleaseRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(`${this.file}: not valid JSON (${(err as Error).message}); move it away to start a new release history`);
    }
    if (!Array.isArray(raw) || !raw.every((r) => r && typeof r === 'object' && (r as ReleaseRecord).type === 'release' && typeof (r as ReleaseRecord).version === 'string'))
      throw new Error(`${this.file}: not a list of release verdicts`);
    return raw as ReleaseRecord[];
  }

  /** The version of the newest passing verdict, if any. */
  async lastVerified(): Promise<ReleaseRecord | undefined> {
    return (await this.list()).filter((r) => r.verdict === 'pass').at(-1);
  }

  async write(records: readonly StoreRecord[]): Promise<void> {
    const releases = records.filter((r): r is ReleaseRecord => r.type === 'release');
    if (!releases.length) return;
    const next = this.#queue.then(async () => {
      const all = [...(await this.list()), ...releases].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)).slice(-KEPT_RELEASES);
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`);
      await rename(tmp, this.file);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
