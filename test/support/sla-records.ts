/**
 * Store records whose availability is known by construction: one run of every service per
 * scheduled interval (as the monitor writes them, through the real `metricRecords` and
 * `resultRecord`), failing where an outage is chosen and absent where the monitor was down.
 * And a GetMetricData answer computed from the same records, as CloudWatch would aggregate
 * them, for the loopback fake; run-time maintenance windows as `window add` stores them; and the
 * maintenance alarm's DescribeAlarmHistory answer, state changes evaluated or set by hand, in
 * the shape the AWS CLI's describe-alarm-history example shows.
 */
import type { Config } from '../../lib/core/config.ts';
import { statistic as cloudWatchStatistic } from '../../lib/alarms/evaluator.ts';
import type { Statistic } from '../../lib/alarms/policy.ts';
import { metricRecords, resultRecord, type MetricRecord, type StoreRecord } from '../../lib/core/records.ts';
import type { ClassifiedResult, FailureClass, ProbeKind, StepResult } from '../../lib/core/result.ts';
import { slaServices } from '../../lib/reports/sla/compute.ts';
import { JOURNEY_STEPS } from '../../lib/core/contract.ts';
import type { RuntimeWindow } from '../../lib/core/windows.ts';
import type { FakeAws, RecordedRequest, ScriptedResponse } from './fake-aws.ts';

type Instant = string | Date;
const ms = (t: Instant) => (typeof t === 'string' ? Date.parse(t) : t.getTime());

export interface Outage {
  /** `journey`, `lb`, `node:flp-1`, `sync:lab`. */
  service: string;
  /** Runs starting in `[from, to)` fail. */
  from: Instant;
  to: Instant;
  class: FailureClass;
  summary?: string;
}

export interface Gap {
  /** No run starts in `[from, to)`: the monitor was down. */
  from: Instant;
  to: Instant;
  /** Default: every service. */
  services?: string[];
}

export interface BuildOptions {
  config: Config;
  from: Instant;
  to: Instant;
  outages?: Outage[];
  gaps?: Gap[];
  /** How long after its interval starts a run starts, in ms. Default 1000. */
  offsetMs?: number | ((service: string, intervalStart: number) => number);
  /** A journey step's duration in ms for the n-th journey run. Default: see {@link defaultStepMs}. */
  stepMs?: (step: string, n: number) => number;
  /** A sync source's lag in seconds for its n-th run. Default: 60 + (n % 10) × 6. */
  lagSeconds?: (source: string, n: number) => number;
}

/** Step durations with known percentiles: launch takes 100 + (n % 100) ms, so p50 149 and p95 194 over whole hundreds of runs. */
export function defaultStepMs(step: string, n: number): number {
  const base = { launch: 100, overview: 400, 'create-plan': 250, print: 600, cleanup: 80 }[step] ?? 100;
  return base + (n % 100);
}

const KIND: Record<string, ProbeKind> = { journey: 'journey', lb: 'node', node: 'node', sync: 'sync' };

/** Every record the monitor would have written for the chosen outages and gaps. */
export function buildRecords(options: BuildOptions): StoreRecord[] {
  const { config } = options;
  const from = ms(options.from);
  const to = ms(options.to);
  const out: StoreRecord[] = [];
  const stepMs = options.stepMs ?? defaultStepMs;
  const lag = options.lagSeconds ?? ((_s: string, n: number) => 60 + (n % 10) * 6);
  for (const service of slaServices(config)) {
    const interval = service.intervalSeconds * 1000;
    let n = 0;
    for (let slot = Math.ceil(from / interval) * interval; slot < to; slot += interval) {
      const offset = typeof options.offsetMs === 'function' ? options.offsetMs(service.id, slot) : (options.offsetMs ?? 1000);
      const at = slot + offset;
      if (at < from || at >= to) continue;
      if ((options.gaps ?? []).some((g) => (!g.services || g.services.includes(service.id)) && at >= ms(g.from) && at < ms(g.to))) continue;
      const outage = (options.outages ?? []).find((o) => o.service === service.id && at >= ms(o.from) && at < ms(o.to));
      const result = runResult(service.id, service.kind, at, outage, config, n, stepMs, lag);
      out.push(...metricRecords(result, config.environment, config.aws.namespace), resultRecord(result, config.environment));
      n++;
    }
  }
  return out.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
}

function runResult(
  probe: string,
  serviceKind: string,
  at: number,
  outage: Outage | undefined,
  config: Config,
  n: number,
  stepMs: (step: string, n: number) => number,
  lag: (source: string, n: number) => number,
): ClassifiedResult {
  const kind = KIND[serviceKind]!;
  const startedAt = new Date(at).toISOString();
  const ok = !outage;
  let steps: StepResult[] = [];
  if (kind === 'journey') {
    let t = at;
    steps = JOURNEY_STEPS.map((name, i) => {
      // A failed journey fails at its second step; the rest are skipped.
      const status = ok ? 'passed' : i < 1 ? 'passed' : i === 1 ? 'failed' : 'skipped';
      const durationMs = status === 'skipped' ? 0 : stepMs(name, n);
      const step: StepResult = { name, status, startedAt: new Date(t).toISOString(), durationMs };
      t += durationMs;
      return step;
    });
  }
  const source = probe.startsWith('sync:') ? probe.slice(5) : undefined;
  const summary = outage ? (outage.summary ?? `${probe} failed (${outage.class})`) : `${probe} ok`;
  return {
    probe,
    kind,
    target: probe,
    ok,
    startedAt,
    durationMs: steps.reduce((s, x) => s + x.durationMs, 0) || 120,
    attempts: ok ? 1 : 2,
    steps,
    evidence: outage ? [{ type: 'monitor', message: summary }] : [],
    error: outage ? summary : null,
    observations: source ? { source, lagSeconds: lag(source, n), syncState: 'ok' } : probe.startsWith('node:') ? { node: probe.slice(5), version: '2026.4.1' } : {},
    artifacts: [],
    class: outage ? outage.class : null,
    owner: outage ? config.owners[outage.class] : null,
    summary,
  };
}

export interface GetMetricDataServer {
  /** Decoded GetMetricData requests, in order. */
  requests: DecodedGetMetricData[];
}

export interface DecodedGetMetricData {
  MetricDataQueries: {
    Id: string;
    MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] }; Period: number; Stat: string };
    ReturnData?: boolean;
  }[];
  StartTime: Date;
  EndTime: Date;
  NextToken?: string;
  ScanBy?: string;
}

/** A GetMetricData request body (AWS JSON 1.0: timestamps as epoch seconds) with Dates back. */
export function decodeGetMetricData(request: RecordedRequest): DecodedGetMetricData {
  const body = request.json as Omit<DecodedGetMetricData, 'StartTime' | 'EndTime'> & { StartTime: number; EndTime: number };
  return { ...body, StartTime: new Date(body.StartTime * 1000), EndTime: new Date(body.EndTime * 1000) };
}

/**
 * Makes the fake answer GetMetricData as CloudWatch would from `records`: each query's
 * statistic per period from StartTime, only periods with data, oldest first, `pageSize` data
 * points per page with a NextToken for the rest.
 */
export function serveGetMetricData(fake: FakeAws, records: readonly StoreRecord[], options: { pageSize?: number } = {}): GetMetricDataServer {
  const metrics = records.filter((r): r is MetricRecord => r.type === 'metric');
  const bySeries = new Map<string, MetricRecord[]>();
  const key = (ns: string, name: string, dims: Record<string, string>) =>
    `${ns}|${name}|${Object.keys(dims)
      .sort()
      .map((k) => `${k}=${dims[k]}`)
      .join(',')}`;
  for (const m of metrics) {
    const k = key(m.namespace, m.name, m.dimensions);
    const list = bySeries.get(k);
    if (list) list.push(m);
    else bySeries.set(k, [m]);
  }
  const server: GetMetricDataServer = { requests: [] };
  const pageSize = options.pageSize ?? 100_800;
  const answers = new Map<string, { id: string; t: number; v: number }[]>();
  fake.handle('GetMetricData', (request): ScriptedResponse => {
    const req = decodeGetMetricData(request);
    server.requests.push(req);
    const start = req.StartTime.getTime();
    const end = req.EndTime.getTime();
    // Pages of one query set are cut from one computed answer, as the service keeps its cursor.
    const cacheKey = JSON.stringify([req.MetricDataQueries, start, end]);
    const flat = answers.get(cacheKey) ?? [];
    if (!answers.has(cacheKey)) answers.set(cacheKey, flat);
    else return page(req, flat);
    for (const q of req.MetricDataQueries) {
      const m = q.MetricStat.Metric;
      const dims = Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      const periodMs = q.MetricStat.Period * 1000;
      const buckets = new Map<number, number[]>();
      for (const r of bySeries.get(key(m.Namespace, m.MetricName, dims)) ?? []) {
        const t = Date.parse(r.timestamp);
        if (t < start || t >= end) continue;
        const b = start + Math.floor((t - start) / periodMs) * periodMs;
        const bucket = buckets.get(b);
        if (bucket) bucket.push(r.value);
        else buckets.set(b, [r.value]);
      }
      for (const [t, values] of [...buckets].sort((a, b) => a[0] - b[0])) flat.push({ id: q.Id, t, v: statistic(q.MetricStat.Stat, values) });
    }
    return page(req, flat);
  });
  const page = (req: DecodedGetMetricData, flat: readonly { id: string; t: number; v: number }[]): ScriptedResponse => {
    const offset = Number(req.NextToken ?? 0);
    const slice = flat.slice(offset, offset + pageSize);
    const more = offset + pageSize < flat.length;
    const results = req.MetricDataQueries.map((q) => {
      const mine = slice.filter((p) => p.id === q.Id);
      return { Id: q.Id, Label: q.MetricStat.Metric.MetricName, Timestamps: mine.map((p) => p.t / 1000), Values: mine.map((p) => p.v), StatusCode: more ? 'PartialData' : 'Complete' };
    });
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: { MetricDataResults: results, Messages: [], ...(more ? { NextToken: String(offset + pageSize) } : {}) },
    };
  };
  return server;
}

function statistic(stat: string, values: number[]): number {
  if (!['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'].includes(stat)) throw new Error(`the fake does not compute ${stat}`);
  return cloudWatchStatistic(values, stat as Statistic);
}

/** A run-time window as `flp-monitor window add` stores it; `start`/`end` (planned) required, the rest defaulted. */
export function runtimeWindow(w: Partial<RuntimeWindow> & { start: Instant; end: Instant; endedAt?: Instant }): RuntimeWindow {
  const iso = (t: Instant) => new Date(ms(t)).toISOString();
  const start = iso(w.start);
  return {
    id: w.id ?? `w-${start.slice(0, 16).replace(/[-:]/g, '').replace('T', '-').toLowerCase()}-ab12`,
    start,
    end: iso(w.end),
    reason: w.reason ?? 'planned work',
    ...(w.release ? { release: w.release } : {}),
    ...(w.owner ? { owner: w.owner } : {}),
    ...(w.endedAt ? { endedAt: iso(w.endedAt) } : {}),
    createdAt: w.createdAt ?? start,
  };
}

/** One StateUpdate of an alarm's history, as DescribeAlarmHistory answers it on the wire (AWS JSON 1.0: Timestamp in epoch seconds). */
export interface WireAlarmHistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm';
  Timestamp: number;
  HistoryItemType: 'StateUpdate';
  HistorySummary: string;
  HistoryData: string;
}

/**
 * A state change of `alarmName` at `at`: `byHand` as set-alarm-state makes it (the reason the
 * operator typed, no evaluation data), otherwise as CloudWatch's evaluation makes it (a
 * threshold reason and stateReasonData with queryDate and the recent datapoints).
 */
export function alarmStateUpdate(alarmName: string, at: Instant, from: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', to: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', options: { byHand?: boolean; reason?: string } = {}): WireAlarmHistoryItem {
  const t = ms(at);
  const evaluated = (value: number) => ({
    stateValue: value >= 1 ? 'ALARM' : 'OK',
    stateReason: `Threshold Crossed: 1 datapoint [${value}.0 (${new Date(t - 60_000).toISOString()})] was ${value >= 1 ? 'greater than or equal to' : 'not greater than or equal to'} the threshold (1.0).`,
    stateReasonData: { version: '1.0', queryDate: new Date(t).toISOString().replace('Z', '+0000'), startDate: new Date(t - 60_000).toISOString().replace('Z', '+0000'), statistic: 'Maximum', period: 60, recentDatapoints: [value], threshold: 1.0 },
  });
  const newState = options.byHand ? { stateValue: to, stateReason: options.reason ?? 'set by hand' } : evaluated(to === 'ALARM' ? 1 : 0);
  const oldState = { stateValue: from, stateReason: 'earlier' };
  return {
    AlarmName: alarmName,
    AlarmType: 'MetricAlarm',
    Timestamp: t / 1000,
    HistoryItemType: 'StateUpdate',
    HistorySummary: `Alarm updated from ${from} to ${to}`,
    HistoryData: JSON.stringify({ version: '1.0', oldState, newState }),
  };
}

/** Makes the fake answer DescribeAlarmHistory from `items` (newest first, as the service does unless ScanBy says otherwise), `pageSize` per page; returns the decoded requests. */
export function serveAlarmHistory(fake: FakeAws, items: readonly WireAlarmHistoryItem[], options: { pageSize?: number } = {}): Record<string, unknown>[] {
  const requests: Record<string, unknown>[] = [];
  const pageSize = options.pageSize ?? 100;
  fake.handle('DescribeAlarmHistory', (request): ScriptedResponse => {
    const req = request.json as { AlarmName?: string; StartDate?: number; EndDate?: number; ScanBy?: string; NextToken?: string; HistoryItemType?: string };
    requests.push(req);
    const matching = items
      .filter((i) => i.AlarmName === req.AlarmName && (!req.HistoryItemType || i.HistoryItemType === req.HistoryItemType))
      .filter((i) => (req.StartDate === undefined || i.Timestamp >= req.StartDate) && (req.EndDate === undefined || i.Timestamp <= req.EndDate))
      .sort((a, b) => (req.ScanBy === 'TimestampAscending' ? a.Timestamp - b.Timestamp : b.Timestamp - a.Timestamp));
    const offset = Number(req.NextToken ?? 0);
    const more = offset + pageSize < matching.length;
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: { AlarmHistoryItems: matching.slice(offset, offset + pageSize), ...(more ? { NextToken: String(offset + pageSize) } : {}) },
    };
  });
  return requests;
}
