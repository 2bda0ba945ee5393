/**
 * `fanout50Ratio`: 50 sync sources whose status endpoints each answer after 300 ms, probed by
 * the Monitor's sync group (every source at once, with retry and classification, as in the sync
 * Lambda): wall time / 300 ms. Also N = 1 and N = 10, and the memory the run takes (peak RSS of
 * this process during the run, over its RSS before, after a GC). The endpoints live in a child
 * process on 127.0.0.1 so that their sockets and timers are not counted as ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../lib/core/config.ts';
import { Monitor } from '../lib/runtime/monitor.ts';
import { MB, median, quiet, round, type BenchModule, type Figure } from './support.ts';

export const GOAL = 1.3;
export const DELAY_MS = 300;

/** A status service on an ephemeral loopback port; it exits when our stdin closes, or after two minutes at the latest. */
const SERVER = `
const http = require('node:http');
const delay = ${DELAY_MS};
const server = http.createServer((req, res) => {
  const source = (/^\\/sync\\/([^/]+)\\/status$/.exec(req.url) || [])[1];
  setTimeout(() => {
    if (!source) { res.writeHead(404); return res.end(); }
    const body = JSON.stringify({ source, state: 'ok', lastSuccessfulSync: new Date(Date.now() - 300000).toISOString(), records: 1234, error: null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }, delay);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), 120000).unref();
`;

async function startServer(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), child };
}

function monitorFor(port: number, n: number): Monitor {
  const base = `http://127.0.0.1:${port}`;
  const config = parseConfig(
    {
      environment: 'bench',
      target: { baseUrl: base, nodes: [{ name: 'n1', url: base }] },
      journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
      sync: Array.from({ length: n }, (_, i) => ({ source: `s${i + 1}`, url: `${base}/sync/s${i + 1}/status`, maxLagMinutes: 60 })),
    },
    { baseDir: process.cwd() },
  );
  return new Monitor(config, { logger: quiet });
}

const gc = (globalThis as { gc?: () => void }).gc;

export const fanout: BenchModule = {
  name: 'fanout',
  expectedSeconds: 15,
  async run({ quick, log }): Promise<Figure[]> {
    const repeats = quick ? 3 : 7;
    const { port, child } = await startServer();
    try {
      const results: Record<number, { medianMs: number; ratio: number; cpuMs: number; slowestProbeMs: number; rssDeltaMb: number; heapDeltaMb: number; samplesMs: number[] }> = {};
      // Warm-up: module code, the HTTP client, the loopback path.
      await monitorFor(port, 50).runGroup('sync');
      for (const n of [1, 10, 50]) {
        const times: number[] = [];
        const deltas: number[] = [];
        const heapDeltas: number[] = [];
        const cpu: number[] = [];
        const slowest: number[] = [];
        for (let i = 0; i < repeats; i++) {
          const monitor = monitorFor(port, n);
          gc?.();
          const start = process.memoryUsage();
          const before = start.rss;
          let peak = before;
          let heapPeak = start.heapUsed;
          const sample = () => {
            const m = process.memoryUsage();
            peak = Math.max(peak, m.rss);
            heapPeak = Math.max(heapPeak, m.heapUsed);
          };
          const sampler = setInterval(sample, 5);
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          const classified = await monitor.runGroup('sync');
          const wall = performance.now() - t0;
          const used = process.cpuUsage(cpu0);
          // This process's own CPU time for the run: what a quiet machine cannot hide behind the 300 ms wait.
          cpu.push((used.user + used.system) / 1000);
          slowest.push(Math.max(...classified.map((r) => r.durationMs)));
          clearInterval(sampler);
          sample();
          await monitor.close();
          const failed = classified.filter((r) => !r.ok);
          if (failed.length) throw new Error(`fan-out: ${failed.length} of ${n} sync probes failed: ${failed[0]!.summary}`);
          times.push(wall);
          deltas.push((peak - before) / MB);
          heapDeltas.push((heapPeak - start.heapUsed) / MB);
        }
        const m = median(times);
        results[n] = { medianMs: round(m, 1), ratio: round(m / DELAY_MS, 3), cpuMs: round(median(cpu), 1), slowestProbeMs: median(slowest), rssDeltaMb: round(median(deltas), 1), heapDeltaMb: round(median(heapDeltas), 1), samplesMs: times.map((t) => Math.round(t)) };
        log(`fanout N=${n}: median ${Math.round(m)} ms (${round(m / DELAY_MS, 2)} × ${DELAY_MS} ms), CPU ${Math.round(median(cpu))} ms, RSS +${round(median(deltas), 1)} MB, heap +${round(median(heapDeltas), 1)} MB`);
      }
      const r50 = results[50]!;
      return [
        {
          key: 'fanout50Ratio',
          label: `50 sync endpoints answering after ${DELAY_MS} ms: wall / ${DELAY_MS} ms`,
          value: r50.ratio,
          shown: `${round(r50.ratio, 2)} (N=1 ${round(results[1]!.ratio, 2)}, N=10 ${round(results[10]!.ratio, 2)}; +${r50.rssDeltaMb} MB RSS, +${r50.heapDeltaMb} MB heap)`,
          goal: `≤ ${GOAL}`,
          met: r50.ratio <= GOAL,
          details: {
            perN: results,
            repeats,
            gcBeforeEachRun: Boolean(gc),
            method: "Monitor.runGroup('sync') (probeSync per source with retry, classification, concurrently); the endpoints in a child process on 127.0.0.1; RSS delta = peak RSS of this process during the run minus RSS before it, after a GC (after the warm-up, the heap a run needs is mostly there already, so RSS barely moves); heap delta = peak heapUsed during the run minus before",
          },
        },
      ];
    } finally {
      child.stdin?.end();
      child.kill();
    }
  },
};
