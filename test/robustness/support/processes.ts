/**
 * What runs on this machine, read from /proc (Linux): the process tree below the test
 * process, Chromium's processes in it, their memory and profile directories.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** One-letter state from /proc/<pid>/stat: R, S, D, Z (zombie), … */
  state: string;
  argv: string[];
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** One process, or undefined when it is gone (or not readable). */
export function processInfo(pid: number): ProcessInfo | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ")".
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let argv = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
  // Chromium's child processes rewrite their title: one string, arguments joined by spaces.
  if (argv.length === 1 && argv[0]?.includes(' --')) argv = argv[0].split(' ');
  return { pid, ppid: Number(rest[1]), state: rest[0] ?? '?', argv };
}

export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = processInfo(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** Every process below `root` (children, grandchildren, …). */
export function descendantsOf(root: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcessInfo[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift() as number) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

export function isChromium(p: ProcessInfo): boolean {
  return /chrom(e|ium)/i.test(p.argv[0] ?? '');
}

/** The `--user-data-dir` a Chromium process was started with. */
export function userDataDir(p: ProcessInfo): string | undefined {
  return p.argv.find((a) => a.startsWith('--user-data-dir='))?.slice('--user-data-dir='.length);
}

/** Resident memory of a process in bytes (VmRSS), or 0 when it is gone. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) * 1024 : 0;
}

/** Chromium's renderer processes below the test process, with their resident memory. */
export function rendererMemory(root = process.pid): { pid: number; rss: number }[] {
  return descendantsOf(root)
    .filter((p) => isChromium(p) && p.argv.includes('--type=renderer'))
    .map((p) => ({ pid: p.pid, rss: rssBytes(p.pid) }));
}
