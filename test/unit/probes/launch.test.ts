import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classify } from '../../../lib/core/classify.ts';
import { DEFAULT_OWNERS, type LaunchProfile } from '../../../lib/core/config.ts';
import type { Logger, ProbeContext, Resolve } from '../../../lib/core/context.ts';
import { createHttpClient } from '../../../lib/adapters/http.ts';
import { launchRequest, launchSignature, probeLaunch } from '../../../probes/launch.ts';
import { listen, type RunningServer } from '../../support/tls.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const resolve: Resolve = async (hostname) => {
  if (hostname.endsWith('.sandbox.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: ProbeContext = { clock: { now: () => NOW }, http: createHttpClient({ resolve }), resolve, logger: quiet };
const WHO = { clinic: '012345', cpr: '2512489996' };
const KEY = 'vendor-shared-key';
const OWNERS = { ...DEFAULT_OWNERS };

const servers: RunningServer<net.Server>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Seen {
  method: string;
  url: URL;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * An FLP launch endpoint written here from the contract's v2 text, not the sandbox's code: each
 * style, the HMAC checked with node:crypto directly, `ts` judged against `serverNow`.
 */
async function flp(opts: { systems: Record<string, { key?: string }>; serverNow?: () => number; answer?: (s: Seen) => [number, Record<string, string>, string] | null }) {
  const seen: Seen[] = [];
  const server = await listen(
    http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://flp.sandbox.test');
        const s: Seen = { method: req.method ?? '', url, body, headers: req.headers };
        seen.push(s);
        const forced = opts.answer?.(s);
        if (forced) return res.writeHead(forced[0], forced[1]).end(forced[2]);
        const refuse = (status: number, reason: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `refused: ${reason}`, reason }));
        if (url.pathname.startsWith('/app/patient/')) return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>FLP</title>');
        if (url.pathname !== '/lps/launch') return res.writeHead(404).end();
        const fields = req.method === 'POST' && /x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') ? new URLSearchParams(body) : url.searchParams;
        const system = fields.get('system');
        const clinic = fields.get('clinic');
        const cpr = fields.get('cpr');
        if (!system || !clinic || !cpr) return refuse(400, 'missing-parameter');
        const known = opts.systems[system];
        if (!known) return refuse(400, 'unknown-system');
        if (known.key) {
          const ts = fields.get('ts');
          const sig = fields.get('sig');
          if (!ts || !sig) return refuse(400, 'missing-parameter');
          const mac = createHmac('sha256', known.key).update([clinic, cpr, system, ts].join('|')).digest('hex');
          if (mac !== sig) return refuse(401, 'bad-signature');
          const serverSeconds = (opts.serverNow?.() ?? NOW.getTime()) / 1000;
          if (Math.abs(serverSeconds - Number(ts)) > 300) return refuse(401, 'expired');
        }
        res.writeHead(303, { location: `/app/patient/${cpr}?clinic=${clinic}` }).end();
      });
    }),
  );
  servers.push(server);
  return { baseUrl: `http://flp.sandbox.test:${server.port}`, seen };
}

const profile = (p: Partial<LaunchProfile> & Pick<LaunchProfile, 'system' | 'style'>): LaunchProfile => ({ vendor: 'MedSign ApS', ...p });

describe('launchSignature', () => {
  it('is the lowercase hex HMAC-SHA256 of clinic|cpr|system|ts under the key', () => {
    const expected = createHmac('sha256', KEY).update('012345|2512489996|medsign|1772366400').digest('hex');
    expect(launchSignature(KEY, { ...WHO, system: 'medsign', ts: 1772366400 })).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs with the clock it is given: ts is that clock in unix seconds', () => {
    const req = launchRequest('http://flp.test/', profile({ system: 'medsign', style: 'signed', key: KEY }), WHO, NOW);
    const q = new URL(req.url).searchParams;
    expect(req.method).toBe('GET');
    expect(q.get('ts')).toBe(String(NOW.getTime() / 1000));
    expect(q.get('sig')).toBe(launchSignature(KEY, { ...WHO, system: 'medsign', ts: NOW.getTime() / 1000 }));
  });
});

describe('probeLaunch', () => {
  it.each([
    ['query', 'nordjournal', undefined, 'GET'],
    ['form', 'klinikplus', undefined, 'POST'],
    ['signed', 'medsign', KEY, 'GET'],
  ] as const)('launches in the %s style (%s) and lands on the patient page', async (style, system, key, method) => {
    const target = await flp({ systems: { [system]: key ? { key } : {} } });
    const r = await probeLaunch(profile({ system, style, ...(key ? { key } : {}) }), { ...target, ...WHO }, ctx, { requestMs: 2000 });
    expect(r.error).toBeNull();
    expect(r).toMatchObject({ ok: true, probe: `launch:${system}`, kind: 'launch', observations: { system, vendor: 'MedSign ApS' } });
    expect(r.steps.map((s) => [s.name, s.status])).toEqual([['launch', 'passed'], ['app-page', 'passed']]);
    const launch = target.seen[0]!;
    expect(launch.method).toBe(method);
    expect(launch.headers['x-flp-synthetic']).toBe('1');
    if (style === 'form') {
      expect(launch.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(launch.body))).toEqual({ ...WHO, system });
      expect(launch.url.search).toBe('');
    }
    expect(target.seen[1]!.url.pathname).toBe('/app/patient/2512489996');
  });

  it('is accepted with the target clock 299 s ahead and refused as expired at 301 s: the application, naming the vendor and the reason', async () => {
    const signed = profile({ system: 'medsign', style: 'signed', key: KEY });
    const within = await flp({ systems: { medsign: { key: KEY } }, serverNow: () => NOW.getTime() + 299_000 });
    expect((await probeLaunch(signed, { ...within, ...WHO }, ctx, { requestMs: 2000 })).ok).toBe(true);
    const beyond = await flp({ systems: { medsign: { key: KEY } }, serverNow: () => NOW.getTime() + 301_000 });
    const r = classify(await probeLaunch(signed, { ...beyond, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(r).toMatchObject({ ok: false, class: 'application', owner: 'KiAP' });
    expect(r.evidence).toEqual([expect.objectContaining({ type: 'launch-refused', system: 'medsign', vendor: 'MedSign ApS', status: 401, reason: 'expired' })]);
    expect(r.summary).toContain("FLP refuses MedSign ApS's certified signed launch of medsign");
    expect(r.summary).toContain('401 expired');
    expect(r.steps.map((s) => s.status)).toEqual(['failed', 'skipped']);
  });

  it('reports a key FLP no longer takes as bad-signature, and an unknown system as unknown-system', async () => {
    const target = await flp({ systems: { medsign: { key: 'rotated-key' } } });
    const bad = classify(await probeLaunch(profile({ system: 'medsign', style: 'signed', key: KEY }), { ...target, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(bad.evidence[0]).toMatchObject({ type: 'launch-refused', status: 401, reason: 'bad-signature' });
    const unknown = classify(await probeLaunch(profile({ system: 'praksisnet', style: 'query', vendor: 'PraksisNet' }), { ...target, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(unknown).toMatchObject({ class: 'application', owner: 'KiAP' });
    expect(unknown.evidence[0]).toMatchObject({ type: 'launch-refused', vendor: 'PraksisNet', status: 400, reason: 'unknown-system' });
  });

  it('blames the hosting for a gateway 502 and a refused connection, not the vendor or FLP', async () => {
    const gateway = await flp({ systems: {}, answer: () => [502, { 'content-type': 'text/html', server: 'nginx' }, '<html>Bad Gateway</html>'] });
    const r = classify(await probeLaunch(profile({ system: 'nordjournal', style: 'query' }), { ...gateway, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(r).toMatchObject({ class: 'infrastructure', owner: 'PLSP' });
    const closed = await flp({ systems: {} });
    const port = new URL(closed.baseUrl).port;
    await servers.pop()!.close();
    const refused = classify(await probeLaunch(profile({ system: 'nordjournal', style: 'query' }), { baseUrl: `http://flp.sandbox.test:${port}`, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(refused).toMatchObject({ class: 'infrastructure' });
    expect(refused.evidence[0]).toMatchObject({ type: 'network', code: 'ECONNREFUSED' });
  });

  it('fails a 303 to anywhere but the patient page, and a patient page that is not HTML, as the application', async () => {
    const elsewhere = await flp({ systems: {}, answer: (s) => (s.url.pathname === '/lps/launch' ? [303, { location: '/login' }, ''] : null) });
    const r = classify(await probeLaunch(profile({ system: 'nordjournal', style: 'query' }), { ...elsewhere, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(r).toMatchObject({ class: 'application' });
    expect(r.summary).toContain('expected /app/patient/2512489996?clinic=012345');
    const notHtml = await flp({ systems: { nordjournal: {} }, answer: (s) => (s.url.pathname.startsWith('/app/') ? [200, { 'content-type': 'application/json' }, '{}'] : null) });
    const page = classify(await probeLaunch(profile({ system: 'nordjournal', style: 'query' }), { ...notHtml, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(page).toMatchObject({ class: 'application' });
    expect(page.steps.map((s) => s.status)).toEqual(['passed', 'failed']);
  });

  it('never blames FLP for a signed profile whose key was not read: the monitor', async () => {
    const target = await flp({ systems: { medsign: { key: KEY } } });
    const r = classify(await probeLaunch(profile({ system: 'medsign', style: 'signed' }), { ...target, ...WHO }, ctx, { requestMs: 2000 }), OWNERS);
    expect(r).toMatchObject({ class: 'monitor', owner: 'monitor-owner' });
    expect(r.summary).toContain('has no key');
    expect(target.seen).toHaveLength(0);
  });
});
