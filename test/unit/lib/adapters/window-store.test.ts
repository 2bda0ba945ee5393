/**
 * The local store of run-time maintenance windows (`<store.dir>/windows.json`): changes made at
 * the same time, in one process or in two, all survive; a broken file is named and left alone; a
 * lock left by a dead process does not block the next command.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalWindowStore, WindowStoreError } from '../../../../lib/adapters/window-store.ts';
import { addWindow, endWindow } from '../../../../lib/core/windows.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flp-windows-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const inAnHour = () => ({ start: new Date(), end: new Date(Date.now() + 3_600_000) });
const addOne = (reason: string) => (list: Parameters<typeof addWindow>[0]) => addWindow(list, { ...inAnHour(), reason }, new Date());

describe('the local window store', () => {
  it('reads as no windows before anything was stored, and writes a JSON array', async () => {
    const store = new LocalWindowStore(dir);
    expect(await store.list()).toEqual([]);
    const w = await store.update(addOne('upgrade'));
    expect(store.where).toBe(path.join(dir, 'windows.json'));
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual([w]);
    expect(await new LocalWindowStore(dir).list()).toEqual([w]);
    // Written through a temporary file and renamed: nothing is left beside it, and no lock.
    expect((await readdir(dir)).sort()).toEqual(['windows.json']);
  });

  it('keeps every window when changes are made at the same time', async () => {
    const store = new LocalWindowStore(dir);
    // Separate instances, as separate commands would be.
    const added = await Promise.all(Array.from({ length: 8 }, (_, i) => new LocalWindowStore(dir).update(addOne(`change ${i}`))));
    const stored = await store.list();
    expect(stored).toHaveLength(8);
    expect(stored.map((w) => w.id).sort()).toEqual(added.map((w) => w.id).sort());
  });

  it('keeps every window when two processes change the file at once', { timeout: 30_000 }, async () => {
    const script = path.join(dir, 'adder.mts');
    await writeFile(
      script,
      `import { LocalWindowStore } from ${JSON.stringify(path.join(root, 'lib/adapters/window-store.ts'))};
import { addWindow } from ${JSON.stringify(path.join(root, 'lib/core/windows.ts'))};
const store = new LocalWindowStore(process.argv[2]);
// Both start at the same instant, once both are loaded.
await new Promise((r) => setTimeout(r, Number(process.argv[4]) - Date.now()));
for (let i = 0; i < 30; i++) await store.update((list) => addWindow(list, { start: new Date(), end: new Date(Date.now() + 3600000), reason: process.argv[3] + ' ' + i }, new Date()));
`,
    );
    const run = promisify(execFile);
    const t0 = performance.now();
    const go = String(Date.now() + 2_000);
    await Promise.all(['a', 'b'].map((who) => run(process.execPath, ['--import', 'tsx', script, dir, who, go], { cwd: root })));
    const stored = await new LocalWindowStore(dir).list();
    expect(stored.map((w) => w.reason).sort()).toEqual(['a', 'b'].flatMap((who) => Array.from({ length: 30 }, (_, i) => `${who} ${i}`)).sort());
    console.log(`two processes, 30 changes each: ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('names a broken file, and never overwrites it', async () => {
    const store = new LocalWindowStore(dir);
    await writeFile(store.file, '[{"id": "w-1", "start": ');
    await expect(store.list()).rejects.toThrow(new RegExp(`^${store.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not JSON`));
    await expect(store.update(addOne('x'))).rejects.toBeInstanceOf(WindowStoreError);
    expect(await readFile(store.file, 'utf8')).toBe('[{"id": "w-1", "start": ');

    await writeFile(store.file, JSON.stringify([{ id: 'w-1', start: 'soon' }]));
    await expect(store.list()).rejects.toThrow(`${store.file}: not a list of maintenance windows (0.start: must be an ISO 8601 time); repair it or move it away`);
  });

  it('leaves the list as it was when the change is refused, and the next change goes through', async () => {
    const store = new LocalWindowStore(dir);
    const first = await store.update(addOne('first'));
    await expect(store.update((list) => endWindow(list, 'w-nope', new Date()))).rejects.toThrow('no window w-nope');
    expect(await store.list()).toEqual([first]);
    await store.update(addOne('second'));
    expect((await store.list()).map((w) => w.reason)).toEqual(['first', 'second']);
  });

  it('takes over a lock whose process is gone, and waits for one whose process runs', async () => {
    const store = new LocalWindowStore(dir);
    const lock = `${store.file}.lock`;
    // A pid no process has: the kernel's pid_max is below 2^22.
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 7, host: os.hostname(), at: new Date().toISOString() }));
    await store.update(addOne('after a crash'));
    expect((await store.list()).map((w) => w.reason)).toEqual(['after a crash']);

    await writeFile(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
    let done = false;
    const waiting = store.update(addOne('waited')).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false);
    await rm(lock);
    await waiting;
    expect((await store.list()).map((w) => w.reason)).toEqual(['after a crash', 'waited']);
  });
});
