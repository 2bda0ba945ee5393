/**
 * What CloudWatch Synthetics and Checkly would charge for the same checks at the same pace, from
 * the same inputs as flp-monitor's own bill (model.ts).
 */
import { ASSUMPTIONS, DAYS_PER_MONTH, DEFAULT_DURATIONS_MS, GB } from './assumptions.ts';
import type { CostInputs } from './inputs.ts';
import { estimate, fmt, line, logLines, type CostLine, type Estimate } from './lines.ts';
import { PRICES, type PriceTable } from './prices.ts';

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
