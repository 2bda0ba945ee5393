/**
 * What the bench figures share: the result shape, robust statistics, a sandbox with a config
 * that targets it, progress lines on stderr (stdout carries the table or the one JSON document),
 * and the resident memory of a process tree.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type Config } from '../lib/core/config.ts';
import type { Logger } from '../lib/core/context.ts';
import { startSandboxFixture, type SandboxFixture } from '../test/support/sandbox.ts';

/** The repository root (bench/..). */
import type { BrowserProvider } from '../lib/adapters/browser.ts';
import { createResolver } from '../lib/adapters/resolver.ts';
import type { JourneyContext } from '../probes/journey/forloebsplan.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One row of the bench table; `details` goes into the JSON document only. */
export interface Figure {
  /** The JSON key. */
  key: string;
  /** What the row is, for people. */
  label: string;
  /** The number (or per-item numbers) the JSON document carries under `key`. */
  value: unknown;
  /** The value as the table shows it. */
  shown: string;
  /** The goal as the table shows it, e.g. "≤ 1.15". */
  goal: string;
  /** Whether the goal is met; null where there is no goal (informational rows). */
  met: boolean | null;
  /** How it was measured, the raw samples and whatever explains the number. */
  details?: Record<string, unknown>;
}

/** A bench module: runs its measurement and returns one or more rows. */
export interface BenchModule {
  name: string;
  /** Rough run time here, for the runner's plan line. */
  expectedSeconds: number;
  run(options: BenchOptions): Promise<Figure[]>;
}

export interface BenchOptions {
  /** Fewer repetitions, for a smoke run (`--quick`): the numbers are then indicative only. */
  quick: boolean;
  /** Extra profiling runs where a module has them (`--profile`): slower. */
  profile?: boolean;
  log: (line: string) => void;
}

export const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Progress for people, on stderr: stdout is reserved for the table or the JSON document. */
export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0..1) by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export { seededRandom } from '../test/support/seeded-random.ts';

export interface BenchSandbox {
  fixture: SandboxFixture;
  /** Production timeouts and schedules (the config defaults), targeting the sandbox. */
  config: Config;
  close(): Promise<void>;
}

/**
 * The bundled sandbox on loopback with a config that targets it through the sandbox's own DNS
 * server (no real DNS), with the production defaults for timeouts, schedules and retry.
 */
export async function startBenchSandbox(): Promise<BenchSandbox> {
  const fixture = await startSandboxFixture();
  const { timeouts: _timeouts, ...raw } = fixture.raw;
  const config = parseConfig(raw, { baseDir: fixture.dir });
  return {
    fixture,
    config,
    close: async () => {
      await fixture.sandbox.close();
      await rm(fixture.dir, { recursive: true, force: true });
    },
  };
}

/**
 * "The default config": the shipped flp-monitor.config.json (three HTTPS nodes, four sync
 * sources) with the production defaults for schedules, timeouts and retry instead of the
 * sandbox's fast pace, and without its sandbox section.
 */
export function defaultDeploymentConfig(): Config {
  const raw = JSON.parse(readFileSync(path.join(ROOT, 'flp-monitor.config.json'), 'utf8')) as Record<string, unknown>;
  const { schedule: _schedule, timeouts: _timeouts, sandbox: _sandbox, ...production } = raw;
  return parseConfig(production, { baseDir: ROOT });
}

/** The host-resolver rule that lets Chromium reach the sandbox's load balancer name on loopback. */
export function sandboxHostRules(config: Config): Record<string, string> {
  return { [new URL(config.target.baseUrl).hostname]: '127.0.0.1' };
}

/** Resident set size of one process in bytes (0 when it is gone). */
function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pids of every descendant of `pid` (Chromium's browser, renderer, GPU and utility processes). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the ppid is the second field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Proportional set size of one process in bytes: its shared pages divided among their sharers (0 when it is gone). */
function pssOf(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = /^Pss:\s+(\d+)\s+kB/m.exec(rollup)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** PSS of a process and all its descendants, summed: shared pages counted once in all, the fair physical figure. */
export function treePss(pid: number = process.pid): number {
  return [pid, ...descendants(pid)].reduce((n, p) => n + pssOf(p), 0);
}

/**
 * RSS of a process and all its descendants, summed. Shared pages (Chromium's processes share
 * much of their code) are counted once per process, so this overstates the physical memory a
 * little: it is the figure `ps` would add up, an upper bound.
 */
export function treeRss(pid: number = process.pid): { bytes: number; processes: number } {
  const pids = [pid, ...descendants(pid)];
  return { bytes: pids.reduce((n, p) => n + rssOf(p), 0), processes: pids.length };
}

export const MB = 1024 * 1024;

/** Runs that failed against the healthy sandbox and were run again, with why. */
export interface Reruns {
  count: number;
  errors: string[];
}

/** How often a timed run that fails against the healthy sandbox is run again before the module gives up. */
export const MAX_RERUNS = 3;

/**
 * Runs a timed journey, running it again when it failed against the healthy sandbox: on a
 * starved CPU a page can render slower than the journey's grace for a missing section, and one
 * such run must not sink the figure. A failed run's time is discarded; the reruns are reported.
 */
export async function timedHealthy<T>(what: string, reruns: Reruns, run: () => Promise<{ ok: boolean; error?: string | null; value: T }>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const r = await run();
    if (r.ok) return r.value;
    reruns.count += 1;
    reruns.errors.push(`${what}: ${r.error ?? 'failed'}`);
    if (attempt >= MAX_RERUNS) throw new Error(`${what} failed against the healthy sandbox ${attempt + 1} times in a row: ${r.error}`);
  }
}

/** The journey's context against the bench sandbox: a warm browser, the sandbox's own DNS. */
export function benchJourneyContext(sb: BenchSandbox, browser: BrowserProvider): JourneyContext {
  return {
    clock: { now: () => new Date() },
    http: { request: () => Promise.reject(new Error('the journey does not use the HTTP client')) },
    resolve: createResolver([sb.fixture.sandbox.dnsServer], { timeoutMs: 1_000, tries: 1 }),
    logger: quiet,
    browser,
    artifactsDir: sb.config.artifacts.dir,
  };
}
