/**
 * The monthly cost of a deployment: what the CDK stack runs for a config (a Lambda per probe
 * group on an EventBridge schedule, metrics, alarms and composites from the alarm policy, a
 * dashboard, logs, failure artifacts in S3), priced with lib/reports/cost/prices.ts; and, beside it,
 * what CloudWatch Synthetics and Checkly would charge for the same checks at the same pace.
 *
 * Pure: the inputs (durations, schedule overrides) come in, nothing is read here.
 */
import type { Config } from '../../core/config.ts';
import { PROBE_GROUPS } from '../../core/contract.ts';
import { ASSUMPTIONS, DAYS_PER_MONTH, GB, JOURNEY_EPHEMERAL_MB, NOTIFIER_MEMORY_MB } from './assumptions.ts';
import { costInputs, type CostInputs, type CostOptions, type RecheckPlan } from './inputs.ts';
import { estimate, fmt, fmtBytes, line, logLines, type CostLine, type Estimate } from './lines.ts';
import { checklyCost, syntheticsCost } from './peers.ts';
import { HOURS_PER_MONTH, PRICES, type PriceTable } from './prices.ts';

export {
  ASSUMPTIONS,
  DEFAULT_DURATIONS_MS,
  INVOCATION_OVERHEAD_MS,
  JOURNEY_EPHEMERAL_MB,
  NOTIFIER_ALARMS,
  NOTIFIER_MEMORY_MB,
  RECHECK_SKIPPED_MS,
  type GroupDurations,
} from './assumptions.ts';
export { costInputs, rateMinutes, type CostInputs, type CostOptions, type GroupPlan, type RecheckPlan, type ScheduleOverrides } from './inputs.ts';
export type { CostLine, Estimate } from './lines.ts';
export { checklyCost, syntheticsCost } from './peers.ts';

export interface CostReport {
  inputs: CostInputs;
  flpMonitor: Estimate;
  cloudWatchSynthetics: Estimate;
  checkly: Estimate;
  /** flp-monitor's total as a share of CloudWatch Synthetics' for the same checks. */
  ratioToSynthetics: number;
  assumptions: string[];
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
