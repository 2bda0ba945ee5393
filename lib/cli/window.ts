/**
 * `flp-monitor window add|list|end|remove`: maintenance windows set at run time, for a release or
 * other planned work the config does not know about. While one is open every probe run records
 * `MaintenanceWindow` = 1, and the maintenance alarm holds every page back, exactly as for the
 * config's `maintenance.*`. `--source local` (the default) keeps them in `<store.dir>/windows.json`
 * for `run` and `npm start`; `--source aws` in the deployment's `state/<environment>/windows.json`
 * in the artifacts bucket, which the probe functions read on every run.
 *
 * Times: an ISO 8601 time with a zone, `now`, or a relative `+90m`, `+3h`, `+1d`, `+1h30m`
 * (`--start` from now, `--end` from the start). Exit 0 done, 2 usage, config or store problems.
 */
import { allOwners, loadConfig, type Config } from '../core/config.ts';
import { FLP_TIME_ZONE, windowsBetween } from '../core/maintenance.ts';
import { actualEnd, addWindow, endWindow, removeWindow, windowOwner, windowStatus, type RuntimeWindow, type WindowStatus } from '../core/windows.ts';
import { LocalWindowStore, WindowStoreError, type WindowChange, type WindowStore } from '../adapters/window-store.ts';
import { createS3WindowStore, S3WindowStore } from '../adapters/window-store-s3.ts';
import { HANDLER_ENV } from '../runtime/handler-env.ts';
import { showDuration, showLocal } from '../reports/sla/time.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';
import { renderTable } from './output.ts';

export const WINDOW_SOURCES = ['local', 'aws'] as const;
export type WindowSource = (typeof WINDOW_SOURCES)[number];

/** How far ahead `window list` shows the config's windows. */
export const LIST_AHEAD_DAYS = 7;

/** What every `window` command takes. */
export interface WindowCommonOptions {
  config: string;
  source?: string;
  bucket?: string;
  json?: boolean;
}

export interface WindowAddOptions extends WindowCommonOptions {
  start?: string;
  end?: string;
  reason?: string;
  release?: string;
  owner?: string;
}

/** What tests replace: the clock and the environment (region, bucket, endpoint). */
export interface WindowDeps {
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
}

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** `+90m`, `+3h`, `+1d`, `+1h30m` in milliseconds, or null when `value` is not relative. */
function relativeMs(value: string): number | null {
  const m = /^\+(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(value);
  if (!m || value === '+') return null;
  return Number(m[1] ?? 0) * UNITS.d! + Number(m[2] ?? 0) * UNITS.h! + Number(m[3] ?? 0) * UNITS.m!;
}

/** A `--start` or `--end` value: `now`, relative to `base`, or an ISO 8601 time with a zone. */
export function parseWindowTime(flag: string, value: string, now: Date, base: Date): Date {
  if (value === 'now') return now;
  const rel = relativeMs(value);
  if (rel !== null) {
    if (rel <= 0) throw new UsageError(`${flag} "${value}" is no time at all: give a length such as +90m, +3h or +1h30m`);
    return new Date(base.getTime() + rel);
  }
  if (ISO_WITH_ZONE.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  const what = flag === '--end' ? '"+90m", "+3h" (from --start)' : '"now", "+30m" (from now)';
  throw new UsageError(`${flag} "${value}" is not a time: give an ISO 8601 time with a zone (2026-12-01T01:00+01:00), ${what}`);
}

/** The store `--source` names; `--source aws` needs the artifacts bucket (`--bucket` or FLP_ARTIFACTS_BUCKET) and a region. */
export function windowStoreFor(config: Config, opts: Pick<WindowCommonOptions, 'source' | 'bucket'>, env: NodeJS.ProcessEnv = process.env): WindowStore {
  const source = opts.source ?? 'local';
  if (source === 'local') return new LocalWindowStore(config.store.dir);
  if (source !== 'aws') throw new UsageError(`--source "${source}": give local or aws`);
  const bucket = opts.bucket ?? env[HANDLER_ENV.artifactsBucket];
  if (!bucket)
    throw new UsageError(
      `--source aws needs the deployment's artifacts bucket: --bucket NAME or ${HANDLER_ENV.artifactsBucket}=NAME (the stack output ArtifactsBucketName of ${stackHint(config)})`,
    );
  const region = env[HANDLER_ENV.region] ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError(`--source aws needs the deployment's region: set ${HANDLER_ENV.region} (e.g. ${HANDLER_ENV.region}=eu-central-1)`);
  const endpoint = env[HANDLER_ENV.s3Endpoint];
  return createS3WindowStore({ region, bucket, environment: config.environment, ...(endpoint ? { endpoint } : {}) });
}

function stackHint(config: Config): string {
  return `FlpMonitor-${config.environment.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/** Store problems are the user's to fix (a broken file, a refused write): exit 2 with the store's own message. */
async function withStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WindowStoreError) throw new UsageError(err.message);
    throw err;
  }
}

/** A change of the core (lib/core/windows.ts), its errors (end before start, unknown id) made usage errors. */
function change(fn: WindowChange): WindowChange {
  return (list) => {
    try {
      return fn(list);
    } catch (err) {
      if (err instanceof Error && !(err instanceof UsageError)) throw new UsageError(err.message);
      throw err;
    }
  };
}

function sourceOf(opts: WindowCommonOptions): WindowSource {
  return (opts.source ?? 'local') as WindowSource;
}

export async function windowAddCommand(opts: WindowAddOptions, io: Io, deps: WindowDeps = {}): Promise<number> {
  const config = await loadConfig(opts.config);
  const now = (deps.now ?? (() => new Date()))();
  if (opts.start === undefined) throw new UsageError('window add needs --start: an ISO 8601 time with a zone, "now", or "+30m" (from now)');
  if (opts.end === undefined) throw new UsageError('window add needs --end: an ISO 8601 time with a zone, or "+90m", "+3h" (from --start)');
  if (opts.reason === undefined || !opts.reason.trim()) throw new UsageError('window add needs --reason: say why (it is shown beside every held-back page and in the SLA report)');
  const start = parseWindowTime('--start', opts.start, now, now);
  const end = parseWindowTime('--end', opts.end, now, start);
  if (opts.owner !== undefined) {
    const owners = allOwners(config);
    if (!owners.includes(opts.owner)) throw new UsageError(`--owner "${opts.owner}" is not an owner in ${config.file ?? 'the config'}; the owners are ${owners.join(', ')}`);
  }
  if (opts.release !== undefined && !opts.release.trim()) throw new UsageError('--release: give the version the window installs, e.g. 2026.4.2');
  const store = windowStoreFor(config, opts, deps.env);
  const window = await withStore(() =>
    store.update(
      change((list) =>
        addWindow(list, { start, end, reason: opts.reason!, ...(opts.release ? { release: opts.release.trim() } : {}), ...(opts.owner ? { owner: opts.owner } : {}) }, now),
      ),
    ),
  );
  const row = rowOf(window, config, now);
  if (opts.json) io.out(`${JSON.stringify({ source: sourceOf(opts), store: store.where, window: row }, null, 2)}\n`);
  else {
    io.out(`added ${window.id}: ${span(row)}, ${row.status}${row.status === 'open' ? ' now: pages are held back until it ends' : ''}\n`);
    io.out(`  ${describeRow(row)}\n  in ${store.where}\n`);
  }
  return 0;
}

export async function windowEndCommand(id: string | undefined, opts: WindowCommonOptions, io: Io, deps: WindowDeps = {}): Promise<number> {
  const config = await loadConfig(opts.config);
  const now = (deps.now ?? (() => new Date()))();
  const store = windowStoreFor(config, opts, deps.env);
  const window = await withStore(() => store.update(change((list) => endWindow(list, id, now))));
  const row = rowOf(window, config, now);
  if (opts.json) io.out(`${JSON.stringify({ source: sourceOf(opts), store: store.where, window: row }, null, 2)}\n`);
  else
    io.out(
      Date.parse(window.start) >= actualEnd(window).getTime()
        ? `ended ${window.id} before it began: it never opens (planned ${span({ ...row, actualEnd: row.plannedEnd })})\n  in ${store.where}\n`
        : `ended ${window.id} at ${showLocal(actualEnd(window))}, planned end ${showLocal(new Date(window.end))} (lasted ${showDuration(actualEnd(window).getTime() - Date.parse(window.start))})\n  in ${store.where}\n`,
    );
  return 0;
}

export async function windowRemoveCommand(id: string, opts: WindowCommonOptions, io: Io, deps: WindowDeps = {}): Promise<number> {
  const config = await loadConfig(opts.config);
  const now = (deps.now ?? (() => new Date()))();
  const store = windowStoreFor(config, opts, deps.env);
  const window = await withStore(() => store.update(change((list) => removeWindow(list, id))));
  const row = rowOf(window, config, now);
  if (opts.json) io.out(`${JSON.stringify({ source: sourceOf(opts), store: store.where, window: row }, null, 2)}\n`);
  else io.out(`removed ${window.id} (${span(row)}, ${row.reason})\n  from ${store.where}\n`);
  return 0;
}

/** One window as `window list` shows it, run-time or from the config. */
export interface WindowRow {
  /** The run-time window's id; null for the config's. */
  id: string | null;
  /** `run-time` (`window add`), `config` (`maintenance.windows`) or `config-weekly` (`maintenance.weekly`). */
  from: 'run-time' | 'config' | 'config-weekly';
  status: WindowStatus;
  start: string;
  plannedEnd: string;
  actualEnd: string;
  /** When `window end` closed it early. */
  endedAt?: string;
  reason: string;
  release?: string;
  /** Whose work it is (run-time windows: its own, or by default the release or infrastructure owner). */
  owner?: string;
  createdAt?: string;
}

function rowOf(w: RuntimeWindow, config: Config, now: Date): WindowRow {
  const end = actualEnd(w);
  return {
    id: w.id,
    from: 'run-time',
    status: windowStatus({ start: w.start, end }, now),
    start: w.start,
    plannedEnd: w.end,
    actualEnd: end.toISOString(),
    ...(w.endedAt ? { endedAt: w.endedAt } : {}),
    reason: w.reason,
    ...(w.release ? { release: w.release } : {}),
    owner: windowOwner(w, config.owners),
    createdAt: w.createdAt,
  };
}

function span(row: Pick<WindowRow, 'start' | 'actualEnd'>): string {
  const start = new Date(row.start);
  const end = new Date(row.actualEnd);
  return `${showLocal(start)} to ${showLocal(end)} (${showDuration(end.getTime() - start.getTime())})`;
}

function describeRow(row: WindowRow): string {
  return [`"${row.reason}"`, row.release && `release ${row.release}`, row.owner && `owner ${row.owner}`].filter(Boolean).join(', ');
}

export async function windowListCommand(opts: WindowCommonOptions, io: Io, deps: WindowDeps = {}): Promise<number> {
  const config = await loadConfig(opts.config);
  const now = (deps.now ?? (() => new Date()))();
  const store = windowStoreFor(config, opts, deps.env);
  let runtime: RuntimeWindow[];
  let note: string | null = null;
  if (store instanceof S3WindowStore) {
    const read = await withStore(() => store.read());
    runtime = read.list;
    if (read.absent === 'AccessDenied')
      note = `${store.where}: S3 answered 403 AccessDenied: no window was ever added, or your role lacks the stack's window-operators policy (WindowOperatorsPolicyArn)`;
  } else runtime = await withStore(() => store.list());

  const ahead = new Date(now.getTime() + LIST_AHEAD_DAYS * 86_400_000);
  const fromConfig: WindowRow[] = windowsBetween(config.maintenance, now, ahead).map((w) => ({
    id: null,
    from: w.recurring ? 'config-weekly' : 'config',
    status: windowStatus(w, now),
    start: w.start.toISOString(),
    plannedEnd: w.end.toISOString(),
    actualEnd: w.end.toISOString(),
    reason: w.reason,
  }));
  const rows = [...runtime.map((w) => rowOf(w, config, now)), ...fromConfig].sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || (a.id ?? '').localeCompare(b.id ?? ''));
  const open = rows.filter((r) => r.status === 'open');

  if (opts.json) {
    io.out(`${JSON.stringify({ at: now.toISOString(), source: sourceOf(opts), store: store.where, aheadDays: LIST_AHEAD_DAYS, open: open.length > 0, windows: rows }, null, 2)}\n`);
    if (note) io.err(`flp-monitor: note: ${note}\n`);
    return 0;
  }
  if (note) io.err(`flp-monitor: note: ${note}\n`);
  io.out(`maintenance windows of ${config.environment} (times in ${FLP_TIME_ZONE}): run-time ones in ${store.where}, the config's for the coming ${LIST_AHEAD_DAYS} days\n\n`);
  if (!rows.length) io.out('no window: none at run time, none in the config for the coming 7 days\n');
  else {
    io.out(
      `${renderTable(rows, [
        { header: 'id', value: (r) => r.id ?? '-' },
        { header: 'from', value: (r) => r.from },
        { header: 'status', value: (r) => r.status },
        { header: 'start', value: (r) => showLocal(new Date(r.start)) },
        { header: 'planned end', value: (r) => showLocal(new Date(r.plannedEnd)) },
        { header: 'actual end', value: (r) => (r.actualEnd === r.plannedEnd ? '-' : showLocal(new Date(r.actualEnd))) },
        { header: 'owner', value: (r) => r.owner ?? '-' },
        { header: 'release', value: (r) => r.release ?? '-' },
        { header: 'reason', value: (r) => r.reason },
      ])}\n`,
    );
  }
  io.out(open.length ? `\nopen now: ${open.map((r) => r.id ?? `${r.from} "${r.reason}"`).join(', ')}: pages are held back\n` : '\nno window is open now\n');
  return 0;
}
