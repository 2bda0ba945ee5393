/**
 * `warmToColdRatio`: a journey in a warm process (the browser already running, a fresh context
 * per run, as in a warm Lambda container) against the first journey of a new process, Chromium's
 * launch included (bench/cold-journey.ts in a child process, as in a fresh container). Cold and
 * warm runs alternate; the figure is median(warm) / median(cold). Module loading (Node, the tsx
 * loader, Playwright) is reported beside it: it is part of a real cold start, though not of "the
 * first run".
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { BrowserProvider } from '../lib/adapters/browser.ts';
import { probeJourney } from '../probes/journey/forloebsplan.ts';
import { benchJourneyContext, median, ROOT, round, sandboxHostRules, startBenchSandbox, timedHealthy, type BenchModule, type Figure, type Reruns } from './support.ts';

export const GOAL = 0.5;
const CHILD_TIMEOUT_MS = 90_000;

interface ColdRun {
  ok: boolean;
  error: string | null;
  moduleLoadMs: number;
  processUptimeAtLoadMs: number;
  journeyMs: number;
}

export const warmCold: BenchModule = {
  name: 'warm-cold',
  expectedSeconds: 45,
  async run({ quick, log }): Promise<Figure[]> {
    const rounds = quick ? 2 : 7;
    const sb = await startBenchSandbox();
    const hostRules = sandboxHostRules(sb.config);
    const provider = new BrowserProvider({ hostResolverRules: hostRules });
    try {
      const ctx = benchJourneyContext(sb, provider);
      const { timeouts: _timeouts, ...raw } = sb.fixture.raw;
      const env = { ...process.env, FLP_BENCH_CONFIG: JSON.stringify({ raw, baseDir: sb.fixture.dir, dnsServer: sb.fixture.sandbox.dnsServer, hostRules }) };
      const reruns: Reruns = { count: 0, errors: [] };
      const cold = (): Promise<ColdRun> =>
        timedHealthy('the cold journey', reruns, async () => {
          const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'cold-journey.ts')], {
            cwd: ROOT,
            env,
            timeout: CHILD_TIMEOUT_MS,
            killSignal: 'SIGKILL',
          });
          const run = JSON.parse(stdout.trim().split('\n').at(-1)!) as ColdRun;
          return { ok: run.ok, error: run.error, value: run };
        });
      const warm = (): Promise<number> =>
        timedHealthy('the warm journey', reruns, async () => {
          const t0 = performance.now();
          const r = await probeJourney(sb.config, ctx);
          return { ok: r.ok, error: r.error, value: performance.now() - t0 };
        });

      // Warm-up: the first launch in this process, the sandbox's first pages, the OS file cache for Chromium and node_modules.
      await warm();
      await warm();
      await cold();
      const warmMs: number[] = [];
      const coldRuns: ColdRun[] = [];
      for (let i = 0; i < rounds; i++) {
        // Alternate which goes first, so neither always follows the other.
        if (i % 2 === 0) {
          coldRuns.push(await cold());
          warmMs.push(await warm());
        } else {
          warmMs.push(await warm());
          coldRuns.push(await cold());
        }
        log(`warm-cold round ${i + 1}/${rounds}: warm ${Math.round(warmMs.at(-1)!)} ms, cold ${Math.round(coldRuns.at(-1)!.journeyMs)} ms (+${Math.round(coldRuns.at(-1)!.processUptimeAtLoadMs)} ms to load)`);
      }
      const w = median(warmMs);
      const c = median(coldRuns.map((r) => r.journeyMs));
      const load = median(coldRuns.map((r) => r.processUptimeAtLoadMs));
      const ratio = w / c;
      return [
        {
          key: 'warmToColdRatio',
          label: 'warm journey / first journey of a new process (browser launch included)',
          value: round(ratio, 3),
          shown: `${round(ratio, 2)} (${Math.round(w)} vs ${Math.round(c)} ms)`,
          goal: `≤ ${GOAL}`,
          met: ratio <= GOAL,
          details: {
            rounds,
            // Journeys that failed against the healthy sandbox (a starved CPU) and were run again.
            reruns,
            medianWarmMs: round(w, 1),
            medianColdMs: round(c, 1),
            // A process's start up to the end of module loading (Node, tsx, Playwright, the monitor's modules).
            medianProcessStartAndLoadMs: round(load, 1),
            ratioWithProcessStart: round(w / (c + load), 3),
            warmSamplesMs: warmMs.map(Math.round),
            coldSamplesMs: coldRuns.map((r) => Math.round(r.journeyMs)),
            method:
              'warm: probeJourney in this process with its BrowserProvider already running; cold: bench/cold-journey.ts in a new Node process (node --import tsx), a new BrowserProvider launching Chromium within its first journey; same sandbox, same flags; rounds alternate',
          },
        },
      ];
    } finally {
      await provider.close();
      await sb.close();
    }
  },
};
