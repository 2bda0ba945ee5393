/**
 * Data-sync probe: asks one source's status endpoint whether the synchronisation that feeds
 * the plans (lab results, diagnoses, …) works, and how far behind it is.
 */
import type { Config } from '../lib/core/config.ts';
import type { ProbeContext } from '../lib/core/context.ts';
import { describeHttpFailure, describeStatus, formatAge } from '../lib/core/format.ts';
import { httpStatusEvidence } from '../lib/core/response-origin.ts';
import { parseJsonBody } from '../lib/core/json-body.ts';
import type { Evidence, Observations, ProbeResult } from '../lib/core/result.ts';
import { PROBE_IDS } from '../lib/core/contract.ts';

export type SyncSource = Config['sync'][number];

export interface SyncProbeOptions {
  /** Budget for the status request (config `timeouts.requestMs`). */
  requestMs: number;
}

/** The contract's sync status, once checked. */
export interface SyncStatus {
  source: string;
  state: 'ok' | 'running' | 'failed';
  lastSuccessfulSync: string;
  records: number;
  error: string | null;
}

const STATES = ['ok', 'running', 'failed'] as const;

/** ISO 8601 date-time with a zone: without one the time would mean whatever the reader's zone is. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

function quote(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Checks a parsed body against the contract's shape. Returns the status, or every problem,
 * each naming its property (`lastSuccessfulSync: not an ISO 8601 time ("yesterday")`).
 */
export function checkSyncStatus(body: unknown): { ok: true; status: SyncStatus } | { ok: false; problems: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problems: [`body: not a JSON object (${quote(body)})`] };
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const missing = (k: string) => !(k in b) && (problems.push(`${k}: missing`), true);
  if (!missing('source') && typeof b.source !== 'string') problems.push(`source: not a string (${quote(b.source)})`);
  if (!missing('state') && !STATES.includes(b.state as (typeof STATES)[number]))
    problems.push(`state: not one of "ok", "running", "failed" (${quote(b.state)})`);
  if (!missing('lastSuccessfulSync') && !(typeof b.lastSuccessfulSync === 'string' && ISO_8601.test(b.lastSuccessfulSync) && !Number.isNaN(Date.parse(b.lastSuccessfulSync))))
    problems.push(`lastSuccessfulSync: not an ISO 8601 time (${quote(b.lastSuccessfulSync)})`);
  if (!missing('records') && !(typeof b.records === 'number' && Number.isFinite(b.records) && b.records >= 0))
    problems.push(`records: not a number of records (${quote(b.records)})`);
  if (!missing('error') && !(b.error === null || typeof b.error === 'string')) problems.push(`error: not a string or null (${quote(b.error)})`);
  if (problems.length) return { ok: false, problems };
  return { ok: true, status: b as unknown as SyncStatus };
}

/**
 * Probes one sync source (`sync:<source>`): one step, `status`. Passes when the endpoint
 * answers 200 with the contract's JSON, the state is not `failed`, and the last success is no
 * older than `maxLagMinutes` by `ctx.clock`. Never throws.
 */
export async function probeSync(source: SyncSource, ctx: ProbeContext, opts: SyncProbeOptions): Promise<ProbeResult> {
  const startedAt = ctx.clock.now().toISOString();
  const t0 = performance.now();
  const evidence: Evidence[] = [];
  const observations: Observations = { source: source.source };
  let error: string | null = null;
  const name = `${source.source} sync`;

  try {
    const res = await ctx.http.request(source.url, { timeoutMs: opts.requestMs, headers: { accept: 'application/json' }, signal: ctx.signal });
    observations.phases = res.timings;
    if (!res.ok) {
      evidence.push(res.evidence);
      error = `${name} status ${describeHttpFailure(res)}`;
    } else if (res.status !== 200) {
      const e = httpStatusEvidence(source.url, res.status, res.headers);
      evidence.push(e);
      error = `${name} status ${describeStatus(e)} at ${source.url}`;
    } else {
      const parsed = parseJsonBody(res.body, res.headers['content-type']);
      const checked = parsed.ok ? checkSyncStatus(parsed.value) : { ok: false as const, problems: [parsed.problem] };
      if (!checked.ok) {
        const problem = checked.problems.join('; ');
        evidence.push({ type: 'sync-malformed', source: source.source, url: source.url, problem });
        error = `${name} status malformed: ${problem}`;
      } else {
        const status = checked.status;
        if (status.source !== source.source)
          ctx.logger.warn('sync status names another source', { source: source.source, reported: status.source, url: source.url });
        observations.syncState = status.state;
        const lagSeconds = Math.max(0, Math.floor((ctx.clock.now().getTime() - Date.parse(status.lastSuccessfulSync)) / 1000));
        observations.lagSeconds = lagSeconds;
        if (status.state === 'failed') {
          // A failed source is usually stale too; that is its symptom, so only the failure is reported.
          evidence.push({ type: 'sync-failed', source: source.source, lastSuccessfulSync: status.lastSuccessfulSync, error: status.error });
          error = `${name} failed: state failed, last success ${formatAge(lagSeconds)} ago${status.error ? ` (${status.error})` : ''}`;
        } else if (lagSeconds > source.maxLagMinutes * 60) {
          evidence.push({
            type: 'sync-stale',
            source: source.source,
            where: 'status',
            lastSuccessfulSync: status.lastSuccessfulSync,
            lagSeconds,
            maxLagMinutes: source.maxLagMinutes,
          });
          error = `${name} stale: last success ${formatAge(lagSeconds)} ago, limit ${source.maxLagMinutes} min`;
        }
      }
    }
  } catch (err) {
    // A bug of ours (the client promises not to throw); report it as the monitor's failure.
    const message = err instanceof Error ? err.message : String(err);
    evidence.push({ type: 'monitor', message: `sync probe crashed: ${message}` });
    error = `${name} not checked: ${message}`;
  }

  const durationMs = Math.round(performance.now() - t0);
  const ok = evidence.length === 0;
  return {
    probe: PROBE_IDS.sync(source.source),
    kind: 'sync',
    target: source.url,
    ok,
    startedAt,
    durationMs,
    attempts: 1,
    steps: [{ name: 'status', status: ok ? 'passed' : 'failed', startedAt, durationMs, ...(error ? { error } : {}) }],
    evidence,
    error: ok ? null : error,
    observations,
    artifacts: [],
  };
}
