/**
 * `journeyOverheadRatio`: what the monitor adds to the journey it times. flp-monitor's healthy
 * path (`probeJourneyRetried` as the monitor runs it: warm browser, a fresh context per run, the
 * first attempt untraced; a pass needs no retry) against the bare Playwright script of
 * bench/bare-journey.ts doing the same five steps, in the same browser process, against the same
 * sandbox. Runs alternate (the order flips every round, so neither arm always runs on a browser
 * that has just done the same work), after a warm-up of both; the figure is the median of the
 * per-round ratios. Two profile arms say what a trace costs: the journey traced as its retry of
 * a failure runs it (`probeJourney` with `trace: true`), and the bare script recording the same
 * trace.
 */
import { performance } from 'node:perf_hooks';
import { BrowserProvider } from '../lib/adapters/browser.ts';
import { probeJourney, probeJourneyRetried } from '../probes/journey/forloebsplan.ts';
import { JOURNEY_STEPS } from '../lib/core/contract.ts';
import { bareJourney, type StepTimes } from './bare-journey.ts';
import { benchJourneyContext, median, quantile, round, sandboxHostRules, startBenchSandbox, timedHealthy, type BenchModule, type Figure, type Reruns } from './support.ts';

export const GOAL = 1.1;

type Arm = 'ours' | 'bare' | 'oursTraced' | 'bareTraced' | 'bareScreenshotsOnly' | 'bareSnapshotsOnly';

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
      // Per-step times of the journey arms and the bare script: where the difference is spent.
      const steps: Record<'ours' | 'oursTraced' | 'bare', StepTimes[]> = { ours: [], oursTraced: [], bare: [] };
      let recording = false;
      const reruns: Reruns = { count: 0, errors: [] };
      const once = async (arm: Arm): Promise<number> => {
        if (arm === 'ours' || arm === 'oursTraced') {
          return timedHealthy(`the ${arm} journey`, reruns, async () => {
            const t0 = performance.now();
            // With the default `retry.retries` (1), whose first attempt is untraced; no time for a retry
            // (maxRetryTimeMs 0): a journey failing against the healthy sandbox (a starved CPU) is run
            // again by timedHealthy and counted, rather than timed with its retry.
            const r = arm === 'ours' ? await probeJourneyRetried(sb.config, ctx, { retries: 1, maxRetryTimeMs: 0 }) : await probeJourney(sb.config, ctx, { trace: true });
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
      const arms: Arm[] = ['ours', 'bare', 'oursTraced', 'bareTraced', ...(profile ? (['bareScreenshotsOnly', 'bareSnapshotsOnly'] as const) : [])];
      for (let i = 0; i < warmup; i++) for (const arm of arms) await once(arm);
      const samples: Record<Arm, number[]> = { ours: [], bare: [], oursTraced: [], bareTraced: [], bareScreenshotsOnly: [], bareSnapshotsOnly: [] };
      recording = true;
      const ratios: number[] = [];
      const tracedRatios: number[] = [];
      const traceRatios: number[] = [];
      for (let i = 0; i < rounds; i++) {
        // Rotate the order every round: each arm runs first, second and third equally often.
        const order = arms.map((_, k) => arms[(k + i) % arms.length]!);
        const t: Partial<Record<Arm, number>> = {};
        for (const arm of order) t[arm] = await once(arm);
        for (const arm of arms) samples[arm].push(t[arm]!);
        ratios.push(t.ours! / t.bare!);
        tracedRatios.push(t.oursTraced! / t.bare!);
        traceRatios.push(t.bareTraced! / t.bare!);
        log(`journey-overhead round ${i + 1}/${rounds}: ${order.map((arm) => `${arm} ${Math.round(t[arm]!)} ms`).join(', ')}`);
      }
      const ratio = median(ratios);
      const ms = (arm: Arm) => round(median(samples[arm]), 1);
      const stepMedians = (arm: 'ours' | 'oursTraced' | 'bare') => {
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
              // The journey traced as the retry of a failure runs it, against the bare script.
              tracedRatio: round(median(tracedRatios), 3),
              // The bare script recording the journey's trace (screenshots and snapshots), against itself without.
              traceCostRatio: round(median(traceRatios), 3),
              ...(profile
                ? {
                    screenshotsOnlyCostRatio: round(median(samples.bareScreenshotsOnly.map((v, k) => v / samples.bare[k]!)), 3),
                    snapshotsOnlyCostRatio: round(median(samples.bareSnapshotsOnly.map((v, k) => v / samples.bare[k]!)), 3),
                  }
                : {}),
              // Per step, and outside the steps (context, page, listeners, trace start and stop): where the difference is spent.
              stepMedianMs: { ours: stepMedians('ours'), oursTraced: stepMedians('oursTraced'), bare: stepMedians('bare') },
            },
            samplesMs: Object.fromEntries(arms.map((a) => [a, samples[a].map((v) => Math.round(v))])),
            method:
              'ours: probeJourneyRetried as the monitor runs it (untraced first attempt; healthy, so no retry); same process, same warm Chromium (CHROMIUM_ARGS), a fresh context per run for every arm, sandbox on 127.0.0.1 reached through its DNS server (the journey) and a host-resolver rule (Chromium); rounds rotate the arm order',
          },
        },
      ];
    } finally {
      await provider.close();
      await sb.close();
    }
  },
};
