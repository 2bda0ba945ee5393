/**
 * Server probes: each application node's `/health` reached directly (`node:<name>`), and the
 * same endpoint through the load balancer (`lb`). They report the version each node runs (for
 * the release check), the phase timings and the certificate's days left.
 */
import type { HttpFailure, HttpResponse, ProbeContext } from '../lib/core/context.ts';
import { describeHttpFailure, describeStatus } from '../lib/core/format.ts';
import { httpStatusEvidence } from '../lib/core/response-origin.ts';
import { isJsonObject, parseJsonBody } from '../lib/core/json-body.ts';
import type { Evidence, Observations, ProbeResult } from '../lib/core/result.ts';
import { PROBE_IDS } from '../lib/core/contract.ts';

export interface NodeProbeOptions {
  /** Budget for the health request (config `timeouts.requestMs`). */
  requestMs: number;
}

/** The contract's health answer. */
export interface Health {
  status: string;
  version: string;
  node: string;
  db: string;
}

function healthUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/health`;
}

/** Every way a parsed 200 body misses the contract's healthy shape, each naming its property. */
export function healthProblems(body: unknown): string[] {
  if (!isJsonObject(body)) return ['body: not a JSON object'];
  const problems: string[] = [];
  for (const key of ['status', 'version', 'node', 'db'] as const) {
    if (!(key in body)) problems.push(`${key}: missing`);
    else if (typeof body[key] !== 'string' || body[key] === '') problems.push(`${key}: not a non-empty string (${JSON.stringify(body[key])})`);
  }
  if (!problems.length && body.status !== 'ok') problems.push(`status: ${JSON.stringify(body.status)} with HTTP 200, expected "ok"`);
  return problems;
}

interface Target {
  probe: string;
  /** How the error line names the thing probed: `flp-1`, `load balancer`. */
  label: string;
  /** The configured node name, when probing one node directly. */
  node?: string;
  url: string;
}

async function probeHealth(target: Target, ctx: ProbeContext, opts: NodeProbeOptions): Promise<ProbeResult> {
  const startedAt = ctx.clock.now().toISOString();
  const t0 = performance.now();
  const evidence: Evidence[] = [];
  const observations: Observations = target.node ? { node: target.node } : {};
  let error: string | null = null;

  try {
    const res: HttpResponse | HttpFailure = await ctx.http.request(target.url, {
      timeoutMs: opts.requestMs,
      headers: { accept: 'application/json' },
      signal: ctx.signal,
    });
    observations.phases = res.timings;
    // Reported whenever seen, an expired one too: "expired 3 days ago" is the point of it.
    if (res.certificate) observations.certDaysLeft = res.certificate.daysLeft;
    if (!res.ok) {
      evidence.push(res.evidence);
      error = `${target.label} ${describeHttpFailure(res)}`;
    } else {
      const parsed = parseJsonBody(res.body, res.headers['content-type']);
      const body = parsed.ok ? parsed.value : undefined;
      if (isJsonObject(body)) {
        if (typeof body.version === 'string' && body.version) observations.version = body.version;
        if (typeof body.node === 'string' && body.node) {
          if (target.node && body.node !== target.node)
            ctx.logger.warn('health names another node', { node: target.node, reported: body.node, url: target.url });
          // Through the load balancer this tells which node answered.
          observations.node ??= body.node;
        }
      }
      const reportedNode = isJsonObject(body) && typeof body.node === 'string' ? body.node : undefined;
      if (isJsonObject(body) && body.db === 'down') {
        const node = target.node ?? reportedNode;
        evidence.push({ type: 'database-down', url: target.url, ...(node ? { node } : {}) });
        error = `${target.label} database down${!target.node && reportedNode ? ` (reported by ${reportedNode})` : ''}`;
      } else if (res.status !== 200) {
        const e = httpStatusEvidence(target.url, res.status, res.headers);
        evidence.push(e);
        error = `${target.label} ${describeStatus(e)} at ${target.url}`;
      } else {
        const problems = parsed.ok ? healthProblems(parsed.value) : [parsed.problem];
        if (problems.length) {
          const problem = problems.join('; ');
          evidence.push({ type: 'bad-response', url: target.url, problem });
          error = `${target.label} bad health response: ${problem}`;
        }
      }
    }
  } catch (err) {
    // A bug of ours (the client promises not to throw); report it as the monitor's failure.
    const message = err instanceof Error ? err.message : String(err);
    evidence.push({ type: 'monitor', message: `health probe crashed: ${message}` });
    error = `${target.label} not checked: ${message}`;
  }

  const durationMs = Math.round(performance.now() - t0);
  const ok = evidence.length === 0;
  return {
    probe: target.probe,
    kind: 'node',
    target: target.url,
    ok,
    startedAt,
    durationMs,
    attempts: 1,
    steps: [{ name: 'health', status: ok ? 'passed' : 'failed', startedAt, durationMs, ...(error ? { error } : {}) }],
    evidence,
    error: ok ? null : error,
    observations,
    artifacts: [],
  };
}

/**
 * Probes one node directly (`node:<name>`): one step, `health`, `GET {url}/health`. Passes on
 * `200` with `{ status: "ok", version, node, db }`. Never throws.
 */
export function probeNode(node: { name: string; url: string }, ctx: ProbeContext, opts: NodeProbeOptions): Promise<ProbeResult> {
  return probeHealth({ probe: PROBE_IDS.node(node.name), label: node.name, node: node.name, url: healthUrl(node.url) }, ctx, opts);
}

/**
 * Probes the health endpoint through the load balancer (`lb`): the same checks as a node, so
 * a gateway error (502/503/504 without the application's JSON) shows up here. Never throws.
 */
export function probeLoadBalancer(baseUrl: string, ctx: ProbeContext, opts: NodeProbeOptions): Promise<ProbeResult> {
  return probeHealth({ probe: PROBE_IDS.loadBalancer, label: 'load balancer', url: healthUrl(baseUrl) }, ctx, opts);
}
