/**
 * `flp-monitor cost`: what the configured deployment costs a month in AWS, beside what
 * CloudWatch Synthetics and Checkly would charge for the same checks, and what the journey
 * costs at other paces ("what does every-minute cost"). Durations come from the local store
 * when it has enough runs, otherwise from documented defaults.
 */
import { loadConfig } from '../core/config.ts';
import { durationsFromRecords } from '../reports/cost/durations.ts';
import { PROBE_GROUPS, type ProbeGroup } from '../core/contract.ts';
import { costReport, journeyPaceTable, type CostLine, type CostOptions, type ScheduleOverrides } from '../reports/cost/model.ts';
import { PRICES, PRICE_REGION } from '../reports/cost/prices.ts';
import { LocalStore } from '../adapters/local-store.ts';
import type { MetricRecord } from '../core/records.ts';
import { UsageError } from './errors.ts';
import { renderTable } from './output.ts';
import type { Io } from './io.ts';

export interface CostCommandOptions {
  config: string;
  json?: boolean;
  journeyEvery?: string;
  syncEvery?: string;
  nodesEvery?: string;
  /** Ignore the local store: price with the default durations. */
  store?: boolean;
}

/** The journey paces of the "what does every-minute cost" table, in seconds. */
export const JOURNEY_PACES = [60, 300, 900] as const;

/** Days of the local store the durations are taken from. */
export const DURATION_DAYS = 7;

const UNIT_S = { s: 1, m: 60, h: 3600 } as const;

/** `30s`, `1m`, `5m`, `1h` in seconds. Throws UsageError naming the flag. */
export function parseEvery(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smh])\s*$/.exec(text);
  const s = m ? Number(m[1]) * UNIT_S[m[2] as keyof typeof UNIT_S] : Number.NaN;
  if (!m || !(s >= 1)) throw new UsageError(`${flag} must be a time such as 1m, 5m or 1h, not "${text}"`);
  return Math.round(s);
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const every = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

export async function costCommand(opts: CostCommandOptions, io: Io): Promise<number> {
  const schedule: ScheduleOverrides = {};
  if (opts.journeyEvery !== undefined) schedule.journey = parseEvery('--journey-every', opts.journeyEvery);
  if (opts.syncEvery !== undefined) schedule.sync = parseEvery('--sync-every', opts.syncEvery);
  if (opts.nodesEvery !== undefined) schedule.nodes = parseEvery('--nodes-every', opts.nodesEvery);
  const config = await loadConfig(opts.config);

  const options: CostOptions = { schedule };
  let skipped = 0;
  if (opts.store !== false) {
    const from = new Date(Date.now() - DURATION_DAYS * 86_400_000);
    const read = await new LocalStore(config.store.dir).read({ from });
    skipped = read.skipped.length;
    const measured = durationsFromRecords(
      read.records.filter((r): r is MetricRecord => r.type === 'metric'),
      config.environment,
    );
    options.durations = measured.durations;
    options.durationSource = measured.source;
  }
  const report = costReport(config, options);
  const paces = journeyPaceTable(config, config.journey.enabled ? JOURNEY_PACES : [], options);

  if (opts.json) {
    io.out(`${JSON.stringify({ ...report, journeyPaces: paces, prices: PRICES }, null, 2)}\n`);
    return 0;
  }

  const out: string[] = [];
  out.push(`Monthly cost of ${config.environment} in ${PRICE_REGION} (USD, list prices, no free tier)\n`);
  out.push(
    renderTable(report.flpMonitor.lines.filter((l) => l.usd > 0 || l.service === 'EventBridge' || l.price === 'snsTopicMonth'), [
      { header: 'service', value: (l: CostLine) => l.service },
      { header: 'item', value: (l) => l.item },
      { header: 'quantity', value: (l) => `${l.quantity.toLocaleString('en-US')} ${l.unit}`, max: 48 },
      { header: 'usd', value: (l) => (l.usd === 0 ? 'free' : usd(l.usd)) },
    ]),
  );
  out.push(`\nflp-monitor total: ${usd(report.flpMonitor.totalUsd)} a month\n`);
  out.push(
    renderTable(
      [
        { name: 'flp-monitor', total: report.flpMonitor.totalUsd },
        { name: 'CloudWatch Synthetics', total: report.cloudWatchSynthetics.totalUsd },
        { name: 'Checkly', total: report.checkly.totalUsd },
      ],
      [
        { header: 'the same checks on', value: (r) => r.name },
        { header: 'a month', value: (r) => usd(r.total) },
        { header: 'flp-monitor costs', value: (r) => (r.name === 'flp-monitor' || r.total <= 0 ? '' : `${Math.round((report.flpMonitor.totalUsd / r.total) * 100)} % of it`) },
      ],
    ),
  );
  if (paces.length) {
    const rest = PROBE_GROUPS.filter((g): g is Exclude<ProbeGroup, 'journey'> => g !== 'journey')
      .map((g) => report.inputs.groups.find((p) => p.group === g))
      .filter((g) => g !== undefined)
      .map((g) => `${g.group} every ${every(g.rateMinutes * 60)}`)
      .join(', ');
    out.push(`\nThe journey at other paces (${rest}):\n`);
    out.push(
      renderTable(paces, [
        { header: 'journey every', value: (p) => every(p.journeySeconds) },
        { header: 'flp-monitor', value: (p) => usd(p.flpMonitorUsd) },
        { header: 'CloudWatch Synthetics', value: (p) => usd(p.syntheticsUsd) },
        { header: 'Checkly', value: (p) => usd(p.checklyUsd) },
      ]),
    );
  }
  out.push(`\nAssumptions:\n${report.assumptions.map((a) => `  - ${a}`).join('\n')}`);
  out.push(`Prices and their sources: lib/reports/cost/prices.ts (or --json).`);
  io.out(`${out.join('\n')}\n`);
  if (skipped) io.err(`flp-monitor: skipped ${skipped} broken line(s) in the local store while reading durations\n`);
  return 0;
}
