import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../../lib/core/classify.ts';
import { DEFAULT_OWNERS } from '../../../lib/core/config.ts';
import type { Logger, ProbeContext, Resolve } from '../../../lib/core/context.ts';
import { createHttpClient } from '../../../lib/adapters/http.ts';
import { probeLoadBalancer, probeNode } from '../../../probes/node.ts';
import { createTestPki, listen, startHttpsServer, type RunningServer, type TestPki } from '../../support/tls.ts';
import { startTrickleServer, type TrickleServerOptions } from '../../support/trickle-server.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const resolve: Resolve = async (hostname) => {
  if (hostname.endsWith('.sandbox.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let pki: TestPki;
let ctx: ProbeContext;
const servers: RunningServer<net.Server>[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  ctx = { clock: { now: () => NOW }, http: createHttpClient({ resolve, caFile: pki.caFile }), resolve, logger: quiet };
});
afterAll(() => pki.dispose());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const json = (status: number, body: unknown): http.RequestListener => (req, res) =>
  req.url === '/health' ? res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)) : res.writeHead(404).end();

async function httpsNode(name: string, handler: http.RequestListener, cert: { fromDays?: number; toDays?: number } = {}) {
  const server = await startHttpsServer(await pki.leaf(`${name}.sandbox.test`, cert), handler);
  servers.push(server);
  return { name, url: `https://${name}.sandbox.test:${server.port}` };
}

async function httpServer(handler: http.RequestListener) {
  const server = await listen(http.createServer(handler));
  servers.push(server);
  return `http://flp.sandbox.test:${server.port}`;
}

const healthy = (node: string) => ({ status: 'ok', version: '2026.4.1', node, db: 'ok' });

describe('probeNode', () => {
  it('passes a healthy node and reports its version, phases and certificate days left', async () => {
    const node = await httpsNode('flp-1', json(200, healthy('flp-1')), { toDays: 45.5 });

    const result = await probeNode(node, ctx, { requestMs: 2000 });

    expect(result).toMatchObject({
      probe: 'node:flp-1',
      kind: 'node',
      target: `${node.url}/health`,
      ok: true,
      error: null,
      attempts: 1,
      artifacts: [],
      evidence: [],
      startedAt: NOW.toISOString(),
      observations: { node: 'flp-1', version: '2026.4.1', certDaysLeft: 45 },
    });
    expect(result.steps).toEqual([{ name: 'health', status: 'passed', startedAt: NOW.toISOString(), durationMs: expect.any(Number) }]);
    const phases = result.observations.phases ?? {};
    expect(Object.keys(phases).sort()).toEqual(['connectMs', 'dnsMs', 'firstByteMs', 'tlsMs', 'totalMs']);
  });

  it('reports a node whose database is down (503 with its JSON) as database down, with its version', async () => {
    const node = await httpsNode('flp-1', json(503, { status: 'degraded', version: '2026.4.1', node: 'flp-1', db: 'down' }));

    const result = await probeNode(node, ctx, { requestMs: 2000 });

    expect(result.ok).toBe(false);
    expect(result.evidence).toEqual([{ type: 'database-down', url: `${node.url}/health`, node: 'flp-1' }]);
    expect(result.error).toBe('flp-1 database down');
    expect(result.steps[0]).toMatchObject({ status: 'failed', error: 'flp-1 database down' });
    expect(result.observations.version).toBe('2026.4.1');
  });

  it('reports a node that refuses connections as unreachable with ECONNREFUSED', async () => {
    const closed = await listen(net.createServer());
    await closed.close();
    const node = { name: 'flp-2', url: `https://flp-2.sandbox.test:${closed.port}` };

    const result = await probeNode(node, ctx, { requestMs: 2000 });

    expect(result.evidence).toEqual([expect.objectContaining({ type: 'network', code: 'ECONNREFUSED', url: `${node.url}/health` })]);
    expect(result.error).toBe(`flp-2 unreachable: connection refused (ECONNREFUSED) at ${node.url}/health`);
  });

  it('reports an expired certificate with how long ago it expired, and its negative days left', async () => {
    const node = await httpsNode('flp-1', json(200, healthy('flp-1')), { fromDays: -90, toDays: -2.5 });

    const result = await probeNode(node, ctx, { requestMs: 2000 });

    expect(result.evidence).toEqual([expect.objectContaining({ type: 'tls', code: 'CERT_HAS_EXPIRED' })]);
    expect(result.error).toBe('flp-1 TLS certificate expired 3 days ago (CERT_HAS_EXPIRED)');
    expect(result.observations.certDaysLeft).toBe(-3);
  });

  it('reports a 200 that is not the health shape as a bad response naming the property', async () => {
    const node = await httpsNode('flp-1', json(200, { status: 'ok', node: 'flp-1', db: 'ok' }));

    const result = await probeNode(node, ctx, { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'bad-response', url: `${node.url}/health`, problem: 'version: missing' }]);
    expect(result.error).toBe('flp-1 bad health response: version: missing');
  });

  it('reports a 200 that is not JSON as a bad response', async () => {
    const node = await httpsNode('flp-1', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>It works</h1>'));

    const result = await probeNode(node, ctx, { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'bad-response', url: `${node.url}/health`, problem: 'body: not JSON (content-type text/html)' }]);
  });

  it("reports the application's own 500 as an HTTP status from the app", async () => {
    const node = await httpsNode('flp-3', json(500, { error: 'boom' }));

    const result = await probeNode(node, ctx, { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'http-status', url: `${node.url}/health`, status: 500, origin: 'app', contentType: 'application/json' }]);
  });
});

describe('probeLoadBalancer', () => {
  it('passes when the load balancer serves a healthy node, and names the node that answered', async () => {
    const baseUrl = await httpServer(json(200, healthy('flp-2')));

    const result = await probeLoadBalancer(`${baseUrl}/`, ctx, { requestMs: 2000 });

    expect(result).toMatchObject({ probe: 'lb', kind: 'node', target: `${baseUrl}/health`, ok: true, error: null });
    expect(result.observations).toMatchObject({ node: 'flp-2', version: '2026.4.1' });
    expect(result.observations.certDaysLeft).toBeUndefined();
  });

  it("reports a proxy's 502 page as an HTTP status from the proxy", async () => {
    const baseUrl = await httpServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html', server: 'nginx' }).end('<h1>502 Bad Gateway</h1>'));

    const result = await probeLoadBalancer(baseUrl, ctx, { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'http-status', url: `${baseUrl}/health`, status: 502, origin: 'proxy', contentType: 'text/html', server: 'nginx' }]);
    expect(result.error).toBe(`load balancer answered 502 from a proxy (text/html, server nginx) at ${baseUrl}/health`);
  });

  it('reports a proxy that accepts and never answers as a first-byte timeout', async () => {
    const silent = await listen(net.createServer(() => {}));
    servers.push(silent);
    const baseUrl = `http://flp.sandbox.test:${silent.port}`;

    const result = await probeLoadBalancer(baseUrl, ctx, { requestMs: 200 });

    expect(result.evidence).toEqual([expect.objectContaining({ type: 'timeout', phase: 'first-byte' })]);
    expect(result.error).toBe(`load balancer no response within 200 ms at ${baseUrl}/health`);
  });

  it('reports the database down behind the load balancer with the node that said so', async () => {
    const baseUrl = await httpServer(json(503, { status: 'degraded', version: '2026.4.1', node: 'flp-3', db: 'down' }));

    const result = await probeLoadBalancer(baseUrl, ctx, { requestMs: 2000 });

    expect(result.evidence).toEqual([{ type: 'database-down', url: `${baseUrl}/health`, node: 'flp-3' }]);
    expect(result.error).toBe('load balancer database down (reported by flp-3)');
  });
});

describe('health that answers and then does not finish', () => {
  // Generous: the suite runs on a busy machine; the contract only promises the probe ends near requestMs.
  const REQUEST_MS = 400;
  const MARGIN_MS = 2000;
  const slowServers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(slowServers.splice(0).map((s) => s.close()));
  });
  async function slowHealth(options: TrickleServerOptions) {
    const server = await startTrickleServer(options);
    slowServers.push(server);
    return server;
  }

  it("reports a node whose /health trickles past requestMs as the application's failure (KiAP), not the hosting's", async () => {
    const slow = await slowHealth({ mode: 'trickle-body', trickleMs: 50, body: () => JSON.stringify(healthy('flp-1')) });
    const url = `http://flp-1.sandbox.test:${new URL(slow.baseUrl).port}`;

    const result = await probeNode({ name: 'flp-1', url }, ctx, { requestMs: REQUEST_MS });

    expect(result.evidence).toEqual([{ type: 'timeout', url: `${url}/health`, phase: 'body', afterMs: REQUEST_MS }]);
    expect(classify(result, DEFAULT_OWNERS)).toMatchObject({ ok: false, class: 'application', owner: 'KiAP' });
    expect(result.error).toMatch(new RegExp(`^flp-1 answered in \\d+ ms, then its body did not finish within ${REQUEST_MS} ms at ${url}/health$`));
    expect(result.durationMs).toBeLessThan(REQUEST_MS + MARGIN_MS);
  });

  it("reports the load balancer's /health that sends headers and then stalls as the application's failure", async () => {
    const slow = await slowHealth({ mode: 'stall-body', body: () => JSON.stringify(healthy('flp-2')) });

    const result = await probeLoadBalancer(slow.baseUrl, ctx, { requestMs: REQUEST_MS });

    expect(result.evidence).toEqual([{ type: 'timeout', url: `${slow.baseUrl}/health`, phase: 'body', afterMs: REQUEST_MS }]);
    expect(classify(result, DEFAULT_OWNERS)).toMatchObject({ class: 'application', owner: 'KiAP' });
  });

  it('still reports a node that accepts and never sends a byte as infrastructure', async () => {
    const slow = await slowHealth({ mode: 'silent' });

    const result = await probeNode({ name: 'flp-1', url: slow.baseUrl }, ctx, { requestMs: REQUEST_MS });

    expect(result.evidence).toEqual([{ type: 'timeout', url: `${slow.baseUrl}/health`, phase: 'first-byte', afterMs: REQUEST_MS }]);
    expect(classify(result, DEFAULT_OWNERS)).toMatchObject({ class: 'infrastructure', owner: 'PLSP' });
    expect(result.durationMs).toBeLessThan(REQUEST_MS + MARGIN_MS);
  });
});
