import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger, ProbeContext, Resolve } from '../../../lib/core/context.ts';
import { classify } from '../../../lib/core/classify.ts';
import { DEFAULT_OWNERS } from '../../../lib/core/config.ts';
import { formatAge } from '../../../lib/core/format.ts';
import { createHttpClient } from '../../../lib/adapters/http.ts';
import { probeSync } from '../../../probes/sync.ts';
import { listen, type RunningServer } from '../../support/tls.ts';
import { startTrickleServer, type TrickleMode, type TrickleServer } from '../../support/trickle-server.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
function context(now = NOW): ProbeContext {
  return { clock: { now: () => now }, http: createHttpClient({ resolve }), resolve, logger: quiet };
}

let handler: http.RequestListener = (_req, res) => res.end();
let server: RunningServer<http.Server>;
let lab: { source: string; url: string; maxLagMinutes: number };

function answer(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  handler = (_req, res) => res.writeHead(status, headers).end(typeof body === 'string' ? body : JSON.stringify(body));
}
const labStatus = (over: Record<string, unknown> = {}) => ({ source: 'lab', state: 'ok', lastSuccessfulSync: ago(30), records: 1234, error: null, ...over });

beforeAll(async () => {
  server = await listen(http.createServer((req, res) => handler(req, res)));
  lab = { source: 'lab', url: `http://sync.sandbox.test:${server.port}/sync/lab/status`, maxLagMinutes: 120 };
});
afterAll(() => server.close());
beforeEach(() => answer(200, labStatus()));

describe('probeSync', () => {
  it('passes a source that synced recently, reporting its state and lag', async () => {
    const result = await probeSync(lab, context(), { requestMs: 2000 });

    expect(result).toMatchObject({
      probe: 'sync:lab',
      kind: 'sync',
      target: lab.url,
      ok: true,
      error: null,
      attempts: 1,
      artifacts: [],
      evidence: [],
      observations: { source: 'lab', syncState: 'ok', lagSeconds: 1800 },
    });
    expect(result.steps).toEqual([{ name: 'status', status: 'passed', startedAt: NOW.toISOString(), durationMs: expect.any(Number) }]);
    expect(result.startedAt).toBe(NOW.toISOString());
  });

  it('asks for JSON and marks the request as synthetic', async () => {
    let headers: http.IncomingHttpHeaders = {};
    handler = (req, res) => {
      headers = req.headers;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(labStatus()));
    };

    await probeSync(lab, context(), { requestMs: 2000 });

    expect(headers.accept).toBe('application/json');
    expect(headers['x-flp-synthetic']).toBe('1');
  });

  it('passes a sync that is running while its last success is within the limit', async () => {
    answer(200, labStatus({ state: 'running', lastSuccessfulSync: ago(90) }));

    const result = await probeSync(lab, context(), { requestMs: 2000 });

    expect(result.ok).toBe(true);
    expect(result.observations).toMatchObject({ syncState: 'running', lagSeconds: 5400 });
  });

  it('reports a failed source as a sync failure with its last success and error text', async () => {
    answer(200, labStatus({ state: 'failed', lastSuccessfulSync: ago(6 * 60 + 12), error: 'import job crashed' }));

    const result = await probeSync(lab, context(), { requestMs: 2000 });

    expect(result.ok).toBe(false);
    expect(result.evidence).toEqual([{ type: 'sync-failed', source: 'lab', lastSuccessfulSync: ago(372), error: 'import job crashed' }]);
    expect(result.error).toBe('lab sync failed: state failed, last success 6 h 12 min ago (import job crashed)');
    expect(result.steps[0]).toMatchObject({ name: 'status', status: 'failed', error: result.error });
    expect(result.observations).toMatchObject({ syncState: 'failed', lagSeconds: 372 * 60 });
  });

  it('reports a source whose last success is older than its limit by the clock as stale', async () => {
    answer(200, labStatus({ lastSuccessfulSync: '2026-03-01T02:00:00Z' }));

    const stale = await probeSync(lab, context(), { requestMs: 2000 });
    const earlier = await probeSync(lab, context(new Date('2026-03-01T03:00:00Z')), { requestMs: 2000 });

    expect(stale.ok).toBe(false);
    expect(stale.evidence).toEqual([
      { type: 'sync-stale', source: 'lab', where: 'status', lastSuccessfulSync: '2026-03-01T02:00:00Z', lagSeconds: 36_000, maxLagMinutes: 120 },
    ]);
    expect(stale.error).toBe('lab sync stale: last success 10 h 0 min ago, limit 120 min');
    expect(earlier.ok).toBe(true);
  });

  it('reports a body that is not JSON as malformed', async () => {
    answer(200, '{"source": "lab", "state": ');

    const result = await probeSync(lab, context(), { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'sync-malformed', source: 'lab', url: lab.url, problem: 'body: not JSON (content-type application/json)' }]);
    expect(result.error).toBe('lab sync status malformed: body: not JSON (content-type application/json)');
  });

  it('names every property that does not match the contract', async () => {
    answer(200, { source: 'lab', state: 'ok', lastSuccessfulSync: 'yesterday', records: '1234' });

    const result = await probeSync(lab, context(), { requestMs: 2000 });

    expect(result.ok).toBe(false);
    const [evidence] = result.evidence;
    expect(evidence).toMatchObject({ type: 'sync-malformed', source: 'lab' });
    const problem = (evidence as { problem: string }).problem;
    expect(problem).toContain('lastSuccessfulSync: not an ISO 8601 time ("yesterday")');
    expect(problem).toContain('records: not a number of records ("1234")');
    expect(problem).toContain('error: missing');
    expect(problem).not.toContain('state');
  });

  it('rejects an unknown state and a time without a zone', async () => {
    answer(200, labStatus({ state: 'broken', lastSuccessfulSync: '2026-03-01T11:00:00' }));

    const result = await probeSync(lab, context(), { requestMs: 2000 });

    const problem = (result.evidence[0] as { problem: string }).problem;
    expect(problem).toBe('state: not one of "ok", "running", "failed" ("broken"); lastSuccessfulSync: not an ISO 8601 time ("2026-03-01T11:00:00")');
  });

  it("reports a 500 with the application's JSON as an HTTP status from the app", async () => {
    answer(500, { error: 'internal' });

    const result = await probeSync(lab, context(), { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'http-status', url: lab.url, status: 500, origin: 'app', contentType: 'application/json' }]);
    expect(result.error).toBe(`lab sync status answered 500 from the application (application/json) at ${lab.url}`);
  });

  it("reports a proxy's 502 HTML page as an HTTP status from the proxy", async () => {
    answer(502, '<html><body>502 Bad Gateway</body></html>', { 'content-type': 'text/html', server: 'nginx/1.27' });

    const result = await probeSync(lab, context(), { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'http-status', url: lab.url, status: 502, origin: 'proxy', contentType: 'text/html', server: 'nginx/1.27' }]);
    expect(result.error).toBe(`lab sync status answered 502 from a proxy (text/html, server nginx/1.27) at ${lab.url}`);
  });

  it('passes a refused connection through as network evidence', async () => {
    const closed = await listen(net.createServer());
    await closed.close();
    const url = `http://sync.sandbox.test:${closed.port}/sync/lab/status`;

    const result = await probeSync({ ...lab, url }, context(), { requestMs: 2000 });

    expect(result.evidence).toEqual([expect.objectContaining({ type: 'network', code: 'ECONNREFUSED', url })]);
    expect(result.error).toBe(`lab sync status unreachable: connection refused (ECONNREFUSED) at ${url}`);
    expect(result.observations).toEqual({ source: 'lab', phases: expect.any(Object) });
  });

  it('does not throw when the HTTP client does', async () => {
    const ctx = { ...context(), http: { request: () => Promise.reject(new Error('boom')) } };

    const result = await probeSync(lab, ctx, { requestMs: 2000 });

    expect(result).toMatchObject({ ok: false, evidence: [{ type: 'monitor' }], error: 'lab sync not checked: boom' });
  });
});

describe('probeSync against a slow status endpoint', () => {
  // Generous: the suite runs on a busy machine; the contract only promises the probe ends near requestMs.
  const REQUEST_MS = 400;
  const MARGIN_MS = 2000;
  let slow: TrickleServer | undefined;
  afterEach(async () => {
    await slow?.close();
    slow = undefined;
  });
  async function endpoint(mode: TrickleMode, trickleMs = 50) {
    slow = await startTrickleServer({ mode, trickleMs, body: () => JSON.stringify(labStatus()) });
    return { ...lab, url: `${slow.baseUrl}/sync/lab/status` };
  }

  it('reports a 200 whose JSON trickles past requestMs as a sync failure (PLSP) with a body timeout', async () => {
    const source = await endpoint('trickle-body');

    const result = await probeSync(source, context(), { requestMs: REQUEST_MS });
    const classified = classify(result, DEFAULT_OWNERS);

    expect(result.evidence).toEqual([{ type: 'timeout', url: source.url, phase: 'body', afterMs: REQUEST_MS }]);
    expect(classified).toMatchObject({ ok: false, class: 'sync', owner: 'PLSP' });
    expect(result.error).toMatch(new RegExp(`^lab sync status answered in \\d+ ms, then its body did not finish within ${REQUEST_MS} ms at ${source.url}$`));
    expect(result.observations.phases?.firstByteMs).toBeLessThan(REQUEST_MS);
    expect(result.durationMs).toBeLessThan(REQUEST_MS + MARGIN_MS);
  });

  it('reports headers followed by no body at all the same way', async () => {
    const source = await endpoint('stall-body');

    const result = await probeSync(source, context(), { requestMs: REQUEST_MS });

    expect(result.evidence).toEqual([{ type: 'timeout', url: source.url, phase: 'body', afterMs: REQUEST_MS }]);
    expect(classify(result, DEFAULT_OWNERS)).toMatchObject({ class: 'sync', owner: 'PLSP' });
  });

  it('still reports an endpoint that accepts and never sends a byte as infrastructure', async () => {
    const source = await endpoint('silent');

    const result = await probeSync(source, context(), { requestMs: REQUEST_MS });

    expect(result.evidence).toEqual([{ type: 'timeout', url: source.url, phase: 'first-byte', afterMs: REQUEST_MS }]);
    expect(classify(result, DEFAULT_OWNERS)).toMatchObject({ class: 'infrastructure', owner: 'PLSP' });
    expect(result.error).toBe(`lab sync status no response within ${REQUEST_MS} ms at ${source.url}`);
    expect(result.durationMs).toBeLessThan(REQUEST_MS + MARGIN_MS);
  });

  it('passes the same slow body when it finishes within requestMs', async () => {
    const source = await endpoint('trickle-body', 1);

    const result = await probeSync(source, context(), { requestMs: 10_000 });

    expect(result).toMatchObject({ ok: true, evidence: [], observations: { syncState: 'ok' } });
  });
});

describe('formatAge', () => {
  it('says an age in its two largest units', () => {
    expect(formatAge(45)).toBe('45 s');
    expect(formatAge(12 * 60 + 5)).toBe('12 min 5 s');
    expect(formatAge(6 * 3600 + 12 * 60 + 59)).toBe('6 h 12 min');
    expect(formatAge(10 * 3600)).toBe('10 h 0 min');
    expect(formatAge(3 * 86_400 + 2 * 3600 + 600)).toBe('3 d 2 h');
    expect(formatAge(-5)).toBe('0 s');
  });
});
