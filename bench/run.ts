/**
 * `npm run bench`: measures how fast, cheap and quiet flp-monitor is, one module per figure, and
 * prints a table (figure, value, goal, met?) or, with `--json`, exactly one JSON document on
 * stdout whose top-level keys are the figures (`journeyOverheadRatio`, `warmToColdRatio`,
 * `cliStartMs`, …), with `goals`, `details` and `meta` beside them. Progress goes to stderr.
 *
 *     npm run bench                      the table
 *     npm run bench -- --json            one JSON document
 *     npm run bench -- --quick           fewer repetitions (a smoke run; numbers indicative only)
 *     npm run bench -- --only fanout,cost
 *     npm run bench -- --json --out bench.json   also write the output to a file
 *     npm run bench -- --only journey-overhead --profile   split the journey trace's cost (slower)
 *
 * npm prints its own "> flp-monitor@… bench" lines on stdout before the script's; for stdout
 * with nothing but the JSON document, run `npm run -s bench -- --json` (or use --out).
 *
 * Everything runs on 127.0.0.1 (the sandbox, loopback servers, Chromium with host-resolver
 * rules); nothing contacts another host. Exit code 0 when every module ran (goals met or not:
 * the table says), 2 when a module failed or the arguments are wrong.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { findChromium } from '../lib/adapters/browser.ts';
import { bundles } from './bundles.ts';
import { cliStart } from './cli-start.ts';
import { cost } from './cost.ts';
import { detection } from './detection.ts';
import { falseAlarms } from './false-alarms.ts';
import { fanout } from './fanout.ts';
import { journeyOverhead } from './journey-overhead.ts';
import { memory } from './memory.ts';
import { peerElastic } from './peer-elastic.ts';
import { progress, type BenchModule, type Figure } from './support.ts';
import { warmCold } from './warm-cold.ts';

/** In this order: the pure computations first, the browser-heavy ones last. */
export const MODULES: BenchModule[] = [cost, detection, falseAlarms, bundles, cliStart, fanout, journeyOverhead, warmCold, memory, peerElastic];

/** The bench stops itself after this long, whatever hangs. */
const WATCHDOG_MS = 20 * 60_000;

function parseArgs(argv: string[]): { json: boolean; quick: boolean; profile: boolean; only: string[] | null; out: string | null } {
  const out = { json: false, quick: false, profile: false, only: null as string[] | null, out: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--quick') out.quick = true;
    else if (a === '--profile') out.profile = true;
    else if (a === '--out' || a.startsWith('--out=')) {
      out.out = (a === '--out' ? argv[++i] : a.slice('--out='.length)) ?? null;
      if (!out.out) throw new Error('--out takes a file name');
    }
    else if (a === '--only' || a.startsWith('--only=')) {
      const list = a === '--only' ? argv[++i] : a.slice('--only='.length);
      out.only = (list ?? '').split(',').filter(Boolean);
      const unknown = out.only.filter((n) => !MODULES.some((m) => m.name === n));
      if (!out.only.length || unknown.length) throw new Error(`--only takes module names: ${MODULES.map((m) => m.name).join(', ')}${unknown.length ? ` (not: ${unknown.join(', ')})` : ''}`);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: npm run -s bench -- [--json] [--quick] [--profile] [--out FILE] [--only ${MODULES.map((m) => m.name).join(',')}]\n`);
      process.exit(0);
    } else throw new Error(`unknown argument "${a}" (try --help)`);
  }
  return out;
}

function table(figures: Figure[]): string {
  const rows = figures.map((f) => [f.key, f.shown, f.goal, f.met === null ? '-' : f.met ? 'yes' : 'NO']);
  const head = ['figure', 'value', 'goal', 'met'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${WATCHDOG_MS / 60_000} min; stopping\n`);
    process.exit(3);
  }, WATCHDOG_MS);
  watchdog.unref();

  const modules = args.only ? MODULES.filter((m) => args.only!.includes(m.name)) : MODULES;
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const t0 = performance.now();
  progress(`${modules.length} modules, about ${Math.round(modules.reduce((n, m) => n + m.expectedSeconds, 0) / 60) || 1} min on a quiet machine${args.quick ? ' (quick)' : ''}; load average now ${loadBefore.map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  const figures: Figure[] = [];
  const failures: { module: string; error: string }[] = [];
  const seconds: Record<string, number> = {};
  for (const m of modules) {
    const m0 = performance.now();
    progress(`${m.name} ...`);
    try {
      figures.push(...(await m.run({ quick: args.quick, profile: args.profile, log: progress })));
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      failures.push({ module: m.name, error: error.split('\n')[0]! });
      progress(`${m.name} FAILED: ${error}`);
    }
    seconds[m.name] = Math.round((performance.now() - m0) / 100) / 10;
    progress(`${m.name} done in ${seconds[m.name]} s`);
  }
  const durationSeconds = Math.round((performance.now() - t0) / 100) / 10;
  let chromium: string | null = null;
  try {
    chromium = findChromium().path;
  } catch {
    // reported as null
  }
  const meta = {
    startedAt: startedAt.toISOString(),
    durationSeconds,
    moduleSeconds: seconds,
    quick: args.quick,
    node: process.version,
    chromium,
    cpus: os.cpus().length,
    loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
    loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
    failures,
  };

  let output: string;
  if (args.json) {
    const doc: Record<string, unknown> = {};
    for (const f of figures) doc[f.key] = f.value;
    doc.goals = Object.fromEntries(figures.map((f) => [f.key, { goal: f.goal, met: f.met }]));
    doc.details = Object.fromEntries(figures.filter((f) => f.details).map((f) => [f.key, f.details]));
    doc.meta = meta;
    output = `${JSON.stringify(doc, null, 2)}\n`;
  } else {
    output =
      `${table(figures)}\n\n` +
      `${durationSeconds} s on ${meta.cpus} CPUs, load average ${meta.loadAverageBefore.join(' ')} before and ${meta.loadAverageAfter.join(' ')} after${args.quick ? '; --quick: indicative only' : ''}\n` +
      failures.map((f) => `module ${f.module} failed: ${f.error}\n`).join('');
  }
  process.stdout.write(output);
  if (args.out) writeFileSync(args.out, output);
  return failures.length ? 2 : 0;
}

// Exit explicitly: a module that failed half-way may leave a socket or a child's pipe open.
process.exit(await main());
