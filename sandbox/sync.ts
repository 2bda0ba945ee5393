/**
 * The data-synchronisation status service: one status document per source, as the hosting
 * provider's sync jobs would publish it. Healthy sources last succeeded a few minutes ago,
 * on a schedule that moves with real time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-util.ts';
import type { World } from './world.ts';

export type SyncState = 'ok' | 'running' | 'failed';

export interface SyncStatus {
  source: string;
  state: SyncState;
  lastSuccessfulSync: string;
  records: number;
  error: string | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** How often each source syncs, in minutes; other sources every 10 minutes. */
const PERIOD_MINUTES: Record<string, number> = { lab: 5, diagnoses: 10, medication: 10, measurements: 15 };
const BASE_RECORDS: Record<string, number> = { lab: 48_210, diagnoses: 12_877, medication: 30_402, measurements: 21_954 };
const FAILURE_TEXT: Record<string, string> = {
  lab: 'laboratory feed: connection to the lab exchange timed out after 30 s (3 attempts)',
  diagnoses: 'diagnoses feed: upstream answered 503 Service Unavailable',
  medication: 'medication feed: certificate for the medication card service was rejected',
  measurements: 'measurements feed: upstream answered 500 Internal Server Error',
};

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

/** When a healthy source last succeeded: between 1 and period+1 minutes ago, a sawtooth over time. */
function healthyLastSync(source: string, now: Date): Date {
  const period = (PERIOD_MINUTES[source] ?? 10) * MINUTE;
  const phase = (hash(source) % 60) * 1000;
  const sinceRun = (now.getTime() + phase) % period;
  return new Date(now.getTime() - sinceRun - MINUTE);
}

function records(source: string, now: Date): number {
  const period = (PERIOD_MINUTES[source] ?? 10) * MINUTE;
  return (BASE_RECORDS[source] ?? 5_000 + (hash(source) % 5_000)) + (Math.floor(now.getTime() / period) % 500);
}

/** The status a source reports now, with `sync-failed` and `sync-stale` applied. */
export function syncStatus(world: World, source: string, now: Date): SyncStatus {
  const status: SyncStatus = {
    source,
    state: 'ok',
    lastSuccessfulSync: healthyLastSync(source, now).toISOString(),
    records: records(source, now),
    error: null,
  };
  if (world.faults.has('sync-failed', { source })) {
    status.state = 'failed';
    status.error = FAILURE_TEXT[source] ?? `${source} feed: upstream did not answer`;
    status.lastSuccessfulSync = new Date(now.getTime() - 6 * HOUR - 12 * MINUTE).toISOString();
  } else if (world.faults.has('sync-stale', { source })) {
    status.lastSuccessfulSync = new Date(now.getTime() - 10 * HOUR).toISOString();
  }
  return status;
}

/** Handles `GET /sync/{source}/status`. */
export function createSyncHandler(world: World): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    world.record(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const m = /^\/sync\/([^/]+)\/status$/.exec(path);
    if (!m) return sendJson(res, 404, { error: `no such endpoint: ${path}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    const source = decodeURIComponent(m[1] ?? '');
    if (!world.sources.includes(source)) return sendJson(res, 404, { error: `unknown source: ${source}` });
    if (world.faults.has('sync-error', { source })) return sendJson(res, 500, { error: 'status store unavailable' });
    if (world.faults.has('sync-malformed', { source })) {
      const body = `{"source":"${source}","state":"ok","lastSuccessfulSync":`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    sendJson(res, 200, syncStatus(world, source, new Date()));
  };
}
