/**
 * The monthly cost of a deployment: what the CDK stack runs for a config (a Lambda per probe
 * group on an EventBridge schedule, metrics, alarms and composites from the alarm policy, a
 * dashboard, logs, failure artifacts in S3), priced with lib/reports/cost/prices.ts; and, beside it,
 * what CloudWatch Synthetics and Checkly would charge for the same checks at the same pace.
 *
 * Pure: the inputs (durations, schedule overrides) come in, nothing is read here.
 */
import { alarmPolicy } from '../../alarms/policy.ts';
import { allOwners, type Config } from '../../core/config.ts';
import { customMetricCount } from '../../core/metric-names.ts';
import { FAILURE_CLASSES } from '../../core/result.ts';
import { intervalSeconds, JOURNEY_STEPS, PROBE_GROUPS, type ProbeGroup } from '../../core/contract.ts';
import { HOURS_PER_MONTH, PRICES, PRICE_REGION, type PriceKey, type PriceTable } from './prices.ts';
import { journeyRecheckRateMinutes } from '../../core/recheck.ts';


/** Billed milliseconds of one invocation of each group's function. */
export type GroupDurations = Record<ProbeGroup, number>;

/**
 * Billed duration of one invocation when nothing was measured. The journey function launches
 * Chromium for every run (the Lambda Chromium is single-process, one browser per attempt) and
 * runs five steps against a real FLP; the HTTP functions ask a handful of endpoints at once and
 * publish.
 */
export const DEFAULT_DURATIONS_MS: GroupDurations = { journey: 10_000, sync: 1_500, nodes: 1_500 };

/** What a Lambda invocation adds to the probes' own time as the local store records it (browser launch, publishing, logging). */
export const INVOCATION_OVERHEAD_MS: GroupDurations = { journey: 3_000, sync: 500, nodes: 500 };

/** The journey function's /tmp (cdk/probe-functions.ts sets 1024 MB: Chromium unpacks there). */
export const JOURNEY_EPHEMERAL_MB = 1024;

/**
 * Assumptions the model makes where nothing is measured. Each one is printed with the estimate.
 */
export const ASSUMPTIONS = {
  /** Share of journey runs that fail and keep a screenshot and a trace in S3. */
  journeyFailureRate: 0.02,
  /** A failed journey's screenshot plus trace.zip. */
  artifactBytes: 2.5 * 1024 * 1024,
  /** Lambda's START, END and REPORT lines per invocation. */
  platformLogBytes: 350,
  /** One JSON result line per probe result. */
  resultLogBytes: 450,
  /** CloudWatch Synthetics: what one canary run keeps in S3 (screenshots, HAR, log, report), browser and API canaries. */
  canaryArtifactBytes: { browser: 400 * 1024, api: 12 * 1024 },
  /** CloudWatch Synthetics: S3 PUTs per run (one per artifact). */
  canaryPuts: { browser: 5, api: 3 },
  /** CloudWatch Synthetics keeps the artifacts of successful and failed runs 31 days by default. */
  canaryRetentionDays: 31,
  /** CloudWatch Synthetics canary memory (its own Lambda function). */
  canaryMemoryMb: 1000,
  /** Paging composite state changes a month (a trigger and a resolve each): what the notifier runs for. */
  pageChangesPerMonth: 60,
  /** One notifier run: three latest-results documents read, links signed, SNS and the channels. */
  notifierDurationMs: 1_000,
  /**
   * What the LPS checks add to a nodes run when nothing was measured: a certified launch is two
   * requests one after the other (the launch, then the page its redirect names), beside the
   * servers' probes; the statistics are one more request at the same time.
   */
  launchExtraMs: 500,
  /** Topics one page is published to: the owner's, on-call's, and for an LPS vendor's page KiAP's too (an upper bound). */
  topicsPerPage: 3,
} as const;

/** The notifier's function (cdk/notifier.ts): arm64, this much memory. */
export const NOTIFIER_MEMORY_MB = 256;
/** The notifier's own alarms (cdk/notifier.ts): its errors and its dead-letter queue, both paging on-call directly. */
export const NOTIFIER_ALARMS = 2;

const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const GB = 1024 * 1024 * 1024;

export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  usd: number;
  price?: PriceKey;
}

export interface Estimate {
  totalUsd: number;
  lines: CostLine[];
}

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

export interface CostReport {
  inputs: CostInputs;
  flpMonitor: Estimate;
  cloudWatchSynthetics: Estimate;
  checkly: Estimate;
  /** flp-monitor's total as a share of CloudWatch Synthetics' for the same checks. */
  ratioToSynthetics: number;
  assumptions: string[];
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

function estimate(lines: CostLine[]): Estimate {
  const rounded = lines.map((l) => ({ ...l, usd: Math.round(l.usd * 10_000) / 10_000 }));
  return { totalUsd: Math.round(lines.reduce((n, l) => n + l.usd, 0) * 100) / 100, lines: rounded };
}

/** A line priced at `key`: quantity × unit price. */
function line(prices: PriceTable, service: string, item: string, quantity: number, key: PriceKey): CostLine {
  const p = prices[key];
  return { service, item, quantity: Math.round(quantity * 1000) / 1000, unit: p.unit, usd: quantity * p.usd, price: key };
}

/** flp-monitor's own monthly bill. */
export function flpMonitorCost(inputs: CostInputs, prices: PriceTable = PRICES): Estimate {
  const lines: CostLine[] = [];
  let logBytes = 0;
  for (const g of inputs.groups) {
    const gbSeconds = g.runsPerMonth * (g.durationMs / 1000) * (g.memoryMb / 1024);
    const sent = g.group === 'nodes' && inputs.lps.profiles ? `, ${g.httpRequests} requests a run, the LPS checks' ${2 * inputs.lps.profiles + inputs.lps.statsChecks} among them` : '';
    lines.push(line(prices, 'Lambda', `${g.group}: ${fmt(g.runsPerMonth)} runs (every ${g.rateMinutes} min${sent})`, g.runsPerMonth, 'lambdaRequest'));
    lines.push(
      line(prices, 'Lambda', `${g.group}: ${g.durationMs} ms × ${g.memoryMb} MB ${g.architecture}`, gbSeconds, g.architecture === 'x86_64' ? 'lambdaX86GbSecond' : 'lambdaArmGbSecond'),
    );
    if (g.group === 'journey') {
      const storageGbSeconds = g.runsPerMonth * (g.durationMs / 1000) * ((JOURNEY_EPHEMERAL_MB - 512) / 1024);
      lines.push(line(prices, 'Lambda', `journey: ${JOURNEY_EPHEMERAL_MB} MB /tmp for Chromium`, storageGbSeconds, 'lambdaEphemeralGbSecond'));
    }
    lines.push(line(prices, 'EventBridge', `${g.group}: scheduled rule invocations`, g.runsPerMonth, 'scheduledEvent'));
    // One PutMetricData call per run: a run's datums are far below the 1,000 a call takes.
    lines.push(line(prices, 'CloudWatch', `${g.group}: PutMetricData (${g.datums} datums a run)`, g.runsPerMonth * Math.ceil(g.datums / 1000), 'apiRequest'));
    logBytes += g.runsPerMonth * (ASSUMPTIONS.platformLogBytes + g.results * ASSUMPTIONS.resultLogBytes);
  }
  if (inputs.recheck) lines.push(...recheckLines(prices, inputs.recheck));
  const runs = inputs.groups.reduce((n, g) => n + g.runsPerMonth, 0);
  lines.push(line(prices, 'S3', `latest results for the notifier: one PUT per run (${fmt(runs)} runs)`, runs, 's3Put'));
  lines.push(line(prices, 'S3', `maintenance windows read: one GET per run (${fmt(runs)} runs)`, runs, 's3Get'));
  const pages = ASSUMPTIONS.pageChangesPerMonth;
  lines.push(line(prices, 'Lambda', `notifier: ~${pages} page state changes`, pages, 'lambdaRequest'));
  lines.push(line(prices, 'Lambda', `notifier: ${ASSUMPTIONS.notifierDurationMs} ms × ${NOTIFIER_MEMORY_MB} MB arm64`, pages * (ASSUMPTIONS.notifierDurationMs / 1000) * (NOTIFIER_MEMORY_MB / 1024), 'lambdaArmGbSecond'));
  lines.push(line(prices, 'S3', 'notifier: latest results read (3 GETs a page)', pages * 3, 's3Get'));
  lines.push(line(prices, 'CloudWatch', 'custom metrics (customMetricCount, an upper bound)', inputs.customMetrics, 'metricMonth'));
  lines.push(line(prices, 'CloudWatch', 'standard alarms (alarm policy, and the notifier\'s two)', inputs.standardAlarms, 'standardAlarmMonth'));
  lines.push(line(prices, 'CloudWatch', 'composite alarms (pages, suppressors)', inputs.compositeAlarms, 'compositeAlarmMonth'));
  lines.push(line(prices, 'CloudWatch', 'dashboard', inputs.dashboards, 'dashboardMonth'));
  lines.push(line(prices, 'SNS', `${inputs.topics} topics: one per owner (each LPS vendor's among them) and on-call's`, inputs.topics, 'snsTopicMonth'));
  lines.push(line(prices, 'SNS', `pages published: ~${pages} state changes × up to ${ASSUMPTIONS.topicsPerPage} topics`, pages * ASSUMPTIONS.topicsPerPage, 'snsPublish'));
  lines.push(...logLines(prices, logBytes, inputs.artifactsRetentionDays));
  const journey = inputs.groups.find((g) => g.group === 'journey');
  if (journey) {
    const failed = journey.runsPerMonth * ASSUMPTIONS.journeyFailureRate;
    // Steady state: the retention window's worth of artifacts is stored at any time.
    const storedGb = (failed * ASSUMPTIONS.artifactBytes * (inputs.artifactsRetentionDays / DAYS_PER_MONTH)) / GB;
    lines.push(line(prices, 'S3', `failure artifacts: ${fmt(failed)} failed journeys × 2 PUTs`, failed * 2, 's3Put'));
    lines.push(line(prices, 'S3', `failure artifacts stored (${inputs.artifactsRetentionDays} days)`, storedGb, 's3StandardGbMonth'));
  }
  return estimate(lines);
}

function logLines(prices: PriceTable, bytesPerMonth: number, retentionDays: number): CostLine[] {
  const gb = bytesPerMonth / GB;
  // Steady state: the retention window's worth of logs is stored at any time.
  return [
    line(prices, 'CloudWatch Logs', 'result and platform lines ingested', gb, 'logsIngestGb'),
    line(prices, 'CloudWatch Logs', `stored (${retentionDays} days)`, gb * (retentionDays / DAYS_PER_MONTH), 'logsStorageGbMonth'),
  ];
}

/**
 * CloudWatch Synthetics for the same checks at the same pace, as cheaply as it can be built: one
 * canary per probe group (a browser canary for the journey, an API canary per HTTP group making
 * all of the group's requests in one run), its own Lambda per run, its artifacts in S3 for every
 * run, and one alarm per canary. Its own metrics (SuccessPercent, Duration) cost nothing extra.
 */
export function syntheticsCost(inputs: CostInputs, prices: PriceTable = PRICES): Estimate {
  const lines: CostLine[] = [];
  let logBytes = 0;
  for (const g of inputs.groups) {
    const browser = g.group === 'journey';
    lines.push(line(prices, 'Synthetics', `${g.group} canary: ${fmt(g.runsPerMonth)} runs`, g.runsPerMonth, 'canaryRun'));
    const gbSeconds = g.runsPerMonth * (g.durationMs / 1000) * (ASSUMPTIONS.canaryMemoryMb / 1024);
    lines.push(line(prices, 'Lambda', `${g.group} canary: ${g.durationMs} ms × ${ASSUMPTIONS.canaryMemoryMb} MB x86_64`, gbSeconds, 'lambdaX86GbSecond'));
    lines.push(line(prices, 'Lambda', `${g.group} canary: invocations`, g.runsPerMonth, 'lambdaRequest'));
    const kind = browser ? 'browser' : 'api';
    lines.push(line(prices, 'S3', `${g.group} canary: artifacts of every run (PUTs)`, g.runsPerMonth * ASSUMPTIONS.canaryPuts[kind], 's3Put'));
    const storedGb = (g.runsPerMonth * ASSUMPTIONS.canaryArtifactBytes[kind] * (ASSUMPTIONS.canaryRetentionDays / DAYS_PER_MONTH)) / GB;
    lines.push(line(prices, 'S3', `${g.group} canary: artifacts stored (${ASSUMPTIONS.canaryRetentionDays} days)`, storedGb, 's3StandardGbMonth'));
    logBytes += g.runsPerMonth * (ASSUMPTIONS.platformLogBytes + g.results * ASSUMPTIONS.resultLogBytes);
  }
  // The LPS checks as canaries of their own at the nodes pace, as a vendor's check would be built
  // there: a canary's success is what Synthetics alarms on, so a page of its own for each vendor
  // takes a canary of its own, one API canary per profile (its certified launch, and its system's
  // line of the launch statistics), with its alarm.
  const nodes = inputs.groups.find((g) => g.group === 'nodes');
  const lpsCanaries = nodes ? inputs.lps.profiles : 0;
  if (nodes && lpsCanaries) {
    const runs = nodes.runsPerMonth * lpsCanaries;
    const what = `LPS canaries (one per profile: its certified launch and its launch statistics)`;
    lines.push(line(prices, 'Synthetics', `${what}: ${fmt(runs)} runs (every ${nodes.rateMinutes} min)`, runs, 'canaryRun'));
    const gbSeconds = runs * (DEFAULT_DURATIONS_MS.nodes / 1000) * (ASSUMPTIONS.canaryMemoryMb / 1024);
    lines.push(line(prices, 'Lambda', `${what}: ${DEFAULT_DURATIONS_MS.nodes} ms × ${ASSUMPTIONS.canaryMemoryMb} MB x86_64`, gbSeconds, 'lambdaX86GbSecond'));
    lines.push(line(prices, 'Lambda', `${what}: invocations`, runs, 'lambdaRequest'));
    lines.push(line(prices, 'S3', `${what}: artifacts of every run (PUTs)`, runs * ASSUMPTIONS.canaryPuts.api, 's3Put'));
    const storedGb = (runs * ASSUMPTIONS.canaryArtifactBytes.api * (ASSUMPTIONS.canaryRetentionDays / DAYS_PER_MONTH)) / GB;
    lines.push(line(prices, 'S3', `${what}: artifacts stored (${ASSUMPTIONS.canaryRetentionDays} days)`, storedGb, 's3StandardGbMonth'));
    logBytes += runs * (ASSUMPTIONS.platformLogBytes + ASSUMPTIONS.resultLogBytes);
  }
  lines.push(line(prices, 'CloudWatch', 'one alarm per canary', inputs.groups.length + lpsCanaries, 'standardAlarmMonth'));
  lines.push(...logLines(prices, logBytes, inputs.artifactsRetentionDays));
  return estimate(lines);
}

/** Checkly for the same checks from one location: a browser check for the journey, an API check per endpoint. */
export function checklyCost(inputs: CostInputs, prices: PriceTable = PRICES): Estimate {
  const lines: CostLine[] = [];
  for (const g of inputs.groups) {
    if (g.group === 'journey') lines.push(line(prices, 'Checkly', `journey browser check: ${fmt(g.runsPerMonth)} runs`, g.runsPerMonth, 'checklyBrowserRun'));
    else lines.push(line(prices, 'Checkly', `${g.group}: ${g.requests} API checks × ${fmt(g.runsPerMonth)} runs`, g.requests * g.runsPerMonth, 'checklyApiRun'));
  }
  return estimate(lines);
}

export function costReport(config: Config, options: CostOptions = {}): CostReport {
  const prices = options.prices ?? PRICES;
  const inputs = costInputs(config, options);
  const flpMonitor = flpMonitorCost(inputs, prices);
  const cloudWatchSynthetics = syntheticsCost(inputs, prices);
  const checkly = checklyCost(inputs, prices);
  return {
    inputs,
    flpMonitor,
    cloudWatchSynthetics,
    checkly,
    ratioToSynthetics: cloudWatchSynthetics.totalUsd > 0 ? Math.round((flpMonitor.totalUsd / cloudWatchSynthetics.totalUsd) * 1000) / 1000 : Number.NaN,
    assumptions: [
      `list prices for ${inputs.region} as of the dates in lib/reports/cost/prices.ts, without free tiers, discounts or tax; a month is ${HOURS_PER_MONTH} hours`,
      `durations per invocation: ${PROBE_GROUPS.filter((g) => inputs.groups.some((p) => p.group === g))
        .map((g) => `${g} ${inputs.groups.find((p) => p.group === g)!.durationMs} ms (${inputs.durationSource[g]})`)
        .join(', ')}`,
      `${Math.round(ASSUMPTIONS.journeyFailureRate * 100)} % of journey runs fail and keep ${fmtBytes(ASSUMPTIONS.artifactBytes)} of screenshot and trace; retries of failed runs are not counted`,
      'custom metrics counted at their upper bound: a FailureCount per class is billed only in hours a failure of that class happens',
      `CloudWatch Synthetics: one canary per probe group at the same pace, ${ASSUMPTIONS.canaryMemoryMb} MB, the same durations, artifacts of every run kept ${ASSUMPTIONS.canaryRetentionDays} days, one alarm per canary`,
      ...(inputs.lps.profiles
        ? [
            `LPS checks: a nodes run sends ${2 * inputs.lps.profiles + inputs.lps.statsChecks} more requests (a certified launch is two, per profile; the statistics one), ${inputs.durationSource.nodes === 'default' ? `+${ASSUMPTIONS.launchExtraMs} ms a run` : 'measured'}; CloudWatch Synthetics runs each profile's launch and its statistics as an API canary of its own at the nodes pace (a page per vendor takes a canary per vendor)`,
          ]
        : []),
      'Checkly: per-run base prices of its prepaid bundles, one location, no retries; the plan fee is not included (it would only add)',
      `EventBridge scheduled rules are free; SNS topics have no monthly fee, their publishes (~${ASSUMPTIONS.pageChangesPerMonth} pages × ${ASSUMPTIONS.topicsPerPage} topics) are counted, e-mail deliveries not`,
      ...(inputs.recheck
        ? [
            `journey re-check every ${inputs.recheck.rateMinutes} min: ${Math.round(inputs.recheck.ranShare * 100)} % of them find the latest journey failing and run it (a journey's duration); the rest read it and return (${inputs.recheck.skippedMs} ms, no browser); CloudWatch Synthetics has no conditional re-run and is priced at the journey's own pace`,
          ]
        : []),
      ...inputs.groups
        .filter((g) => g.rateMinutes * 60 !== g.scheduleSeconds)
        .map((g) => `schedule: the ${g.group} probes are configured every ${g.scheduleSeconds} s; EventBridge runs them every ${g.rateMinutes} min (whole minutes, at least 1)`),
    ],
  };
}

/** Totals for the journey at several paces, the rest as configured: "what does every-minute cost". */
export function journeyPaceTable(config: Config, paces: readonly number[], options: CostOptions = {}): { journeySeconds: number; flpMonitorUsd: number; syntheticsUsd: number; checklyUsd: number }[] {
  return paces.map((journeySeconds) => {
    const r = costReport(config, { ...options, schedule: { ...options.schedule, journey: journeySeconds } });
    return { journeySeconds, flpMonitorUsd: r.flpMonitor.totalUsd, syntheticsUsd: r.cloudWatchSynthetics.totalUsd, checklyUsd: r.checkly.totalUsd };
  });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
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

/** A re-check that finds the journey passing: it reads one document and returns. */
export const RECHECK_SKIPPED_MS = 250;

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

/** What the re-checks cost: every one an invocation and a GET of the latest journey; those that run, a journey each (its metrics, latest results, windows read, log line). */
function recheckLines(prices: PriceTable, r: RecheckPlan): CostLine[] {
  const ran = r.invocationsPerMonth * r.ranShare;
  const skipped = r.invocationsPerMonth - ran;
  const seconds = (ran * r.ranMs + skipped * r.skippedMs) / 1000;
  const logBytes = skipped * (ASSUMPTIONS.platformLogBytes + 200) + ran * (ASSUMPTIONS.platformLogBytes + 200 + ASSUMPTIONS.resultLogBytes);
  return [
    line(prices, 'Lambda', `journey re-check: ${fmt(r.invocationsPerMonth)} invocations (every ${r.rateMinutes} min)`, r.invocationsPerMonth, 'lambdaRequest'),
    line(prices, 'Lambda', `journey re-check: ${fmt(skipped)} skipped × ${r.skippedMs} ms, ${fmt(ran)} run × ${r.ranMs} ms, ${r.memoryMb} MB x86_64`, seconds * (r.memoryMb / 1024), 'lambdaX86GbSecond'),
    line(prices, 'Lambda', `journey re-check: ${JOURNEY_EPHEMERAL_MB} MB /tmp`, seconds * ((JOURNEY_EPHEMERAL_MB - 512) / 1024), 'lambdaEphemeralGbSecond'),
    line(prices, 'S3', 'journey re-check: the latest journey read (one GET each)', r.invocationsPerMonth, 's3Get'),
    line(prices, 'S3', 'journey re-check that ran: latest results written', ran, 's3Put'),
    line(prices, 'S3', 'journey re-check that ran: windows read', ran, 's3Get'),
    line(prices, 'CloudWatch', 'journey re-check that ran: PutMetricData', ran, 'apiRequest'),
    line(prices, 'CloudWatch Logs', 'journey re-check: lines ingested', logBytes / GB, 'logsIngestGb'),
  ];
}
