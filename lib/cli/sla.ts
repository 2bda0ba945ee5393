/**
 * `flp-monitor sla`: the availability report for a Copenhagen calendar month (`--month`) or a
 * range of instants (`--from`/`--to`), from the local store or CloudWatch, as Markdown, CSV,
 * HTML or JSON, on stdout or into `--out FILE`. Exit 0 when the report was written, 2 for
 * usage, config or source problems (one message saying which).
 *
 * Beside the config's maintenance it counts the windows set at run time (`flp-monitor window
 * add`, kept in `<store.dir>/windows.json`), and from CloudWatch it lists the periods the
 * maintenance alarm `flp-<env>-maintenance-window` was put into ALARM by hand.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../core/config.ts';
import { alarmNamePrefix } from '../core/contract.ts';
import { fromLocal } from '../core/maintenance.ts';
import type { RuntimeWindow } from '../core/windows.ts';
import { LocalWindowStore } from '../adapters/window-store.ts';
import { HANDLER_ENV } from '../runtime/handler-env.ts';
import { windowStoreFor } from './window.ts';
import { MAINTENANCE_ALARM_ID } from '../alarms/spec-builder.ts';
import { cloudWatchHistoryFor } from '../adapters/cloudwatch-history.ts';
import type { SkippedLine } from '../adapters/local-store.ts';
import { createLocalHistory } from '../adapters/local-history.ts';
import { computeSla, type SlaHistory, type SlaReport } from '../reports/sla/compute.ts';
import { renderCsv } from '../reports/sla/render-csv.ts';
import { renderHtml } from '../reports/sla/render-html.ts';
import { renderJson } from '../reports/sla/render-json.ts';
import { renderMarkdown } from '../reports/sla/render-md.ts';
import { monthRange, showLocal } from '../reports/sla/time.ts';
import { pct } from '../reports/sla/words.ts';
import { UsageError } from './errors.ts';
import { createProgress, type ProgressStream } from './progress.ts';
import type { Io } from './io.ts';

export const SLA_FORMATS = ['md', 'csv', 'html', 'json'] as const;
export type SlaFormat = (typeof SLA_FORMATS)[number];
export const SLA_SOURCES = ['local', 'cloudwatch'] as const;
export type SlaSource = (typeof SLA_SOURCES)[number];

export interface SlaOptions {
  config: string;
  month?: string;
  from?: string;
  to?: string;
  format?: string;
  out?: string;
  source?: string;
}

/** What tests replace: the history source, the clock, the progress stream. */
export interface SlaDeps {
  history?: (config: Config, source: SlaSource) => SlaHistory & { skipped?: readonly SkippedLine[] };
  now?: () => Date;
  progress?: ProgressStream;
}

const RENDERERS: Record<SlaFormat, (r: SlaReport) => string> = { md: renderMarkdown, csv: renderCsv, html: renderHtml, json: renderJson };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2026-10-01` (Copenhagen midnight) or an ISO 8601 time with a zone. */
function parseInstant(flag: string, value: string): Date {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(y, m - 1, d));
    if (check.getUTCMonth() === m - 1 && check.getUTCDate() === d) return fromLocal(y, m, d);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value);
  }
  throw new UsageError(`${flag} "${value}" is not a time: give an ISO 8601 time with a zone, e.g. 2026-10-01T00:00:00+02:00, or a date, 2026-10-01 (Copenhagen midnight)`);
}

/** The period asked for, or a UsageError naming what is wrong. */
export function slaPeriod(opts: Pick<SlaOptions, 'month' | 'from' | 'to'>): { from: Date; to: Date; title: string } {
  if (opts.month !== undefined) {
    if (opts.from !== undefined || opts.to !== undefined) throw new UsageError('give either --month or --from and --to, not both');
    const range = monthRange(opts.month);
    if (!range) throw new UsageError(`--month "${opts.month}" is not a month: give it as YYYY-MM, e.g. 2026-10`);
    const [y, m] = opts.month.split('-').map(Number) as [number, number];
    return { ...range, title: `${MONTHS[m - 1]} ${y}` };
  }
  if (opts.from === undefined || opts.to === undefined) throw new UsageError('say which period: --month YYYY-MM, or --from and --to (ISO 8601 times)');
  const from = parseInstant('--from', opts.from);
  const to = parseInstant('--to', opts.to);
  if (from.getTime() >= to.getTime()) throw new UsageError(`--from ${opts.from} is not before --to ${opts.to}`);
  return { from, to, title: `${showLocal(from)} to ${showLocal(to)}` };
}

/** The maintenance alarm as the stack names it: `flp-<environment>-maintenance-window`. */
export function maintenanceAlarmName(config: Pick<Config, 'environment'>): string {
  return `${alarmNamePrefix(config.environment)}${MAINTENANCE_ALARM_ID}`;
}

function historyFor(config: Config, source: SlaSource): SlaHistory & { skipped?: readonly SkippedLine[] } {
  if (source === 'local') return createLocalHistory(config);
  // Region, credentials and (for tests) AWS_ENDPOINT_URL_CLOUDWATCH come from the SDK's own chain.
  return cloudWatchHistoryFor({ config, maintenanceAlarmName: maintenanceAlarmName(config) });
}

/**
 * The run-time windows: with `--source cloudwatch` the deployment's (`state/<env>/windows.json`,
 * when FLP_ARTIFACTS_BUCKET names the bucket), else the local store's. A store that cannot be
 * read is a usage error naming it.
 */
async function storedWindows(config: Config, source: SlaSource): Promise<RuntimeWindow[]> {
  const store = source === 'cloudwatch' && process.env[HANDLER_ENV.artifactsBucket] ? windowStoreFor(config, { source: 'aws' }) : new LocalWindowStore(config.store.dir);
  try {
    return await store.list();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function slaCommand(opts: SlaOptions, io: Io, deps: SlaDeps = {}): Promise<number> {
  const format = (opts.format ?? 'md') as SlaFormat;
  if (!SLA_FORMATS.includes(format)) throw new UsageError(`--format "${opts.format}" is not one of ${SLA_FORMATS.join(', ')}`);
  const source = (opts.source ?? 'local') as SlaSource;
  if (!SLA_SOURCES.includes(source)) throw new UsageError(`--source "${opts.source}" is not one of ${SLA_SOURCES.join(', ')}`);
  const period = slaPeriod(opts);
  const now = (deps.now ?? (() => new Date()))();
  if (period.from.getTime() >= now.getTime()) throw new UsageError(`the period starts ${showLocal(period.from)}, which has not come yet`);
  const config = await loadConfig(opts.config);
  const windows = await storedWindows(config, source);
  const history = (deps.history ?? historyFor)(config, source);

  const stream = deps.progress ?? process.stderr;
  let fraction = 0;
  // A percentage line on a terminal only; logs and pipes get nothing.
  const progress = source === 'cloudwatch' && stream.isTTY ? createProgress(stream, { title: `reading ${history.label}`, state: () => ({ fraction, label: '' }), tickMs: 0 }) : null;
  let report: SlaReport;
  try {
    report = await computeSla({
      config,
      history,
      from: period.from,
      to: period.to,
      windows,
      title: period.title,
      now,
      ...(progress
        ? {
            onProgress: (done: number, total: number) => {
              fraction = total > 0 ? done / total : 0;
              progress.update();
            },
          }
        : {}),
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`could not read ${history.label}: ${(e as Error).message}`);
  } finally {
    progress?.done();
  }

  const skipped = history.skipped ?? [];
  if (skipped.length) {
    const first = skipped[0]!;
    io.err(`flp-monitor: skipped ${skipped.length} broken line(s) in the store (first: ${first.file}:${first.line}, ${first.reason})\n`);
  }
  const text = RENDERERS[format](report);
  if (opts.out) {
    const file = path.resolve(opts.out);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot write ${file}: ${(e as Error).message}`);
    }
    const h = report.services.find((s) => s.id === report.headline);
    io.err(`flp-monitor: wrote ${opts.out} (${format}): FLP ${pct(h?.availabilityPercent ?? null)} over ${report.title}, ${report.incidents.filter((i) => i.downtimeMs > 0).length} incident(s)\n`);
  } else io.out(text);
  return 0;
}

