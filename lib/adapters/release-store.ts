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
import { lastVerifiedOf, mergeReleases, parseReleaseList, releaseRecordsOf, serializeReleases } from '../core/release-list.ts';

export { KEPT_RELEASES } from '../core/release-list.ts';

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
    return parseReleaseList(text, this.file);
  }

  /** The version of the newest passing verdict, if any. */
  async lastVerified(): Promise<ReleaseRecord | undefined> {
    return lastVerifiedOf(await this.list());
  }

  async write(records: readonly StoreRecord[]): Promise<void> {
    const releases = releaseRecordsOf(records);
    if (!releases.length) return;
    const next = this.#queue.then(async () => {
      const all = mergeReleases(await this.list(), releases);
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, serializeReleases(all));
      await rename(tmp, this.file);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
