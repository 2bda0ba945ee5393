/**
 * `journeyPeakRssMb`: the memory a journey needs, as the journey Lambda's memory setting must
 * cover it: a new process (bench/cold-journey.ts) that loads the modules, launches Chromium and
 * runs one journey, sampled every 20 ms through /proc, the Node process and every Chromium
 * process under it summed. The headline sums RSS (what `ps` adds up: shared pages counted in
 * every process, an upper bound); the details give the same sum of PSS (shared pages divided
 * among their sharers), which is closer to what Lambda's "Max Memory Used" reports.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { MB, median, ROOT, round, startBenchSandbox, sandboxHostRules, treePss, treeRss, type BenchModule, type Figure } from './support.ts';

const SAMPLE_MS = 20;
const CHILD_TIMEOUT_MS = 90_000;

export const memory: BenchModule = {
  name: 'memory',
  expectedSeconds: 25,
  async run({ quick, log }): Promise<Figure[]> {
    const runs = quick ? 1 : 3;
    const sb = await startBenchSandbox();
    try {
      const { timeouts: _timeouts, ...raw } = sb.fixture.raw;
      const env = {
        ...process.env,
        FLP_BENCH_CONFIG: JSON.stringify({ raw, baseDir: sb.fixture.dir, dnsServer: sb.fixture.sandbox.dnsServer, hostRules: sandboxHostRules(sb.config) }),
      };
      const peaks: { rss: number; pss: number; processes: number }[] = [];
      for (let i = 0; i < runs; i++) {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'cold-journey.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        const peak = { rss: 0, pss: 0, processes: 0 };
        let ticks = 0;
        const sampler = setInterval(() => {
          if (child.pid === undefined) return;
          const r = treeRss(child.pid);
          if (r.bytes > peak.rss) peak.rss = r.bytes;
          peak.processes = Math.max(peak.processes, r.processes);
          // PSS is dearer to read: sample it at a quarter of the pace.
          if (ticks++ % 4 === 0) peak.pss = Math.max(peak.pss, treePss(child.pid));
        }, SAMPLE_MS);
        const killer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
        const [code] = (await once(child, 'exit')) as [number | null];
        clearInterval(sampler);
        clearTimeout(killer);
        const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { ok?: boolean; error?: string };
        if (code !== 0 || !result.ok) throw new Error(`the memory run's journey failed (exit ${code}): ${result.error ?? stdout}`);
        peaks.push(peak);
        log(`memory run ${i + 1}/${runs}: peak ${Math.round(peak.rss / MB)} MB RSS, ${Math.round(peak.pss / MB)} MB PSS over ${peak.processes} processes`);
      }
      const rss = median(peaks.map((p) => p.rss)) / MB;
      const pss = median(peaks.map((p) => p.pss)) / MB;
      return [
        {
          key: 'journeyPeakRssMb',
          label: 'peak memory of a process doing a journey (Node + Chromium, summed)',
          value: round(rss, 1),
          shown: `${Math.round(rss)} MB RSS (${Math.round(pss)} MB PSS)`,
          goal: '-',
          met: null,
          details: {
            runs,
            peakPssMb: round(pss, 1),
            processes: Math.max(...peaks.map((p) => p.processes)),
            covers:
              'a new Node process (node --import tsx: the TypeScript loader included) that launches Chromium and runs one journey; its RSS and that of every descendant (Chromium browser, renderer, GPU, network and zygote processes, and the esbuild service tsx starts) summed, sampled every 20 ms; Lambda runs a bundle without tsx and a single-process Chromium, so expect less there',
          },
        },
      ];
    } finally {
      await sb.close();
    }
  },
};
