/**
 * The local store of sent notifications (lib/adapters/notification-store.ts): one readable file
 * each, listed in time order, and the incidents still open read back after a restart.
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotificationStore } from '../../../../lib/adapters/notification-store.ts';

const n = (key: string, kind: 'trigger' | 'resolve', at: string) => ({ notification: { key, kind, at, subject: `${kind} ${key}` }, deliveries: [{ channel: 'webhook', ok: true }] });

describe('the notification store', () => {
  it('keeps each notification as its own JSON file and reads them back oldest first', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-notify-'));
    const store = new NotificationStore(dir);
    await store.append(n('flp-prod-sync', 'resolve', '2026-12-01T03:10:00Z'));
    const file = await store.append(n('flp-prod-sync', 'trigger', '2026-12-01T03:00:00Z'));
    expect(path.dirname(file)).toBe(path.join(dir, 'notifications'));
    expect(path.basename(file)).toBe('2026-12-01T03-00-00-000Z-flp-prod-sync-trigger.json');
    expect((await store.list()).map((e) => e.notification.kind)).toEqual(['trigger', 'resolve']);
    expect((await readdir(store.dir)).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('knows which incidents are still open, and skips a file cut short', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-notify-'));
    const store = new NotificationStore(dir);
    await store.append(n('flp-prod-infrastructure', 'trigger', '2026-12-01T03:00:00Z'));
    await store.append(n('flp-prod-sync', 'trigger', '2026-12-01T03:01:00Z'));
    await store.append(n('flp-prod-sync', 'resolve', '2026-12-01T03:20:00Z'));
    await writeFile(path.join(store.dir, '2026-12-01T04-00-00-000Z-flp-prod-release-trigger.json'), '{"notification": {"key"');
    expect([...(await store.open()).keys()]).toEqual(['flp-prod-infrastructure']);
    expect(await new NotificationStore(path.join(dir, 'nothing-here')).list()).toEqual([]);
  });
});
