/**
 * The deployment on a simulated clock, for the detection and false-alarm figures. Every group
 * runs on its production schedule; each probe attempt's outcome comes from the scenario (a
 * result with the evidence a real probe would record); attempts go through lib/core/retry.ts, results
 * through lib/core/classify.ts and lib/core/records.ts, the nodes group's through the real release
 * check; the records reach "CloudWatch" when the run ends, and the production alarm policy is
 * evaluated by the local evaluator (CloudWatch semantics) once a minute, as CloudWatch evaluates
 * standard alarms. Nothing but the probes' I/O is made up.
 */
import { evaluatePolicy, RecentMetrics, type Evaluation } from '../lib/alarms/evaluator.ts';
import type { AlarmPolicy } from '../lib/alarms/policy.ts';
import { classify } from '../lib/core/classify.ts';
import type { Config } from '../lib/core/config.ts';
import { heartbeatRecord, maintenanceRecord, metricRecords, type MetricRecord } from '../lib/core/records.ts';
import type { ProbeGroup } from '../lib/core/contract.ts';
import type { Evidence, ProbeKind, ProbeResult } from '../lib/core/result.ts';
import { withRetry } from '../lib/core/retry.ts';
import { JOURNEY_STEPS } from '../lib/core/contract.ts';
import { checkRelease } from '../probes/release.ts';
import { journeyRecheckSeconds } from '../lib/core/recheck.ts';

export interface SimProbe {
  group: ProbeGroup;
  probe: string;
  kind: ProbeKind;
  /** The node or source it concerns. */
  name?: string;
}

/**
 * What an attempt of a probe sees: nothing wrong (null), the evidence of a failure, or (no
 * evidence) a pass with other observations.
 */
export type Outcome = (probe: SimProbe, at: number, attempt: number) => { evidence: Evidence[]; observations?: ProbeResult['observations'] } | null;

export interface SimulationOptions {
  config: Config;
  policy: AlarmPolicy;
  /** Epoch ms the simulation starts at. */
  startMs: number;
  endMs: number;
  /** Offset of each group's first run from `startMs` (EventBridge rates do not start on the minute). */
  phaseMs: Record<ProbeGroup, number>;
  /** Offset of the journey re-check schedule's first tick (a rule of its own, its own phase). Default 47 s. */
  recheckPhaseMs?: number;
  /** Called for every re-check tick: whether it ran the journey (the latest journey result failed) or returned at once. */
  onRecheck?: (ran: boolean, atMs: number) => void;
  outcome: Outcome;
  /** From this time on, nothing reaches CloudWatch (the monitor stopped, or cannot publish). */
  silentFromMs?: number;
  /** Called after every evaluation; return true to stop. */
  onEvaluation?: (evaluation: Evaluation, atMs: number) => boolean | void;
  /** Called after every group run with its tick time. */
  onRun?: (group: ProbeGroup, atMs: number) => void;
}

/** How long a run takes before its records reach CloudWatch: a journey is slow, HTTP probes are quick. */
export const RUN_DURATION_MS: Record<ProbeGroup, number> = { journey: 10_000, sync: 1_000, nodes: 1_000 };

/** Every probe the config deploys, by group (the release check is derived from the node results). */
export function simProbes(config: Config): SimProbe[] {
  return [
    ...(config.journey.enabled ? [{ group: 'journey' as const, probe: 'journey', kind: 'journey' as const }] : []),
    ...config.sync.map((s) => ({ group: 'sync' as const, probe: `sync:${s.source}`, kind: 'sync' as const, name: s.source })),
    { group: 'nodes' as const, probe: 'lb', kind: 'node' as const },
    ...config.target.nodes.map((n) => ({ group: 'nodes' as const, probe: `node:${n.name}`, kind: 'node' as const, name: n.name })),
  ];
}

/** The result a healthy probe returns. */
function healthy(p: SimProbe, config: Config, startedAt: string): ProbeResult {
  const base = { probe: p.probe, kind: p.kind, target: p.probe, ok: true, startedAt, attempts: 1, evidence: [], error: null, artifacts: [] };
  switch (p.kind) {
    case 'journey':
      return { ...base, durationMs: 2_000, steps: JOURNEY_STEPS.map((name) => ({ name, status: 'passed' as const, startedAt, durationMs: 400 })), observations: {} };
    case 'sync':
      return { ...base, durationMs: 100, steps: [{ name: 'status', status: 'passed', startedAt, durationMs: 100 }], observations: { source: p.name, syncState: 'ok', lagSeconds: 300 } };
    default:
      return {
        ...base,
        durationMs: 100,
        steps: [{ name: 'health', status: 'passed', startedAt, durationMs: 100 }],
        observations: p.name ? { node: p.name, version: config.target.expectedVersion ?? '2026.4.1', certDaysLeft: 60 } : { version: config.target.expectedVersion ?? '2026.4.1' },
      };
  }
}

async function runProbe(p: SimProbe, config: Config, at: number, outcome: Outcome): Promise<ProbeResult> {
  let attempt = 0;
  return withRetry(
    async () => {
      attempt += 1;
      const ok = healthy(p, config, new Date(at).toISOString());
      const failure = outcome(p, at, attempt);
      if (!failure) return ok;
      // No evidence: the probe passes but reports something else (a node on another version).
      if (!failure.evidence.length) return { ...ok, observations: { ...ok.observations, ...failure.observations } };
      const steps = ok.steps.map((s, i) => (i === 0 ? { ...s, status: 'failed' as const, error: 'failed' } : { ...s, status: 'skipped' as const, durationMs: 0 }));
      return { ...ok, ok: false, steps, evidence: failure.evidence, error: `${p.probe} failed`, observations: { ...ok.observations, ...failure.observations } };
    },
    { retries: config.retry.retries },
  );
}

type Tick = ProbeGroup | 'recheck';

/** Runs the simulation; returns the number of group runs it made (a re-check that ran the journey counts as a journey run). */
export async function simulate(o: SimulationOptions): Promise<number> {
  const { config, policy } = o;
  const probes = simProbes(config);
  const schedule: Record<ProbeGroup, number> = { journey: config.schedule.journeySeconds, sync: config.schedule.syncSeconds, nodes: config.schedule.nodesSeconds };
  const groups: Tick[] = (['journey', 'sync', 'nodes'] as const).filter((g) => probes.some((p) => p.group === g));
  const next: Record<Tick, number> = {
    journey: o.startMs + o.phaseMs.journey,
    sync: o.startMs + o.phaseMs.sync,
    nodes: o.startMs + o.phaseMs.nodes,
    recheck: o.startMs + (o.recheckPhaseMs ?? 47_000),
  };
  // The deployment's second journey schedule (cdk/journey-recheck.ts): every journeyRecheckSeconds, a journey only while the latest one failed.
  const recheckSeconds = journeyRecheckSeconds(config);
  if (recheckSeconds !== null) groups.push('recheck');
  let latestJourney: { availableAt: number; failed: boolean } | null = null;
  const recent = new RecentMetrics(policy);
  const pending: { availableAt: number; records: MetricRecord[] }[] = [];
  let evaluateAt = Math.ceil(o.startMs / 60_000) * 60_000;
  let runs = 0;
  const env = config.environment;
  const ns = config.aws.namespace;

  for (;;) {
    const group = groups.reduce((a, b) => (next[a] <= next[b] ? a : b));
    const at = Math.min(next[group], evaluateAt);
    if (at >= o.endMs) return runs;
    if (evaluateAt <= next[group]) {
      const due = pending.filter((p) => p.availableAt <= evaluateAt);
      for (const p of due) {
        recent.add(p.records, new Date(evaluateAt));
        pending.splice(pending.indexOf(p), 1);
      }
      const evaluation = evaluatePolicy(policy, recent.records, new Date(evaluateAt));
      if (o.onEvaluation?.(evaluation, evaluateAt)) return runs;
      evaluateAt += 60_000;
      continue;
    }
    const tick = next[group];
    next[group] += (group === 'recheck' ? recheckSeconds! : schedule[group]) * 1000;
    if (group === 'recheck') {
      // The handler reads the latest journey result (S3): only a finished, failed journey is re-checked.
      const ran = !!latestJourney && latestJourney.availableAt <= tick && latestJourney.failed;
      o.onRecheck?.(ran, tick);
      if (!ran) continue;
    }
    const run: ProbeGroup = group === 'recheck' ? 'journey' : group;
    runs += 1;
    o.onRun?.(run, tick);
    if (o.silentFromMs !== undefined && tick >= o.silentFromMs) continue;
    const results = await Promise.all(probes.filter((p) => p.group === run).map((p) => runProbe(p, config, tick, o.outcome)));
    if (run === 'journey') latestJourney = { availableAt: tick + RUN_DURATION_MS.journey, failed: results.some((r) => !r.ok) };
    if (run === 'nodes') results.push(checkRelease(results, config.target.expectedVersion, new Date(tick)));
    const stamp = new Date(tick).toISOString();
    const records = results.flatMap((r) => metricRecords(classify(r, config.owners), env, ns));
    records.push(heartbeatRecord(env, stamp, ns), maintenanceRecord(env, stamp, false, ns));
    pending.push({ availableAt: tick + RUN_DURATION_MS[run], records });
  }
}
