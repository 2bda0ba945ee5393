/**
 * The cost model's inputs: the deployment as the CDK stack would build it from a config (each
 * probe group's function and schedule, metrics, alarms, topics, the journey's re-check), with
 * the durations and schedule overrides given. Pure.
 */
import { alarmPolicy } from '../../alarms/policy.ts';
import { allOwners, type Config } from '../../core/config.ts';
import { customMetricCount } from '../../core/metric-names.ts';
import { FAILURE_CLASSES } from '../../core/result.ts';
import { intervalSeconds, JOURNEY_STEPS, PROBE_GROUPS, type ProbeGroup } from '../../core/contract.ts';
import { journeyRecheckRateMinutes } from '../../core/recheck.ts';
import { ASSUMPTIONS, DEFAULT_DURATIONS_MS, MINUTES_PER_MONTH, NOTIFIER_ALARMS, RECHECK_SKIPPED_MS, type GroupDurations } from './assumptions.ts';
import { PRICE_REGION, type PriceTable } from './prices.ts';

export interface GroupPlan {
  group: ProbeGroup;
  /** The config's schedule for this group, in seconds. */
  scheduleSeconds: number;
  /** What EventBridge runs: whole minutes, at least 1 (as cdk/probe-functions.ts renders the rule). */
  rateMinutes: number;
  runsPerMonth: number;
  durationMs: number;
  memoryMb: number;
  architecture: 'x86_64' | 'arm64';
  /** Probe results per run (each logs a line; the nodes group adds the release check). */
  results: number;
  /** Checks per run as an API-check service counts them (one per endpoint, one per certified launch); 0 for the journey. */
  requests: number;
  /** HTTP requests one run sends (a certified launch is two). */
  httpRequests: number;
  /** Metric datums one run publishes (what PutMetricData carries). */
  datums: number;
}

export interface CostInputs {
  region: string;
  groups: GroupPlan[];
  /** Where the durations came from, per group. */
  durationSource: Record<ProbeGroup, string>;
  customMetrics: number;
  standardAlarms: number;
  compositeAlarms: number;
  dashboards: number;
  artifactsRetentionDays: number;
  /** SNS topics: one per owner (classes' owners and each LPS vendor) and on-call's. */
  topics: number;
  /** The LPS checks of the nodes group: one certified launch per profile, one statistics read per run. */
  lps: { profiles: number; statsChecks: number };
  /** The journey's re-check rule (cdk/journey-recheck.ts), when the stack has one. */
  recheck?: RecheckPlan | null;
}

/** Schedules in seconds that replace the config's, e.g. `{ journey: 60 }` for "what does every-minute cost". */
export type ScheduleOverrides = Partial<Record<ProbeGroup, number>>;

export interface CostOptions {
  durations?: Partial<GroupDurations>;
  durationSource?: Partial<Record<ProbeGroup, string>>;
  schedule?: ScheduleOverrides;
  prices?: PriceTable;
}

/** EventBridge's finest rate is one minute, in whole minutes. */
export function rateMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/** The deployment as the CDK stack would build it from `config`. */
export function costInputs(config: Config, options: CostOptions = {}): CostInputs {
  const schedule = Object.fromEntries(PROBE_GROUPS.map((g) => [g, options.schedule?.[g] ?? intervalSeconds(config, g)])) as Record<ProbeGroup, number>;
  const sources = config.sync.length;
  const nodes = config.target.nodes.length;
  const httpsNodes = config.target.nodes.filter((n) => n.url.startsWith('https:')).length;
  const profiles = config.lps.profiles.length;
  const statsChecks = profiles ? 1 : 0;
  // The LPS checks make a nodes run longer by a second request in sequence, unless measured (the launches' own DurationMillis is then in the median).
  const defaults = { ...DEFAULT_DURATIONS_MS, nodes: DEFAULT_DURATIONS_MS.nodes + (profiles ? ASSUMPTIONS.launchExtraMs : 0) };
  const durations = { ...defaults, ...options.durations };
  const durationSource = Object.fromEntries(PROBE_GROUPS.map((g) => [g, options.durationSource?.[g] ?? 'default'])) as Record<ProbeGroup, string>;
  // Per run: Success and DurationMillis per probe, plus the heartbeat and maintenance flag (lib/runtime/monitor.ts).
  // The LPS checks: Success and DurationMillis per certified launch; Success, LaunchRejectedPercent and LaunchStatsUnknown per system.
  const perRun = { journey: 2 + JOURNEY_STEPS.length + 2, sync: 3 * sources + 2, nodes: 2 * (nodes + 2) + httpsNodes + 2 + 5 * profiles };
  const plan = (group: ProbeGroup, memoryMb: number, architecture: GroupPlan['architecture'], results: number, requests: number, httpRequests = requests): GroupPlan => {
    const rate = rateMinutes(schedule[group]);
    return {
      group,
      scheduleSeconds: schedule[group],
      rateMinutes: rate,
      runsPerMonth: MINUTES_PER_MONTH / rate,
      durationMs: durations[group],
      memoryMb,
      architecture,
      results,
      requests,
      httpRequests,
      datums: perRun[group],
    };
  };
  const groups: GroupPlan[] = [];
  // As cdk/probe-functions.ts builds them: the Lambda Chromium is x86_64, the HTTP probes run on Graviton.
  if (config.journey.enabled) groups.push(plan('journey', config.aws.journeyMemoryMb, 'x86_64', 1, 0));
  if (sources > 0) groups.push(plan('sync', config.aws.httpMemoryMb, 'arm64', sources, sources));
  // Results: the servers', the release check, a launch and a judgement per profile. Requests: a launch is two, the statistics one.
  groups.push(plan('nodes', config.aws.httpMemoryMb, 'arm64', nodes + 2 + 2 * profiles, nodes + 1 + profiles + statsChecks, nodes + 1 + 2 * profiles + statsChecks));

  const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
  // CloudWatch takes one suppressor per composite: a set of several root causes is one more composite (cdk/alarms.ts).
  const suppressorSets = new Set(policy.composites.map((c) => [...new Set(c.suppressedBy)].sort().join(',')).filter((k) => k.includes(',')));
  return {
    region: PRICE_REGION,
    groups,
    durationSource,
    customMetrics: customMetricCount({
      journeyEnabled: config.journey.enabled,
      steps: JOURNEY_STEPS.length,
      nodes,
      httpsNodes,
      sources,
      classes: FAILURE_CLASSES.length,
      channels: config.notify.channels.length,
      profiles,
    }),
    standardAlarms: policy.alarms.length + NOTIFIER_ALARMS,
    compositeAlarms: policy.composites.length + suppressorSets.size,
    dashboards: 1,
    artifactsRetentionDays: config.aws.artifactsRetentionDays,
    topics: allOwners(config).length + 1,
    lps: { profiles, statsChecks },
    recheck: recheckPlan(config, schedule.journey, groups.find((g) => g.group === 'journey')),
  };
}

/** The journey function's re-check invocations (lib/core/recheck.ts, cdk/journey-recheck.ts). */
export interface RecheckPlan {
  rateMinutes: number;
  invocationsPerMonth: number;
  /** Share of re-checks that find the latest journey failing and run it (the journey's failure rate). */
  ranShare: number;
  /** Billed duration of one that runs: a journey's. */
  ranMs: number;
  /** Billed duration of one that returns at once: the config, one S3 GET, no browser (a cold one: a Node start without Chromium). */
  skippedMs: number;
  memoryMb: number;
}

function recheckPlan(config: Config, journeySeconds: number, journey: GroupPlan | undefined): RecheckPlan | null {
  const rate = journey ? journeyRecheckRateMinutes({ journey: config.journey, schedule: { ...config.schedule, journeySeconds } }) : null;
  if (!journey || rate === null) return null;
  return {
    rateMinutes: rate,
    invocationsPerMonth: MINUTES_PER_MONTH / rate,
    ranShare: ASSUMPTIONS.journeyFailureRate,
    ranMs: journey.durationMs,
    skippedMs: RECHECK_SKIPPED_MS,
    memoryMb: journey.memoryMb,
  };
}
