/**
 * The local store of run-time maintenance windows: `<store.dir>/windows.json`, a JSON array of
 * windows (lib/core/windows.ts). `flp-monitor window …` changes it, every probe run of `run` and
 * `npm start` reads it.
 *
 * A change is read-modify-write under a lock file (`windows.json.lock`, created exclusively), so
 * two commands at once never lose a window; the new list is written to a temporary file and
 * renamed over the old one, so a reader sees the old list or the new one, never half of one. A
 * lock left by a process that died is taken over when that process is gone (same host) or the
 * lock is older than {@link STALE_LOCK_MS}. A file that is not a list of windows is an error
 * naming the file: it is never silently emptied.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseWindowList, type RuntimeWindow } from '../core/windows.ts';

/** What a change does to the list: the new list, and the window it added, ended or removed. */
export type WindowChange = (list: RuntimeWindow[]) => { list: RuntimeWindow[]; window: RuntimeWindow };

/** The local file and the deployment's S3 object alike. */
export interface WindowStore {
  /** The file or `s3://` URI, for messages. */
  readonly where: string;
  /** Every run-time window, ended ones included; none when nothing was ever stored. */
  list(): Promise<RuntimeWindow[]>;
  /** Applies `fn` to the stored list without losing a concurrent change; returns its window. An error `fn` throws leaves the store as it was. */
  update(fn: WindowChange): Promise<RuntimeWindow>;
}

/** The store itself is unusable (unreadable, broken, locked, refused): one message naming it. */
export class WindowStoreError extends Error {
  override name = 'WindowStoreError';
}

/** A lock older than this is left over from a crash (a change holds it for milliseconds). */
export const STALE_LOCK_MS = 30_000;
/** How long a change waits for another one to finish. */
export const LOCK_WAIT_MS = 10_000;

export const WINDOWS_FILE = 'windows.json';

export class LocalWindowStore implements WindowStore {
  readonly file: string;
  readonly #lock: string;

  constructor(storeDir: string) {
    this.file = path.join(storeDir, WINDOWS_FILE);
    this.#lock = `${this.file}.lock`;
  }

  get where(): string {
    return this.file;
  }

  async list(): Promise<RuntimeWindow[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new WindowStoreError(`${this.file}: cannot read the maintenance windows: ${(err as Error).message}`, { cause: err });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new WindowStoreError(`${this.file}: not JSON (${(err as Error).message}); repair it or move it away, flp-monitor will not overwrite it`, { cause: err });
    }
    try {
      return parseWindowList(raw, this.file);
    } catch (err) {
      throw new WindowStoreError(`${(err as Error).message}; repair it or move it away, flp-monitor will not overwrite it`, { cause: err });
    }
  }

  async update(fn: WindowChange): Promise<RuntimeWindow> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const release = await this.#acquire();
    try {
      const { list, window } = fn(await this.list());
      await this.#write(list);
      return window;
    } finally {
      await release();
    }
  }

  async #write(list: readonly RuntimeWindow[]): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const fh = await open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(`${JSON.stringify(list, null, 2)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new WindowStoreError(`${this.file}: cannot write the maintenance windows: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Creates the lock file exclusively, waiting for a live holder and taking over a dead one's. */
  async #acquire(): Promise<() => Promise<void>> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString(), token: randomBytes(6).toString('hex') });
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      try {
        const fh = await open(this.#lock, 'wx', 0o644);
        try {
          await fh.writeFile(mine);
        } finally {
          await fh.close();
        }
        return async () => {
          // Only our own lock: one taken over after we stalled past STALE_LOCK_MS is not ours to remove.
          const now = await readFile(this.#lock, 'utf8').catch(() => '');
          if (now === mine) await rm(this.#lock, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new WindowStoreError(`${this.#lock}: cannot lock the maintenance windows: ${(err as Error).message}`, { cause: err });
      }
      const stale = await this.#stale();
      if (stale !== null) {
        await this.#breakLock(stale);
        continue;
      }
      if (Date.now() > deadline)
        throw new WindowStoreError(`${this.#lock}: another flp-monitor window command has held the lock for over ${LOCK_WAIT_MS / 1000} s; if none is running, remove the lock file`);
      await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
    }
  }

  /**
   * The lock's content when its holder is gone (its process no longer runs on this host, or the
   * lock is older than STALE_LOCK_MS); null while it may still be held.
   */
  async #stale(): Promise<string | null> {
    let text: string;
    let mtime: number;
    try {
      [text, mtime] = await Promise.all([readFile(this.#lock, 'utf8'), stat(this.#lock).then((s) => s.mtimeMs)]);
    } catch {
      // Gone already (released between our attempts): try again at once.
      return null;
    }
    if (Date.now() - mtime > STALE_LOCK_MS) return text;
    let holder: { pid?: unknown; host?: unknown };
    try {
      holder = JSON.parse(text) as typeof holder;
    } catch {
      // Being written right now (created, not yet filled): its holder is alive.
      return null;
    }
    if (holder.host !== os.hostname() || typeof holder.pid !== 'number') return null;
    try {
      process.kill(holder.pid, 0);
      return null;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH' ? text : null;
    }
  }

  /**
   * Removes a dead holder's lock. Moved aside first and compared: when two commands find the
   * same dead lock, the second must not remove the lock the first has taken since.
   */
  async #breakLock(seen: string): Promise<void> {
    const aside = `${this.#lock}.${randomBytes(4).toString('hex')}.stale`;
    try {
      await rename(this.#lock, aside);
    } catch {
      return;
    }
    const moved = await readFile(aside, 'utf8').catch(() => seen);
    // A live lock moved by mistake goes back (unless a third command has locked since).
    if (moved !== seen) await link(aside, this.#lock).catch(() => undefined);
    await rm(aside, { force: true });
  }
}
