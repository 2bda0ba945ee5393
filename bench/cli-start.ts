/**
 * `cliStartMs`: the wall time of `node lib/cli/bin.mjs --help` and `--version` as new processes,
 * from spawn to exit (output to a pipe), median of at least 10 runs each after 2 warm-up runs,
 * the two commands alternating. Bare `node -e 0` beside them in `details`: the part of the figure
 * that is Node's own start, not flp-monitor's. `npx flp-monitor` adds npm's start on top.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, ROOT, round, type BenchModule, type Figure } from './support.ts';

const GOAL_MS = 300;
const bin = path.join(ROOT, 'lib', 'cli', 'bin.mjs');

/** One new process: its wall time in ms; throws when it fails. */
function wallMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

export const cliStart: BenchModule = {
  name: 'cli-start',
  expectedSeconds: 15,
  async run({ quick, log }): Promise<Figure[]> {
    const runs = quick ? 10 : 20;
    const arms = { help: [bin, '--help'], version: [bin, '--version'], node: ['-e', '0'] };
    const samples: Record<keyof typeof arms, number[]> = { help: [], version: [], node: [] };
    for (let i = 0; i < 2; i++) for (const args of Object.values(arms)) wallMs(args);
    for (let i = 0; i < runs; i++) for (const [arm, args] of Object.entries(arms)) samples[arm as keyof typeof arms].push(round(wallMs(args), 1));
    const value = { help: round(median(samples.help), 1), version: round(median(samples.version), 1) };
    log(`cli-start: --help ${value.help} ms, --version ${value.version} ms, bare node ${round(median(samples.node), 1)} ms (medians of ${runs})`);
    return [
      {
        key: 'cliStartMs',
        label: 'wall time of `node lib/cli/bin.mjs --help` / `--version` (median ms)',
        value,
        shown: `help ${value.help} ms, version ${value.version} ms`,
        goal: `≤ ${GOAL_MS} each`,
        met: value.help <= GOAL_MS && value.version <= GOAL_MS,
        details: {
          method: `new process per run (spawnSync, stdout a pipe), 2 warm-up rounds, then ${runs} rounds of --help, --version and bare node alternating; median wall ms`,
          runs,
          bareNodeMs: round(median(samples.node), 1),
          samples,
        },
      },
    ];
  },
};
