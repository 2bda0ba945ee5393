import dgram from 'node:dgram';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';
import * as packet from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpFailure, HttpResponse, Resolve } from '../../../../lib/core/context.ts';
import { createHttpClient } from '../../../../lib/adapters/http.ts';
import { createResolver } from '../../../../lib/adapters/resolver.ts';
import { createTestPki, listen, startHttpsServer, type RunningServer, type TestPki } from '../../../support/tls.ts';

/** Every `*.test` name is loopback, after `delayMs`; anything else does not exist. No real DNS. */
function loopbackResolve(delayMs = 0): Resolve {
  return async (hostname) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (hostname.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
}

const running: RunningServer<net.Server>[] = [];
async function serve<S extends net.Server>(server: S | Promise<RunningServer<S>>): Promise<RunningServer<S>> {
  const r = server instanceof net.Server ? await listen(server) : await server;
  running.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

function failure(result: HttpResponse | HttpFailure): HttpFailure {
  if (result.ok) throw new Error(`expected a failure, got HTTP ${result.status}`);
  return result;
}
function response(result: HttpResponse | HttpFailure): HttpResponse {
  if (!result.ok) throw new Error(`expected a response, got ${JSON.stringify(result.evidence)}`);
  return result;
}

describe('http client over plain HTTP', () => {
  it('reports dns, connect, first byte and total in the order they happened', async () => {
    const { port } = await serve(http.createServer((_req, res) => setTimeout(() => res.end('hello'), 40)));
    const client = createHttpClient({ resolve: loopbackResolve(20) });

    const res = response(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 2000 }));

    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello');
    const { dnsMs, connectMs, firstByteMs, totalMs } = res.timings;
    expect(dnsMs).toBeGreaterThanOrEqual(15);
    expect(connectMs).toBeGreaterThanOrEqual(dnsMs as number);
    expect(firstByteMs).toBeGreaterThanOrEqual((connectMs as number) + 35);
    expect(totalMs).toBeGreaterThanOrEqual(firstByteMs as number);
    expect(res.timings.tlsMs).toBeUndefined();
  });

  it('marks every request as synthetic, never asks for compression and opens a new connection each time', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const ports = new Set<number>();
    const { port } = await serve(
      http.createServer((req, res) => {
        seen.push(req.headers);
        ports.add(req.socket.remotePort as number);
        res.end('ok');
      }),
    );
    const client = createHttpClient({ resolve: loopbackResolve() });
    const url = `http://flp.sandbox.test:${port}/health?x=1`;

    await client.request(url, { timeoutMs: 2000, headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip', 'X-FLP-Synthetic': '0' } });
    await client.request(url, { timeoutMs: 2000, method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });

    expect(seen).toHaveLength(2);
    for (const headers of seen) {
      expect(headers['x-flp-synthetic']).toBe('1');
      expect(headers['accept-encoding']).toBeUndefined();
      expect(headers.connection).toBe('close');
      expect(headers.host).toBe(`flp.sandbox.test:${port}`);
    }
    expect(seen[0]?.accept).toBe('application/json');
    expect(seen[1]?.['content-length']).toBe('7');
    expect(ports.size).toBe(2);
  });

  it('returns a compressed body as the bytes that came over the wire', async () => {
    const gz = gzipSync('{"status":"ok"}');
    const { port } = await serve(http.createServer((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gz)));
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = response(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 2000 }));

    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body.equals(gz)).toBe(true);
  });

  it('reports a refused connection as network evidence with ECONNREFUSED', async () => {
    const closed = await listen(net.createServer());
    await closed.close();
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request(`http://flp.sandbox.test:${closed.port}/health`, { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'network', code: 'ECONNREFUSED', url: `http://flp.sandbox.test:${closed.port}/health` });
    expect(res.timings.dnsMs).toBeDefined();
    expect(res.timings.connectMs).toBeUndefined();
  });

  it('gives up at the deadline when the server accepts but never answers (first-byte timeout)', async () => {
    const { port } = await serve(net.createServer(() => {}));
    const client = createHttpClient({ resolve: loopbackResolve() });
    const started = performance.now();

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 300 }));

    expect(performance.now() - started).toBeLessThan(300 + 200);
    expect(res.evidence).toMatchObject({ type: 'timeout', phase: 'first-byte' });
    expect((res.evidence as { afterMs: number }).afterMs).toBe(300);
    expect(res.timings.connectMs).toBeDefined();
    expect(res.timings.firstByteMs).toBeUndefined();
  });

  it('reports a body that trickles past the deadline as a body timeout', async () => {
    const { port } = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('a');
        const tick = setInterval(() => res.write('a'), 50);
        res.on('close', () => clearInterval(tick));
      }),
    );
    const client = createHttpClient({ resolve: loopbackResolve() });
    const started = performance.now();

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 300 }));

    expect(performance.now() - started).toBeLessThan(300 + 200);
    expect(res.evidence).toMatchObject({ type: 'timeout', phase: 'body' });
    expect(res.timings.firstByteMs).toBeLessThan(300);
  });

  it('reports headers followed by a body that never comes as a body timeout, with the first byte timed', async () => {
    const { port } = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
        res.flushHeaders();
      }),
    );
    const client = createHttpClient({ resolve: loopbackResolve() });
    const started = performance.now();

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 300 }));

    expect(performance.now() - started).toBeLessThan(300 + 1000);
    expect(res.evidence).toEqual({ type: 'timeout', url: `http://flp.sandbox.test:${port}/`, phase: 'body', afterMs: 300 });
    expect(res.timings.firstByteMs).toBeLessThan(300);
    expect(res.timings.totalMs).toBeGreaterThanOrEqual(res.timings.firstByteMs as number);
  });

  it('treats a timeout signal that fires after the headers as a body timeout', async () => {
    const { port } = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.flushHeaders();
      }),
    );
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 5000, signal: AbortSignal.timeout(300) }));

    expect(res.evidence).toMatchObject({ type: 'timeout', phase: 'body' });
  });

  it('stops reading a body larger than the limit and closes the connection', async () => {
    let serverSawClose!: Promise<void>;
    const { port } = await serve(
      http.createServer((req, res) => {
        serverSawClose = new Promise((r) => req.socket.on('close', () => r()));
        res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no length to judge by up front
        const tick = setInterval(() => res.write(Buffer.alloc(400, 'x')), 5);
        res.on('close', () => clearInterval(tick));
      }),
    );
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 2000, maxBodyBytes: 1000 }));

    expect(res.evidence).toEqual({ type: 'bad-response', url: `http://flp.sandbox.test:${port}/`, problem: 'body larger than 1000 bytes' });
    await serverSawClose;
  });

  it('refuses a declared Content-Length over the limit without reading it', async () => {
    const { port } = await serve(http.createServer((_req, res) => res.writeHead(200, { 'content-length': 5000 }).end(Buffer.alloc(5000))));
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 2000, maxBodyBytes: 1000 }));

    expect(res.evidence).toMatchObject({ type: 'bad-response', problem: 'body larger than 1000 bytes' });
  });

  it('reports a connection cut in the middle of the body as ECONNRESET', async () => {
    const { port } = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-length': 100 });
        res.write('partial', () => res.socket?.destroy());
      }),
    );
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'network', code: 'ECONNRESET' });
  });

  it('stops when the caller aborts, and reports it as the monitor, not the target', async () => {
    const { port } = await serve(net.createServer(() => {}));
    const client = createHttpClient({ resolve: loopbackResolve() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('run cancelled')), 50);

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 5000, signal: controller.signal }));

    expect(res.evidence).toEqual({ type: 'monitor', message: `request to http://flp.sandbox.test:${port}/ aborted: run cancelled` });
  });

  it('treats an abort by a timeout signal as a timeout', async () => {
    const { port } = await serve(net.createServer(() => {}));
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 5000, signal: AbortSignal.timeout(50) }));

    expect(res.evidence).toMatchObject({ type: 'timeout', phase: 'first-byte' });
  });

  it('turns a resolver that throws instead of rejecting into network evidence', async () => {
    const client = createHttpClient({
      resolve: () => {
        throw new Error('resolver bug');
      },
    });

    const res = failure(await client.request('http://flp.sandbox.test:8700/', { timeoutMs: 2000 }));

    expect(res.evidence).toEqual({ type: 'network', url: 'http://flp.sandbox.test:8700/', code: 'ERR_RESOLVE', message: 'resolver bug' });
  });

  it('accepts a HEAD answer that declares a length beyond the body limit', async () => {
    const { port } = await serve(http.createServer((_req, res) => res.writeHead(200, { 'content-length': 5000 }).end()));
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = response(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 2000, method: 'HEAD', maxBodyBytes: 1000 }));

    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
  });

  it('reports a failing resolver as network evidence with its code', async () => {
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request('http://flp.elsewhere.invalid/', { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'network', code: 'ENOTFOUND' });
  });
});

describe('http client with the configured DNS server', () => {
  let dnsSocket: dgram.Socket;
  let dnsServer: string;

  beforeAll(async () => {
    // Loopback DNS: flp.sandbox.test is 127.0.0.1, every other name is NXDOMAIN.
    dnsSocket = dgram.createSocket('udp4');
    dnsSocket.on('message', (msg, rinfo) => {
      const q = packet.decode(msg);
      const question = q.questions?.[0];
      if (!question) return;
      const known = question.name === 'flp.sandbox.test';
      const answers: packet.Answer[] = known && question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 60, data: '127.0.0.1' }] : [];
      dnsSocket.send(packet.encode({ id: q.id, type: 'response', flags: known ? 0 : 3, questions: q.questions, answers }), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => dnsSocket.bind(0, '127.0.0.1', r));
    dnsServer = `127.0.0.1:${(dnsSocket.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => dnsSocket.close(() => r())));

  it('reaches a host by the name the DNS server gives', async () => {
    const { port } = await serve(http.createServer((_req, res) => res.end('ok')));
    const client = createHttpClient({ resolve: createResolver([dnsServer]) });

    const res = response(await client.request(`http://flp.sandbox.test:${port}/`, { timeoutMs: 2000 }));

    expect(res.status).toBe(200);
  });

  it('reports a name the DNS server does not know (NXDOMAIN) as ENOTFOUND', async () => {
    const client = createHttpClient({ resolve: createResolver([dnsServer]) });

    const res = failure(await client.request('http://gone.sandbox.test:8701/health', { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'network', code: 'ENOTFOUND', url: 'http://gone.sandbox.test:8701/health' });
    expect(res.timings.dnsMs).toBeDefined();
  });
});

describe('http client over HTTPS', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(() => pki.dispose());

  const HOST = 'flp-1.sandbox.test';

  it('trusts a certificate from the configured CA and reports it with the TLS phase', async () => {
    let sni: string | undefined;
    const server = await serve(startHttpsServer(await pki.leaf(HOST, { toDays: 30.5 }), (_req, res) => res.end('ok')));
    server.server.on('secureConnection', (s: TLSSocket) => {
      sni = (s as TLSSocket & { servername?: string }).servername;
    });
    const client = createHttpClient({ resolve: loopbackResolve(), caFile: pki.caFile });

    const res = response(await client.request(`https://${HOST}:${server.port}/health`, { timeoutMs: 2000 }));

    expect(res.status).toBe(200);
    expect(sni).toBe(HOST);
    expect(res.certificate).toMatchObject({ subject: `CN=${HOST}`, issuer: 'CN=flp-monitor test CA', daysLeft: 30 });
    expect(Date.parse(res.certificate?.validTo ?? '')).toBeGreaterThan(Date.now());
    const { dnsMs, connectMs, tlsMs, firstByteMs, totalMs } = res.timings;
    expect([dnsMs, connectMs, tlsMs, firstByteMs, totalMs].every((t) => typeof t === 'number')).toBe(true);
    expect(connectMs).toBeGreaterThanOrEqual(dnsMs as number);
    expect(tlsMs).toBeGreaterThanOrEqual(connectMs as number);
    expect(firstByteMs).toBeGreaterThanOrEqual(tlsMs as number);
    expect(totalMs).toBeGreaterThanOrEqual(firstByteMs as number);
  });

  it('rejects an expired certificate with CERT_HAS_EXPIRED, reports its negative days left and never sends the request', async () => {
    let requests = 0;
    const { port } = await serve(startHttpsServer(await pki.leaf(HOST, { fromDays: -90, toDays: -2.9 }), (_req, res) => (requests++, res.end('ok'))));
    const client = createHttpClient({ resolve: loopbackResolve(), caFile: pki.caFile });

    const res = failure(await client.request(`https://${HOST}:${port}/health`, { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'tls', code: 'CERT_HAS_EXPIRED' });
    expect(res.certificate?.daysLeft).toBe(-3);
    expect(res.timings.tlsMs).toBeDefined();
    expect(requests).toBe(0);
  });

  it('rejects a self-signed certificate with DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    let requests = 0;
    const { port } = await serve(startHttpsServer(await pki.leaf(HOST, { selfSigned: true, toDays: 10.5 }), (_req, res) => (requests++, res.end('ok'))));
    const client = createHttpClient({ resolve: loopbackResolve(), caFile: pki.caFile });

    const res = failure(await client.request(`https://${HOST}:${port}/`, { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(res.certificate).toMatchObject({ subject: `CN=${HOST}`, daysLeft: 10 });
    expect(requests).toBe(0);
  });

  it('rejects a certificate for another host with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    let requests = 0;
    const { port } = await serve(startHttpsServer(await pki.leaf('flp-2.sandbox.test'), (_req, res) => (requests++, res.end('ok'))));
    const client = createHttpClient({ resolve: loopbackResolve(), caFile: pki.caFile });

    const res = failure(await client.request(`https://${HOST}:${port}/`, { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect((res.evidence as { message: string }).message).toContain(HOST);
    expect(res.certificate?.subject).toBe('CN=flp-2.sandbox.test');
    expect(requests).toBe(0);
  });

  it('does not trust a private CA unless it is configured', async () => {
    const { port } = await serve(startHttpsServer(await pki.leaf(HOST), (_req, res) => res.end('ok')));
    const client = createHttpClient({ resolve: loopbackResolve() });

    const res = failure(await client.request(`https://${HOST}:${port}/`, { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'tls', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('reports TLS spoken to a plain HTTP port as tls evidence', async () => {
    const { port } = await serve(http.createServer((_req, res) => res.end('ok')));
    const client = createHttpClient({ resolve: loopbackResolve(), caFile: pki.caFile });

    const res = failure(await client.request(`https://${HOST}:${port}/`, { timeoutMs: 2000 }));

    expect(res.evidence).toMatchObject({ type: 'tls', code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'wrong version number' });
  });

  it('times out a TLS server that sends its headers and then stalls as a body timeout, not first-byte', async () => {
    const { port } = await serve(
      startHttpsServer(await pki.leaf(HOST), (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
        res.write('{"status":');
      }),
    );
    const client = createHttpClient({ resolve: loopbackResolve(), caFile: pki.caFile });

    const res = failure(await client.request(`https://${HOST}:${port}/`, { timeoutMs: 300 }));

    expect(res.evidence).toMatchObject({ type: 'timeout', phase: 'body' });
    expect(res.timings.firstByteMs).toBeGreaterThanOrEqual(res.timings.tlsMs as number);
  });

  it('times out a TLS server that never answers after the handshake as first-byte', async () => {
    const { port } = await serve(startHttpsServer(await pki.leaf(HOST), () => {}));
    const client = createHttpClient({ resolve: loopbackResolve(), caFile: pki.caFile });

    const res = failure(await client.request(`https://${HOST}:${port}/`, { timeoutMs: 300 }));

    expect(res.evidence).toMatchObject({ type: 'timeout', phase: 'first-byte' });
    expect(res.certificate?.subject).toBe(`CN=${HOST}`);
  });
});
