/**
 * The local store as a HistorySource: what `npm start` and `run` appended under
 * `<store.dir>/metrics/`, read back for SLA reports and the canary's baseline. Records of
 * another environment or namespace are not this deployment's and are left out, as CloudWatch
 * would. Broken lines are skipped and counted (`skipped`), never fatal.
 */
import path from 'node:path';
import type { Config } from '../core/config.ts';
import type { HistorySource, MetricPoint, MetricQuery } from './history.ts';
import { LocalStore, type SkippedLine } from './local-store.ts';
import type { MetricRecord, ReleaseRecord, ResultRecord, StoreRecord } from '../core/records.ts';

export interface LocalHistory extends HistorySource {
  /** Lines the reads so far skipped (truncated or not a record), each reported once. */
  readonly skipped: readonly SkippedLine[];
  /** Releases the canary recorded in the range, oldest first (reports mark them). */
  releases(range: { from: Date; to: Date }): Promise<ReleaseRecord[]>;
}

const DAY = 86_400_000;

/** Identifies a metric as CloudWatch does: name plus the exact set of dimensions. */
function seriesKey(name: string, dimensions: Record<string, string>): string {
  return `${name}\u0000${Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join('\u0000')}`;
}

/** Records with their time parsed once, oldest first. */
type Timed<T> = { t: number; r: T }[];

/** One metric's points, kept compact: a month of one-minute probes is millions of points. */
interface Series {
  t: number[];
  v: number[];
}

function isSorted(t: readonly number[]): boolean {
  for (let i = 1; i < t.length; i++) if (t[i]! < t[i - 1]!) return false;
  return true;
}

/** The first index whose time is at or after `x`. */
function lowerBound(length: number, timeAt: (i: number) => number, x: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timeAt(mid) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function within<T>(list: Timed<T>, range: { from: Date; to: Date }): T[] {
  const at = (i: number) => list[i]!.t;
  return list.slice(lowerBound(list.length, at, range.from.getTime()), lowerBound(list.length, at, range.to.getTime())).map((e) => e.r);
}

/** An index over records: the pure half of the local adapter. Add records, then ask. */
class RecordIndex {
  readonly #series = new Map<string, Series>();
  readonly #results: Timed<ResultRecord> = [];
  readonly #releases: Timed<ReleaseRecord> = [];
  readonly #config: Pick<Config, 'environment' | 'aws'>;
  #sorted = true;

  constructor(config: Pick<Config, 'environment' | 'aws'>) {
    this.#config = config;
  }

  add(records: readonly StoreRecord[]): void {
    const { environment, aws } = this.#config;
    for (const r of records) {
      if (r.type === 'metric') {
        if (r.namespace !== aws.namespace || r.dimensions.Environment !== environment) continue;
        const key = seriesKey(r.name, r.dimensions);
        let series = this.#series.get(key);
        if (!series) this.#series.set(key, (series = { t: [], v: [] }));
        series.t.push(Date.parse(r.timestamp));
        series.v.push(r.value);
      } else if (r.environment !== environment) continue;
      else if (r.type === 'result') this.#results.push({ t: Date.parse(r.timestamp), r });
      else this.#releases.push({ t: Date.parse(r.timestamp), r });
    }
    this.#sorted = false;
  }

  #sort(): void {
    if (this.#sorted) return;
    // The store appends in time order, so the lists are nearly always sorted already.
    for (const series of this.#series.values()) {
      if (isSorted(series.t)) continue;
      const order = series.t.map((_, i) => i).sort((a, b) => series.t[a]! - series.t[b]!);
      series.t = order.map((i) => series.t[i]!);
      series.v = order.map((i) => series.v[i]!);
    }
    for (const list of [this.#results, this.#releases] as Timed<unknown>[]) if (!isSorted(list.map((e) => e.t))) list.sort((a, b) => a.t - b.t);
    this.#sorted = true;
  }

  metric(query: MetricQuery): MetricPoint[] {
    this.#sort();
    const series = this.#series.get(seriesKey(query.name, query.dimensions));
    if (!series) return [];
    const at = (i: number) => series.t[i]!;
    const out: MetricPoint[] = [];
    for (let i = lowerBound(series.t.length, at, query.from.getTime()), end = lowerBound(series.t.length, at, query.to.getTime()); i < end; i++) {
      out.push({ timestamp: new Date(series.t[i]!).toISOString(), value: series.v[i]!, samples: 1 });
    }
    return out;
  }

  results(range: { from: Date; to: Date }): ResultRecord[] {
    this.#sort();
    return within(this.#results, range);
  }

  releases(range: { from: Date; to: Date }): ReleaseRecord[] {
    this.#sort();
    return within(this.#releases, range);
  }
}

/** A HistorySource over records in memory (tests, or records read some other way). */
export function historyFromRecords(
  records: readonly StoreRecord[],
  config: Pick<Config, 'environment' | 'aws'>,
  label = 'records in memory',
): HistorySource & Pick<LocalHistory, 'releases'> {
  const index = new RecordIndex(config);
  index.add(records);
  return {
    label,
    releases: async (range) => index.releases(range),
    metric: async (query, onProgress) => {
      const points = index.metric(query);
      onProgress?.(1, 1);
      return points;
    },
    results: async (range) => index.results(range),
  };
}

/**
 * The local store of `config.store.dir` as a HistorySource. A range is read from disk once
 * and kept: a report's many queries over the same range cost one read.
 */
export function createLocalHistory(config: Config, options: { store?: LocalStore } = {}): LocalHistory {
  const store = options.store ?? new LocalStore(config.store.dir);
  const skipped: SkippedLine[] = [];
  const seen = new Set<string>();
  let cached: { from: number; to: number; index: Promise<RecordIndex> } | null = null;

  const indexFor = (from: Date, to: Date): Promise<RecordIndex> => {
    if (cached && cached.from <= from.getTime() && cached.to >= to.getTime()) return cached.index;
    // Widen to what was read before, so alternating ranges do not read the store again and again.
    const f = Math.min(from.getTime(), cached?.from ?? Infinity);
    const t = Math.max(to.getTime(), cached?.to ?? -Infinity);
    const index = readIndex(new Date(f), new Date(t));
    cached = { from: f, to: t, index };
    // A failed read is not kept: the next call tries again.
    index.catch(() => {
      if (cached?.index === index) cached = null;
    });
    return index;
  };

  /** Reads one UTC day file at a time, so only a day of raw records is in memory at once. */
  const readIndex = async (from: Date, to: Date): Promise<RecordIndex> => {
    const index = new RecordIndex(config);
    for (let day = Math.floor(from.getTime() / DAY) * DAY; day < to.getTime(); day += DAY) {
      // LocalStore.read opens every day file up to and including the day of `to`: ending a
      // millisecond before midnight keeps it to this day's file (a run starting in that very
      // millisecond is the price).
      const r = await store.read({ from: new Date(Math.max(day, from.getTime())), to: new Date(Math.min(day + DAY - 1, to.getTime())) });
      for (const s of r.skipped) {
        const key = `${s.file}:${s.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        skipped.push(s);
      }
      index.add(r.records);
    }
    return index;
  };

  const relative = path.relative(process.cwd(), store.dir);
  return {
    label: `local store ${relative && !relative.startsWith('..') ? relative : store.dir}`,
    skipped,
    metric: async (query, onProgress) => {
      const points = (await indexFor(query.from, query.to)).metric(query);
      onProgress?.(1, 1);
      return points;
    },
    results: async (range) => (await indexFor(range.from, range.to)).results(range),
    releases: async (range) => (await indexFor(range.from, range.to)).releases(range),
  };
}
