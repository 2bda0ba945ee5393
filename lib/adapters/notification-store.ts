/**
 * The notifications a local monitor sent, kept in the store: one JSON file per notification
 * under `<store.dir>/notifications/`, named by its time, key and kind, holding the message and
 * what each channel answered. Reading them back tells which incidents are still open (their
 * last notification a trigger), so a monitor restarted mid-incident still sends the resolve.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What the store keeps of one notification; the message and deliveries are kept as given. */
export interface StoredNotification<N extends { key: string; kind: 'trigger' | 'resolve' | 'notice'; at: string } = { key: string; kind: 'trigger' | 'resolve' | 'notice'; at: string }, D = unknown> {
  notification: N;
  deliveries: D[];
}

const FILE = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)-(.+)-(trigger|resolve|notice)\.json$/;

export class NotificationStore {
  readonly dir: string;

  constructor(storeDir: string) {
    this.dir = path.join(storeDir, 'notifications');
  }

  /** Writes one notification (atomically: a reader never sees half a file); returns its path. */
  async append(entry: StoredNotification): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const n = entry.notification;
    const stamp = new Date(n.at).toISOString().replace(/[:.]/g, '-');
    const file = path.join(this.dir, `${stamp}-${n.key.replace(/[^A-Za-z0-9._-]/g, '-')}-${n.kind}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(entry, null, 2)}\n`);
    await rename(tmp, file);
    return file;
  }

  /** Every stored notification, oldest first; a file that does not parse is skipped. */
  async list(): Promise<StoredNotification[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoredNotification[] = [];
    for (const name of names.filter((n) => FILE.test(n)).sort()) {
      try {
        const entry = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as StoredNotification;
        if (entry?.notification?.key && ['trigger', 'resolve', 'notice'].includes(entry.notification.kind)) out.push(entry);
      } catch {
        // A file cut short by a crash, or edited by hand, is not a notification.
      }
    }
    return out;
  }

  /** The incidents still open: per key, its last notification when that was a trigger. */
  async open(): Promise<Map<string, StoredNotification>> {
    const last = new Map<string, StoredNotification>();
    for (const e of await this.list()) last.set(e.notification.key, e);
    for (const [key, e] of last) if (e.notification.kind !== 'trigger') last.delete(key);
    return last;
  }
}
