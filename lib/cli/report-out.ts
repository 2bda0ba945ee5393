/**
 * Where a CI report (`--reporter … --out FILE`) goes: checked before anything runs, so a path
 * that cannot be written stops a ten-minute canary in its first second, and written at the end.
 * Either failure is one sentence and exit 2, never a stack.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './errors.ts';

/**
 * Throws UsageError when `file` could not be written: it is a directory, or a read-only file, or
 * the nearest existing folder on its way is not a writable folder. Creates nothing.
 */
export async function checkWritable(file: string): Promise<void> {
  const target = path.resolve(file);
  const st = await stat(target).catch(() => null);
  if (st?.isDirectory()) throw new UsageError(`cannot write --out ${file}: it is a directory`);
  if (st) {
    await access(target, constants.W_OK).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write --out ${file}: ${e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? 'not writable' : e.message}`);
    });
    return;
  }
  // The nearest folder that exists must be a folder we may write in (the rest is created).
  let dir = path.dirname(target);
  for (;;) {
    // ENOTDIR: a file on the way; the walk up finds it and says so.
    const d = await stat(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? null : e));
    if (d instanceof Error) throw new UsageError(`cannot write --out ${file}: ${d.message}`);
    if (d) {
      if (!d.isDirectory()) throw new UsageError(`cannot write --out ${file}: ${dir} is not a directory`);
      await access(dir, constants.W_OK).catch(() => {
        throw new UsageError(`cannot write --out ${file}: ${dir} is not writable`);
      });
      return;
    }
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/** Writes the report, creating its folder; UsageError when that fails after all. */
export async function writeReportFile(file: string, text: string): Promise<void> {
  const target = path.resolve(file);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot write --out ${file}: ${(e as Error).message}`);
  }
}
