import dns from 'node:dns';
import net from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearFaults, listFaults, setFault } from '../../../sandbox/admin-client.ts';
import { FAULT_NAMES, startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { json, onLoopback, request, sandboxLookup, type Answer } from './helpers.ts';

const CLINIC = '012345';
const CPR = '2512489996';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let sandbox: Sandbox;
let certDir: string;
let ca: string;
let lookup: ReturnType<typeof sandboxLookup>;

const lb = (p: string) => `${sandbox.baseUrl}${p}`;
const nodeUrl = (name: string) => sandbox.nodes.find((n) => n.name === name)?.url ?? '';
const syncUrl = (source: string) => sandbox.sync.find((s) => s.source === source)?.url ?? '';
/** Through the load balancer, names resolved by the sandbox DNS. */
const viaLb = (p: string, opts: Parameters<typeof request>[1] = {}) => request(lb(p), { lookup, ...opts });
/** Straight to a node over HTTPS, trusting only the sandbox CA. */
const direct = (node: string, p: string, opts: Parameters<typeof request>[1] = {}) => request(`${nodeUrl(node)}${p}`, { lookup, ca, ...opts });
const overviewPath = `/api/patients/${CPR}/overview?clinic=${CLINIC}`;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function resolverFor(server: string): dns.promises.Resolver {
  const r = new dns.promises.Resolver({ timeout: 1000, tries: 1 });
  r.setServers([server]);
  return r;
}

async function createPlan(): Promise<string> {
  const created = await viaLb('/api/plans', { method: 'POST', body: JSON.stringify({ clinic: CLINIC, cpr: CPR }) });
  expect(created.status).toBe(201);
  return json<{ id: string }>(created).id;
}

beforeAll(async () => {
  certDir = await mkdtemp(path.join(tmpdir(), 'flp-sandbox-'));
  sandbox = await startSandbox({ certDir });
  ca = await readFile(sandbox.caFile, 'utf8');
  lookup = sandboxLookup(sandbox.dnsServer);
});

afterEach(async () => {
  // Through the admin server: it answers once a node taken down is listening again.
  await clearFaults(sandbox.adminUrl);
});

afterAll(async () => {
  await sandbox?.close();
  await rm(certDir, { recursive: true, force: true });
});

describe('sandbox, healthy', () => {
  it('names its hosts under sandbox.test and writes the CA it signs node certificates with', async () => {
    expect(sandbox.baseUrl).toMatch(/^http:\/\/flp\.sandbox\.test:\d+$/);
    expect(sandbox.nodes.map((n) => n.name)).toEqual(['flp-1', 'flp-2', 'flp-3']);
    for (const n of sandbox.nodes) expect(n.url).toMatch(new RegExp(`^https://${n.name}\\.sandbox\\.test:\\d+$`));
    expect(sandbox.sync.map((s) => s.source)).toEqual(['lab', 'diagnoses', 'medication', 'measurements']);
    expect(sandbox.sync[0]?.url).toMatch(/^http:\/\/sync\.sandbox\.test:\d+\/sync\/lab\/status$/);
    expect(sandbox.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.dnsServer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(sandbox.caFile).toBe(path.join(certDir, 'ca.pem'));
    expect(ca).toContain('-----BEGIN CERTIFICATE-----');
    expect(sandbox.version).toBe('2026.4.1');
  });

  it('resolves its own names to loopback and answers NXDOMAIN for any other name', async () => {
    const resolver = resolverFor(sandbox.dnsServer);
    for (const name of ['flp.sandbox.test', 'sync.sandbox.test', 'flp-1.sandbox.test', 'FLP-3.sandbox.test']) {
      expect(await resolver.resolve4(name)).toEqual(['127.0.0.1']);
    }
    await expect(resolver.resolve4('flp-9.sandbox.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('runs the whole journey through the load balancer: launch, page, overview, create, print, delete', async () => {
    const launch = await viaLb(`/lps/launch?clinic=${CLINIC}&cpr=${CPR}&system=test-journal`);
    expect(launch.status).toBe(303);
    expect(launch.headers.location).toBe(`/app/patient/${CPR}?clinic=${CLINIC}`);

    const page = await viaLb(`/app/patient/${CPR}?clinic=${CLINIC}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).not.toContain(CPR);
    const script = await viaLb('/app/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.text).toContain('/api/patients/');

    const overview = await viaLb(overviewPath);
    expect(overview.status).toBe(200);
    expect(overview.headers['content-type']).toMatch(/application\/json/);
    const o = json<{
      patient: { maskedCpr: string };
      diagnoses: unknown[];
      labResults: unknown[];
      sources: { source: string; syncedAt: string }[];
    }>(overview);
    expect(o.patient.maskedCpr).toBe('251248-xxxx');
    expect(overview.text).not.toContain(CPR);
    expect(o.diagnoses.length).toBeGreaterThanOrEqual(1);
    expect(o.labResults.length).toBeGreaterThanOrEqual(1);
    expect(o.sources.map((s) => s.source)).toEqual(['lab', 'diagnoses', 'medication', 'measurements']);
    for (const s of o.sources) expect(Date.now() - Date.parse(s.syncedAt)).toBeLessThan(20 * MINUTE);

    const before = sandbox.stats();
    const id = await createPlan();
    expect(sandbox.stats().livePlans).toBe(before.livePlans + 1);
    const pdf = await viaLb(`/api/plans/${id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.body.toString('latin1')).toMatch(/%%EOF\n$/);

    const deleted = await viaLb(`/api/plans/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await viaLb(`/api/plans/${id}`, { method: 'DELETE' })).status).toBe(404);
    const after = sandbox.stats();
    expect(after.livePlans).toBe(before.livePlans);
    expect(after.plansCreated).toBe(before.plansCreated + 1);
    expect(after.plansDeleted).toBe(before.plansDeleted + 1);
  });

  it('keeps plans in one database: a plan created through one node is printed and deleted through others', async () => {
    const created = await direct('flp-1', '/api/plans', { method: 'POST', body: JSON.stringify({ clinic: CLINIC, cpr: CPR }) });
    const { id } = json<{ id: string }>(created);
    expect((await direct('flp-2', `/api/plans/${id}/pdf`)).status).toBe(200);
    expect((await direct('flp-3', `/api/plans/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('answers a launch with a bad or missing parameter with 400 JSON', async () => {
    for (const query of [`clinic=01a&cpr=${CPR}&system=x`, `clinic=${CLINIC}&cpr=12345&system=x`, `clinic=${CLINIC}&cpr=${CPR}`, `cpr=${CPR}&system=x`]) {
      const answer = await viaLb(`/lps/launch?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.headers['content-type']).toMatch(/application\/json/);
    }
  });

  it('reports health through the load balancer and on every node over HTTPS trusted by the sandbox CA', async () => {
    const throughLb = await viaLb('/health');
    expect(throughLb.status).toBe(200);
    expect(json(throughLb)).toMatchObject({ status: 'ok', version: '2026.4.1', db: 'ok' });
    for (const n of sandbox.nodes) {
      const answer = await direct(n.name, '/health');
      expect(json(answer)).toEqual({ status: 'ok', version: '2026.4.1', node: n.name, db: 'ok' });
    }
  });

  it('spreads load-balanced requests over every node', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(json<{ node: string }>(await viaLb('/health')).node);
    expect([...seen].sort()).toEqual(['flp-1', 'flp-2', 'flp-3']);
  });

  it('reports every sync source as ok, last synchronised a few minutes ago', async () => {
    for (const s of sandbox.sync) {
      const answer = await request(s.url, { lookup });
      expect(answer.status).toBe(200);
      const status = json<{ source: string; state: string; lastSuccessfulSync: string; records: number; error: null }>(answer);
      expect(status).toMatchObject({ source: s.source, state: 'ok', error: null });
      expect(status.records).toBeGreaterThan(0);
      const lag = Date.now() - Date.parse(status.lastSuccessfulSync);
      expect(lag).toBeGreaterThan(0);
      expect(lag).toBeLessThan(20 * MINUTE);
    }
  });

  it('counts client requests once and records those without X-FLP-Synthetic: 1', async () => {
    const before = sandbox.stats();
    await viaLb('/health');
    await viaLb('/health?probe=no-header', { synthetic: false });
    await direct('flp-1', '/health', { synthetic: false });
    await request(syncUrl('lab'), { lookup, synthetic: false });
    const after = sandbox.stats();
    expect(after.requests - before.requests).toBe(4);
    expect(after.nonSyntheticRequests.slice(before.nonSyntheticRequests.length)).toEqual(['GET /health', 'GET /health', 'GET /sync/lab/status']);
  });
});

describe('sandbox faults', () => {
  it('node-down: the node refuses connections, the load balancer routes around it, and it comes back on its port', async () => {
    sandbox.setFault('node-down');
    expect(sandbox.activeFaults()).toMatchObject([{ name: 'node-down', node: 'flp-2' }]);
    await expect(direct('flp-2', '/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const nodes = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const answer = await viaLb('/health');
      expect(answer.status).toBe(200);
      nodes.add(json<{ node: string }>(answer).node);
    }
    expect([...nodes].sort()).toEqual(['flp-1', 'flp-3']);
    await clearFaults(sandbox.adminUrl);
    expect((await direct('flp-2', '/health')).status).toBe(200);
  });

  it('node-down on every node: the load balancer answers 502', async () => {
    for (const n of sandbox.nodes) await setFault(sandbox.adminUrl, 'node-down', { node: n.name });
    const answer = await viaLb('/health');
    expect(answer.status).toBe(502);
    expect(answer.headers.server).toBe('nginx');
  });

  for (const [status, title] of [
    [502, '502 Bad Gateway'],
    [503, '503 Service Temporarily Unavailable'],
    [504, '504 Gateway Time-out'],
  ] as const) {
    it(`lb-${status}: the load balancer answers ${status} with an nginx page while the nodes stay healthy`, async () => {
      sandbox.setFault(`lb-${status}`);
      const answer = await viaLb(overviewPath);
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toBe('text/html');
      expect(answer.headers.server).toBe('nginx');
      expect(answer.text).toContain(`<title>${title}</title>`);
      expect((await direct('flp-1', '/health')).status).toBe(200);
    });
  }

  it('lb-hang: the load balancer accepts the connection and never answers, until the fault is cleared', async () => {
    sandbox.setFault('lb-hang');
    await expect(viaLb('/health', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const pending = viaLb('/health', { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    sandbox.clearFaults();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await viaLb('/health')).status).toBe(200);
  });

  it('db-down: health answers 503 degraded on every node and the API answers 503 JSON', async () => {
    sandbox.setFault('db-down');
    for (const n of sandbox.nodes) {
      const health = await direct(n.name, '/health');
      expect(health.status).toBe(503);
      expect(json(health)).toEqual({ status: 'degraded', version: '2026.4.1', node: n.name, db: 'down' });
    }
    const overview = await viaLb(overviewPath);
    expect(overview.status).toBe(503);
    expect(overview.headers['content-type']).toMatch(/application\/json/);
    expect(json(overview)).toEqual({ error: 'database unavailable' });
    const create = await viaLb('/api/plans', { method: 'POST', body: JSON.stringify({ clinic: CLINIC, cpr: CPR }) });
    expect(create.status).toBe(503);
  });

  it('tls-expired: nodes serve an expired certificate (CERT_HAS_EXPIRED), the load balancer still serves', async () => {
    sandbox.setFault('tls-expired');
    await expect(direct('flp-1', '/health')).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
    expect((await viaLb('/health')).status).toBe(200);
  });

  it('tls-untrusted: nodes serve a self-signed certificate the sandbox CA does not vouch for', async () => {
    sandbox.setFault('tls-untrusted');
    await expect(direct('flp-3', '/health')).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    sandbox.clearFaults();
    expect((await direct('flp-3', '/health')).status).toBe(200);
  });

  it('dns: every sandbox name is NXDOMAIN, or only the named node', async () => {
    const resolver = resolverFor(sandbox.dnsServer);
    sandbox.setFault('dns');
    await expect(resolver.resolve4('flp.sandbox.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(viaLb('/health')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    sandbox.clearFaults();
    sandbox.setFault('dns', { node: 'flp-1' });
    await expect(resolver.resolve4('flp-1.sandbox.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(await resolver.resolve4('flp-2.sandbox.test')).toEqual(['127.0.0.1']);
    expect(await resolver.resolve4('flp.sandbox.test')).toEqual(['127.0.0.1']);
  });

  it('api-500: the overview API answers 500 JSON', async () => {
    sandbox.setFault('api-500');
    const answer = await viaLb(overviewPath);
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    expect((await viaLb('/health')).status).toBe(200);
  });

  it('missing-section and js-error change the client script the page loads', async () => {
    const healthy = (await viaLb('/app/app.js')).text;
    expect(healthy).toMatch(/"sections":\["diagnoses"/);
    expect(healthy).toContain('"goalsWidget":false');
    sandbox.setFault('missing-section');
    sandbox.setFault('js-error');
    const faulty = (await viaLb('/app/app.js')).text;
    expect(faulty).not.toContain('"diagnoses","lab-results"');
    expect(faulty).toMatch(/"sections":\["lab-results"/);
    expect(faulty).toContain('"goalsWidget":true');
  });

  it('create-fails: creating a plan answers 500 JSON and stores nothing', async () => {
    sandbox.setFault('create-fails');
    const before = sandbox.stats();
    const answer = await viaLb('/api/plans', { method: 'POST', body: JSON.stringify({ clinic: CLINIC, cpr: CPR }) });
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    expect(sandbox.stats().plansCreated).toBe(before.plansCreated);
  });

  it('print-not-pdf: the plan PDF answers 200 text/html', async () => {
    const id = await createPlan();
    sandbox.setFault('print-not-pdf');
    const answer = await viaLb(`/api/plans/${id}/pdf`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.text.startsWith('%PDF-')).toBe(false);
    expect((await viaLb(`/api/plans/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  const syncOf = async (source: string): Promise<Answer> => request(syncUrl(source), { lookup });

  it('sync-failed: the lab source reports failed, last success 6 h 12 min ago, other sources ok', async () => {
    sandbox.setFault('sync-failed');
    const lab = json<{ state: string; error: string | null; lastSuccessfulSync: string }>(await syncOf('lab'));
    expect(lab.state).toBe('failed');
    expect(lab.error).toEqual(expect.any(String));
    expect(Math.round((Date.now() - Date.parse(lab.lastSuccessfulSync)) / MINUTE)).toBe(6 * 60 + 12);
    expect(json(await syncOf('medication'))).toMatchObject({ state: 'ok', error: null });
  });

  it('sync-failed on a named source affects only that source', async () => {
    sandbox.setFault('sync-failed', { source: 'medication' });
    expect(json(await syncOf('medication'))).toMatchObject({ state: 'failed' });
    expect(json(await syncOf('lab'))).toMatchObject({ state: 'ok' });
  });

  it('sync-stale: the lab source is ok but last succeeded 10 h ago', async () => {
    sandbox.setFault('sync-stale');
    const lab = json<{ state: string; lastSuccessfulSync: string }>(await syncOf('lab'));
    expect(lab.state).toBe('ok');
    expect(Math.round((Date.now() - Date.parse(lab.lastSuccessfulSync)) / MINUTE)).toBe(600);
  });

  it('sync-malformed: the lab status answers 200 with a body that is not JSON', async () => {
    sandbox.setFault('sync-malformed');
    const answer = await syncOf('lab');
    expect(answer.status).toBe(200);
    expect(() => JSON.parse(answer.text)).toThrow();
  });

  it('sync-error: the lab status answers 500', async () => {
    sandbox.setFault('sync-error');
    expect((await syncOf('lab')).status).toBe(500);
    expect((await syncOf('diagnoses')).status).toBe(200);
  });

  it('page-stale: the overview shows lab data 10 h old while the lab sync status stays healthy', async () => {
    sandbox.setFault('page-stale');
    const o = json<{ sources: { source: string; syncedAt: string }[] }>(await viaLb(overviewPath));
    const lab = o.sources.find((s) => s.source === 'lab');
    expect(Math.round((Date.now() - Date.parse(lab?.syncedAt ?? '')) / MINUTE)).toBe(600);
    const status = json<{ state: string; lastSuccessfulSync: string }>(await syncOf('lab'));
    expect(status.state).toBe('ok');
    expect(Date.now() - Date.parse(status.lastSuccessfulSync)).toBeLessThan(20 * MINUTE);
  });

  it('version-drift: flp-3 reports the previous version, the others the configured one', async () => {
    sandbox.setFault('version-drift');
    const versions: Record<string, string> = {};
    for (const n of sandbox.nodes) versions[n.name] = json<{ version: string }>(await direct(n.name, '/health')).version;
    expect(versions).toEqual({ 'flp-1': '2026.4.1', 'flp-2': '2026.4.1', 'flp-3': '2026.4.0' });
  });

  it('node-broken: flp-2 keeps the right version and a healthy /health but its overview API answers 500; its siblings serve the app', async () => {
    sandbox.setFault('node-broken');
    expect(sandbox.activeFaults().map((f) => `${f.name}:${f.node}`)).toEqual(['node-broken:flp-2']);
    for (const n of sandbox.nodes) expect(json<{ version: string; status: string }>(await direct(n.name, '/health'))).toMatchObject({ version: '2026.4.1', status: 'ok' });
    expect((await direct('flp-2', overviewPath)).status).toBe(500);
    expect((await direct('flp-1', overviewPath)).status).toBe(200);
    expect((await direct('flp-3', overviewPath)).status).toBe(200);
  });

  it('transient: every server resets its next connection once, a retry succeeds, and the fault clears itself', async () => {
    sandbox.setFault('transient');
    const targets = [...sandbox.nodes.map((n) => () => direct(n.name, '/health')), () => request(syncUrl('lab'), { lookup }), () => viaLb('/health')];
    for (const attempt of targets) {
      await expect(attempt()).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect((await attempt()).status).toBe(200);
    }
    expect(sandbox.activeFaults()).toEqual([]);
  });

  it('transient: the load balancer retries a node that resets its connection', async () => {
    sandbox.setFault('transient');
    await expect(viaLb('/health')).rejects.toMatchObject({ code: 'ECONNRESET' });
    // The load balancer's own reset is spent; each node still resets one of its connections.
    expect((await viaLb('/health')).status).toBe(200);
  });

  it('slow: the overview API waits the given time, other endpoints do not', async () => {
    sandbox.setFault('slow', { ms: 400 });
    let t = Date.now();
    expect((await viaLb(overviewPath)).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(390);
    t = Date.now();
    await viaLb('/health');
    expect(Date.now() - t).toBeLessThan(390);
  });

  it('holds several faults at once and clears them together', async () => {
    sandbox.setFault('lb-503');
    sandbox.setFault('sync-stale', { source: 'diagnoses' });
    sandbox.setFault('version-drift', { node: 'flp-1' });
    expect(sandbox.activeFaults().map((f) => `${f.name}:${f.node ?? f.source ?? ''}`)).toEqual(['lb-503:', 'sync-stale:diagnoses', 'version-drift:flp-1']);
    expect((await viaLb('/health')).status).toBe(503);
    expect(json(await direct('flp-1', '/health'))).toMatchObject({ version: '2026.4.0' });
    sandbox.clearFaults();
    expect(sandbox.activeFaults()).toEqual([]);
    expect((await viaLb('/health')).status).toBe(200);
  });

  it('knows exactly the documented faults', () => {
    expect([...FAULT_NAMES].sort()).toEqual(
      [
        'node-down', 'lb-502', 'lb-503', 'lb-504', 'lb-hang', 'db-down', 'tls-expired', 'tls-untrusted', 'dns', 'api-500', 'missing-section', 'js-error',
        'create-fails', 'print-not-pdf', 'sync-failed', 'sync-stale', 'sync-malformed', 'sync-error', 'page-stale', 'version-drift', 'node-broken', 'transient', 'slow',
        'vendor-rejects', 'vendor-changed', 'all-launches-rejected', 'launch-stats-broken',
      ].sort(),
    );
  });
});

describe('sandbox admin', () => {
  it('switches faults over HTTP and lists them', async () => {
    const active = await setFault(sandbox.adminUrl, 'sync-error', { source: 'measurements' });
    expect(active).toMatchObject([{ name: 'sync-error', source: 'measurements' }]);
    expect(await listFaults(sandbox.adminUrl)).toMatchObject([{ name: 'sync-error', source: 'measurements' }]);
    expect((await request(syncUrl('measurements'), { lookup })).status).toBe(500);
    await clearFaults(sandbox.adminUrl);
    expect(await listFaults(sandbox.adminUrl)).toEqual([]);
  });

  it('refuses an unknown fault with 400 JSON naming the valid faults', async () => {
    const answer = await request(`${sandbox.adminUrl}/faults`, { method: 'POST', body: JSON.stringify({ name: 'disk-full' }) });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    expect(json<{ error: string }>(answer).error).toMatch(/unknown fault "disk-full".*node-down.*slow/);
    await expect(setFault(sandbox.adminUrl, 'disk-full')).rejects.toThrow(/unknown fault "disk-full"; valid faults are: node-down/);
    await expect(setFault(sandbox.adminUrl, 'node-down', { node: 'flp-9' })).rejects.toThrow(/unknown node "flp-9"; nodes are: flp-1, flp-2, flp-3/);
    expect(() => sandbox.setFault('sync-stale', { source: 'xray' })).toThrow(/unknown source "xray"/);
  });

  it('reports statistics, and its own requests are not counted', async () => {
    const before = sandbox.stats();
    const answer = await request(`${sandbox.adminUrl}/stats`, { synthetic: false });
    expect(json(answer)).toMatchObject({ requests: before.requests, livePlans: before.livePlans });
    expect(sandbox.stats().requests).toBe(before.requests);
  });

  it('says clearly when the admin server is not reachable', async () => {
    const port = await closedPort();
    await expect(listFaults(`http://127.0.0.1:${port}`)).rejects.toThrow(`the sandbox admin server at http://127.0.0.1:${port} is not reachable (ECONNREFUSED); is the sandbox running?`);
  });
});

it('direct requests work on 127.0.0.1 with the node name as TLS server name too', async () => {
  // What a client without the sandbox DNS does: connect to loopback, verify the node's name.
  const tls = await import('node:tls');
  const url = new URL(nodeUrl('flp-2'));
  const socket = tls.connect({ host: '127.0.0.1', port: Number(url.port), servername: 'flp-2.sandbox.test', ca });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  expect(socket.authorized).toBe(true);
  socket.destroy();
  expect(onLoopback(nodeUrl('flp-2'))).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
});
