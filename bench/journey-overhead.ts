/**
 * `journeyOverheadRatio`: what the monitor adds to the journey it times. flp-monitor's
 * `probeJourney` (warm browser, a fresh context per run) against the bare Playwright script of
 * bench/bare-journey.ts doing the same five steps, in the same browser process, against the same
 * sandbox. Runs alternate (the order flips every round, so neither arm always runs on a browser
 * that has just done the same work), after a warm-up of both; the figure is the median of the
 * per-round ratios. A third arm, the bare script with a Playwright trace recorded as the journey
 * records one, says how much of the difference is the trace.
 */
import { performance } from 'node:perf_hooks';
import type { Browser, BrowserContext } from 'playwright';
import { BrowserProvider } from '../lib/adapters/browser.ts';
import { probeJourney } from '../probes/journey/forloebsplan.ts';
import { JOURNEY_STEPS } from '../lib/core/contract.ts';
import { bareJourney, type StepTimes } from './bare-journey.ts';
import { benchJourneyContext, median, quantile, round, sandboxHostRules, startBenchSandbox, timedHealthy, type BenchModule, type Figure, type Reruns } from './support.ts';

export const GOAL = 1.15;

type Arm = 'ours' | 'bare' | 'oursUntraced' | 'bareTraced' | 'bareScreenshotsOnly' | 'bareSnapshotsOnly';

/**
 * Hands out an already running browser (so every arm shares one Chromium process), optionally
 * with contexts that refuse to record a trace: the journey then runs exactly as usual minus its
 * trace (it logs "trace not recorded" and goes on), which isolates what the trace costs.
 */
class SharedBrowser extends BrowserProvider {
  readonly #browser: Browser;
  constructor(browser: Browser, options: { refuseTracing: boolean }) {
    super();
    this.#browser = options.refuseTracing
      ? new Proxy(browser, {
          get(target, prop) {
            if (prop === 'newContext')
              return async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
                const context = await target.newContext(...args);
                context.tracing.start = () => Promise.reject(new Error('tracing refused for profiling'));
                return context;
              };
            const value: unknown = Reflect.get(target, prop, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        })
      : browser;
  }
  override async get(): Promise<Browser> {
    return this.#browser;
  }
  override async close(): Promise<void> {}
}

export const journeyOverhead: BenchModule = {
  name: 'journey-overhead',
  expectedSeconds: 45,
  async run({ quick, profile, log }): Promise<Figure[]> {
    const rounds = quick ? 4 : 15;
    const warmup = quick ? 1 : 3;
    const sb = await startBenchSandbox();
    const provider = new BrowserProvider({ hostResolverRules: sandboxHostRules(sb.config) });
    try {
      const ctx = benchJourneyContext(sb, provider);
      const browser = await provider.get();
      const untraced = { ...ctx, browser: new SharedBrowser(browser, { refuseTracing: true }) };
      // Per-step times of the two main arms: where the difference is spent.
      const steps: Record<'ours' | 'oursUntraced' | 'bare', StepTimes[]> = { ours: [], oursUntraced: [], bare: [] };
      let recording = false;
      const reruns: Reruns = { count: 0, errors: [] };
      const once = async (arm: Arm): Promise<number> => {
        if (arm === 'ours' || arm === 'oursUntraced') {
          return timedHealthy(`the ${arm} journey`, reruns, async () => {
            const t0 = performance.now();
            const r = await probeJourney(sb.config, arm === 'ours' ? ctx : untraced);
            const ms = performance.now() - t0;
            if (r.ok && recording) steps[arm].push(Object.fromEntries(r.steps.map((st) => [st.name, st.durationMs])) as StepTimes);
            return { ok: r.ok, error: r.error, value: ms };
          });
        }
        const tracing =
          arm === 'bareTraced' ? true : arm === 'bareScreenshotsOnly' ? { screenshots: true, snapshots: false } : arm === 'bareSnapshotsOnly' ? { screenshots: false, snapshots: true } : false;
        const t0 = performance.now();
        const times = await bareJourney(browser, sb.config, { tracing });
        const ms = performance.now() - t0;
        if (recording && arm === 'bare') steps.bare.push(times);
        return ms;
      };

      // With --profile, two more arms split the trace's cost between its screencast and its DOM snapshots.
      const arms: Arm[] = ['ours', 'bare', 'oursUntraced', 'bareTraced', ...(profile ? (['bareScreenshotsOnly', 'bareSnapshotsOnly'] as const) : [])];
      for (let i = 0; i < warmup; i++) for (const arm of arms) await once(arm);
      const samples: Record<Arm, number[]> = { ours: [], bare: [], oursUntraced: [], bareTraced: [], bareScreenshotsOnly: [], bareSnapshotsOnly: [] };
      recording = true;
      const ratios: number[] = [];
      const untracedRatios: number[] = [];
      const traceRatios: number[] = [];
      for (let i = 0; i < rounds; i++) {
        // Rotate the order every round: each arm runs first, second and third equally often.
        const order = arms.map((_, k) => arms[(k + i) % arms.length]!);
        const t: Partial<Record<Arm, number>> = {};
        for (const arm of order) t[arm] = await once(arm);
        for (const arm of arms) samples[arm].push(t[arm]!);
        ratios.push(t.ours! / t.bare!);
        untracedRatios.push(t.oursUntraced! / t.bare!);
        traceRatios.push(t.bareTraced! / t.bare!);
        log(`journey-overhead round ${i + 1}/${rounds}: ${order.map((arm) => `${arm} ${Math.round(t[arm]!)} ms`).join(', ')}`);
      }
      const ratio = median(ratios);
      const ms = (arm: Arm) => round(median(samples[arm]), 1);
      const stepMedians = (arm: 'ours' | 'oursUntraced' | 'bare') => {
        const perStep = Object.fromEntries(JOURNEY_STEPS.map((name) => [name, round(median(steps[arm].map((t) => t[name])), 1)]));
        const inSteps = JOURNEY_STEPS.reduce((n, name) => n + perStep[name]!, 0);
        // Opening and closing the context, the trace, the page and its listeners: what runs outside the five steps.
        return { ...perStep, outsideSteps: round(ms(arm) - inSteps, 1) };
      };
      return [
        {
          key: 'journeyOverheadRatio',
          label: 'journey vs bare Playwright (median of per-round ratios)',
          value: round(ratio, 3),
          shown: `${round(ratio, 2)} (${Math.round(ms('ours'))} vs ${Math.round(ms('bare'))} ms)`,
          goal: `≤ ${GOAL}`,
          met: ratio <= GOAL,
          details: {
            rounds,
            warmupRoundsPerArm: warmup,
            // Journeys that failed against the healthy sandbox (a starved CPU) and were run again.
            reruns,
            medianMs: Object.fromEntries(arms.map((a) => [a, ms(a)])),
            ratioP25: round(quantile(ratios, 0.25), 3),
            ratioP75: round(quantile(ratios, 0.75), 3),
            profile: {
              // The journey with its trace refused, against the bare script: everything but the trace.
              untracedRatio: round(median(untracedRatios), 3),
              // The bare script recording the journey's trace (screenshots and snapshots), against itself without.
              traceCostRatio: round(median(traceRatios), 3),
              ...(profile
                ? {
                    screenshotsOnlyCostRatio: round(median(samples.bareScreenshotsOnly.map((v, k) => v / samples.bare[k]!)), 3),
                    snapshotsOnlyCostRatio: round(median(samples.bareSnapshotsOnly.map((v, k) => v / samples.bare[k]!)), 3),
                  }
                : {}),
              // Per step, and outside the steps (context, page, listeners, trace start and stop): where the difference is spent.
              stepMedianMs: { ours: stepMedians('ours'), oursUntraced: stepMedians('oursUntraced'), bare: stepMedians('bare') },
            },
            samplesMs: Object.fromEntries(arms.map((a) => [a, samples[a].map((v) => Math.round(v))])),
            method:
              'same process, same warm Chromium (CHROMIUM_ARGS), a fresh context per run for every arm, sandbox on 127.0.0.1 reached through its DNS server (the journey) and a host-resolver rule (Chromium); rounds rotate the arm order',
          },
        },
      ];
    } finally {
      await provider.close();
      await sb.close();
    }
  },
};
