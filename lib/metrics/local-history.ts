/**
 * The local store as a HistorySource: what `npm start` and `run` appended under
 * `<store.dir>/metrics/`, read back for SLA reports and the canary's baseline. Records of
 * another environment or namespace are not this deployment's and are left out, as CloudWatch
 * would. Broken lines are skipped and counted (`skipped`), never fatal.
 */
import path from 'node:path';
import type { Config } from '../config.ts';
import type { HistorySource, MetricPoint, MetricQuery } from './history.ts';
import { LocalStore, type SkippedLine } from './local-store.ts';
import type { MetricRecord, ReleaseRecord, ResultRecord, StoreRecord } from './records.ts';

export interface LocalHistory extends HistorySource {
  /** Lines the reads so far skipped (truncated or not a record), each reported once. */
  readonly skipped: readonly SkippedLine[];
  /** Releases the canary recorded in the range, oldest first (reports mark them). */
  releases(range: { from: Date; to: Date }): Promise<ReleaseRecord[]>;
}

/** Identifies a metric as CloudWatch does: name plus the exact set of dimensions. */
function seriesKey(name: string, dimensions: Record<string, string>): string {
  return `${name}\u0000${Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join('\u0000')}`;
}

/** An index over records already in memory: the pure half of the local adapter. */
class RecordIndex {
  readonly #series = new Map<string, MetricRecord[]>();
  readonly #results: ResultRecord[] = [];
  readonly #releases: ReleaseRecord[] = [];

  constructor(records: readonly StoreRecord[], config: Pick<Config, 'environment' | 'aws'>) {
    for (const r of records) {
      if (r.type === 'metric') {
        if (r.namespace !== config.aws.namespace || r.dimensions.Environment !== config.environment) continue;
        const key = seriesKey(r.name, r.dimensions);
        const list = this.#series.get(key);
        if (list) list.push(r);
        else this.#series.set(key, [r]);
      } else if (r.environment !== config.environment) continue;
      else if (r.type === 'result') this.#results.push(r);
      else this.#releases.push(r);
    }
    const byTime = (a: StoreRecord, b: StoreRecord) => Date.parse(a.timestamp) - Date.parse(b.timestamp);
    for (const list of this.#series.values()) list.sort(byTime);
    this.#results.sort(byTime);
    this.#releases.sort(byTime);
  }

  metric(query: MetricQuery): MetricPoint[] {
    const from = query.from.getTime();
    const to = query.to.getTime();
    return (this.#series.get(seriesKey(query.name, query.dimensions)) ?? [])
      .filter((r) => {
        const t = Date.parse(r.timestamp);
        return t >= from && t < to;
      })
      .map((r) => ({ timestamp: r.timestamp, value: r.value, samples: 1 }));
  }

  results(range: { from: Date; to: Date }): ResultRecord[] {
    return within(this.#results, range);
  }

  releases(range: { from: Date; to: Date }): ReleaseRecord[] {
    return within(this.#releases, range);
  }
}

function within<T extends { timestamp: string }>(records: readonly T[], range: { from: Date; to: Date }): T[] {
  const from = range.from.getTime();
  const to = range.to.getTime();
  return records.filter((r) => {
    const t = Date.parse(r.timestamp);
    return t >= from && t < to;
  });
}

/** A HistorySource over records in memory (tests, or records read some other way). */
export function historyFromRecords(
  records: readonly StoreRecord[],
  config: Pick<Config, 'environment' | 'aws'>,
  label = 'records in memory',
): HistorySource & Pick<LocalHistory, 'releases'> {
  const index = new RecordIndex(records, config);
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
    const index = store.read({ from: new Date(f), to: new Date(t) }).then((r) => {
      for (const s of r.skipped) {
        const key = `${s.file}:${s.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        skipped.push(s);
      }
      return new RecordIndex(r.records, config);
    });
    cached = { from: f, to: t, index };
    // A failed read is not kept: the next call tries again.
    index.catch(() => {
      if (cached?.index === index) cached = null;
    });
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
