/**
 * `flp-monitor alarms`: the alarm policy of a config as people read it (a table, or Markdown for
 * the README) or as one JSON document, and with `--evaluate` each alarm's state over the local
 * store right now.
 */
import { alarmPolicy, type AlarmSpec, type CompositeSpec } from '../alarms/policy.ts';
import { evaluatePolicy, type Evaluation } from '../alarms/evaluator.ts';
import { loadConfig } from '../core/config.ts';
import { LocalStore } from '../adapters/local-store.ts';
import type { MetricRecord } from '../core/records.ts';
import { renderTable, type Column } from './output.ts';
import type { Io } from './io.ts';

const SYMBOL = { GreaterThanOrEqualToThreshold: '≥', GreaterThanThreshold: '>', LessThanThreshold: '<', LessThanOrEqualToThreshold: '≤' } as const;

function dims(a: AlarmSpec): string {
  return Object.entries(a.metric.dimensions)
    .filter(([k]) => k !== 'Environment')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

const COLUMNS: Column<AlarmSpec>[] = [
  { header: 'alarm', value: (a) => a.id },
  { header: 'class', value: (a) => a.class },
  { header: 'owner', value: (a) => a.owner },
  { header: 'severity', value: (a) => a.severity },
  { header: 'metric', value: (a) => `${a.metric.statistic} of ${a.metric.name}${dims(a) ? ` (${dims(a)})` : ''}` },
  { header: 'fires when', value: (a) => `${SYMBOL[a.comparison]} ${a.threshold} in ${a.datapointsToAlarm} of ${a.evaluationPeriods} periods of ${a.periodSeconds} s` },
  { header: 'missing data', value: (a) => a.treatMissingData },
];

/** The policy as a Markdown table: what the README's "Metrics and alarms" section shows. */
export function policyMarkdown(alarms: readonly AlarmSpec[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${COLUMNS.map((c) => c.header).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...alarms.map((a) => `| ${COLUMNS.map((c) => esc(c.value(a))).join(' | ')} |`),
  ].join('\n');
}

/** What each composite pages, whom, and what holds it back: the pages behind the alarms. */
const COMPOSITE_COLUMNS: Column<CompositeSpec>[] = [
  { header: 'composite', value: (c) => c.id },
  { header: 'class', value: (c) => c.class },
  { header: 'owner', value: (c) => c.owner },
  { header: 'told too', value: (c) => (c.alsoNotify?.length ? c.alsoNotify.join(', ') : '-') },
  { header: 'severity', value: (c) => c.severity },
  { header: 'any of', value: (c) => c.alarms.join(', ') },
  { header: 'held back while', value: (c) => c.suppressedBy.join(', ') },
];

/** The composites as a Markdown table (one per page: an LPS vendor's own, `lps-<vendor>`, among them). */
export function compositesMarkdown(composites: readonly CompositeSpec[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${COMPOSITE_COLUMNS.map((c) => c.header).join(' | ')} |`,
    `|${COMPOSITE_COLUMNS.map(() => '---').join('|')}|`,
    ...composites.map((k) => `| ${COMPOSITE_COLUMNS.map((c) => esc(c.value(k))).join(' | ')} |`),
  ].join('\n');
}

/** The `--evaluate --json` document: each alarm's state, and what would page whom. */
export function evaluationJson(e: Evaluation): string {
  return JSON.stringify(
    {
      at: e.at.toISOString(),
      paging: e.composites.some((c) => c.state === 'ALARM' && !c.suppressedBy.length),
      alarms: e.alarms.map((a) => ({ id: a.spec.id, state: a.state, class: a.spec.class, owner: a.spec.owner, severity: a.spec.severity, reason: a.reason, datapoints: a.datapoints })),
      composites: e.composites.map((c) => ({
        id: c.spec.id,
        state: c.state,
        paging: c.state === 'ALARM' && !c.suppressedBy.length,
        owner: c.spec.owner,
        ...(c.spec.alsoNotify?.length ? { alsoNotify: c.spec.alsoNotify } : {}),
        firing: c.firing,
        suppressedBy: c.suppressedBy,
      })),
    },
    null,
    2,
  );
}

export async function alarmsCommand(opts: { config: string; markdown?: boolean; evaluate?: boolean; json?: boolean }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  if (opts.evaluate) {
    // Over the local store the policy runs at the schedule's own pace, as under `npm start`.
    const policy = alarmPolicy(config, { minPeriodSeconds: 1 });
    const now = new Date();
    const from = new Date(now.getTime() - Math.max(...policy.alarms.map((a) => a.periodSeconds * (a.evaluationPeriods + 1))) * 1000);
    const { records, skipped } = await new LocalStore(config.store.dir).read({ from });
    const metrics = records.filter((r): r is MetricRecord => r.type === 'metric');
    const e = evaluatePolicy(policy, metrics, now);
    const active = e.composites.filter((c) => c.state === 'ALARM');
    if (skipped.length) io.err(`flp-monitor: skipped ${skipped.length} broken line(s) in the store (first: ${skipped[0]!.file}:${skipped[0]!.line}, ${skipped[0]!.reason})\n`);
    const paging = active.some((c) => !c.suppressedBy.length) ? 1 : 0;
    if (opts.json) {
      io.out(`${evaluationJson(e)}\n`);
      return paging;
    }
    io.out(`${renderTable(e.alarms, [
      { header: 'alarm', value: (a) => a.spec.id },
      { header: 'state', value: (a) => a.state },
      { header: 'owner', value: (a) => a.spec.owner },
      { header: 'why', value: (a) => a.reason },
    ])}\n`);
    io.out(
      `\n${active.length ? active.map((c) => `${c.suppressedBy.length ? 'SUPPRESSED' : 'PAGING'} ${c.spec.id} → ${[c.spec.owner, ...(c.spec.alsoNotify ?? [])].join(' + ')} (${c.firing.join(', ')})${c.suppressedBy.length ? ` by ${c.suppressedBy.join(', ')}` : ''}`).join('\n') : 'nothing would page'}\n`,
    );
    return paging;
  }
  const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
  if (opts.json) io.out(`${JSON.stringify(policy, null, 2)}\n`);
  else
    io.out(
      opts.markdown
        ? `${policyMarkdown(policy.alarms)}\n\n${compositesMarkdown(policy.composites)}\n`
        : `${renderTable(policy.alarms, COLUMNS)}\n\n${renderTable(policy.composites, COMPOSITE_COLUMNS)}\n`,
    );
  return 0;
}
