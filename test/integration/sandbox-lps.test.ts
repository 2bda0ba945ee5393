/**
 * Contract v2's LPS launch against the real sandbox on loopback: the three launch styles
 * through the load balancer (Node's fetch, redirects not followed), the refusals and their
 * reasons, `/lps/launch-stats` on the load balancer and on every node, real launches counted
 * and synthetic ones not, the simulated vendor traffic, and each new fault switched through
 * the admin server (and `sandbox fault --system`).
 */
import { createHmac } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClear, sandboxFault } from '../../lib/cli/sandbox.ts';
import { clearFaults, listFaults, setFault } from '../../sandbox/admin-client.ts';
import { FAULT_DESCRIPTIONS, SANDBOX_LPS_SYSTEMS, type LaunchStatsReport } from '../../sandbox/index.ts';
import { configFor, startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const CLINIC = '012345';
const CPR = '2512489996';
const SYSTEMS = SANDBOX_LPS_SYSTEMS.map((s) => s.system);
const keyOf = (system: string) => SANDBOX_LPS_SYSTEMS.find((s) => s.system === system)?.key ?? '';

let fx: SandboxFixture;
let ca: string;
/** The load balancer at 127.0.0.1 (it answers whatever the Host): no sandbox DNS needed for fetch. */
let lb: string;

const SYNTHETIC = { 'x-flp-synthetic': '1' };

function sign(system: string, ts: number, clinic = CLINIC, cpr = CPR): string {
  return createHmac('sha256', keyOf(system)).update(`${clinic}|${cpr}|${system}|${ts}`).digest('hex');
}
const nowS = () => Math.floor(Date.now() / 1000);

interface Launched {
  status: number;
  location: string | null;
  body: { error?: string; reason?: string } | null;
}

async function answer(res: Response): Promise<Launched> {
  const text = await res.text();
  let body: Launched['body'] = null;
  if (text) {
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    body = JSON.parse(text) as Launched['body'];
  }
  return { status: res.status, location: res.headers.get('location'), body };
}

/** `GET /lps/launch?…` through the load balancer. */
async function getLaunch(params: Record<string, string>, synthetic = true): Promise<Launched> {
  return answer(await fetch(`${lb}/lps/launch?${new URLSearchParams(params)}`, { redirect: 'manual', headers: synthetic ? SYNTHETIC : {} }));
}

/** `POST /lps/launch` form-urlencoded through the load balancer. */
async function postLaunch(params: Record<string, string>, synthetic = true, contentType = 'application/x-www-form-urlencoded'): Promise<Launched> {
  const res = await fetch(`${lb}/lps/launch`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': contentType, ...(synthetic ? SYNTHETIC : {}) },
    body: contentType.includes('json') ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  });
  return answer(res);
}

const signedParams = (system: string, ts = nowS()) => ({ clinic: CLINIC, cpr: CPR, system, ts: String(ts), sig: sign(system, ts) });

async function stats(minutes: number | string = 60): Promise<{ status: number; body: LaunchStatsReport & { error?: string } }> {
  const res = await fetch(`${lb}/lps/launch-stats?minutes=${minutes}`, { headers: SYNTHETIC });
  return { status: res.status, body: (await res.json()) as LaunchStatsReport & { error?: string } };
}

async function line(system: string) {
  const s = await stats();
  expect(s.status).toBe(200);
  const l = s.body.systems.find((x) => x.system === system);
  if (!l) throw new Error(`no line for ${system}`);
  return l;
}

/** Straight to a node over HTTPS, trusting only the sandbox CA. */
function nodeGet(url: string): Promise<{ status: number; body: unknown }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: u.port, path: `${u.pathname}${u.search}`, ca, servername: u.hostname, headers: SYNTHETIC, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits until the simulated traffic has sent at least `more` further launches of `system`. */
async function afterLaunches(system: string, from: number, more: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const l = await line(system);
    if (l.launches >= from + more) return l;
    if (Date.now() > deadline) throw new Error(`${system}: only ${l.launches - from} launches in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  fx = await startSandboxFixture();
  ca = await readFile(fx.sandbox.caFile, 'utf8');
  const u = new URL(fx.sandbox.baseUrl);
  lb = `http://127.0.0.1:${u.port}`;
});

afterEach(async () => {
  await clearFaults(fx.sandbox.adminUrl);
});

afterAll(async () => {
  await fx?.sandbox.close();
  if (fx) await rm(fx.dir, { recursive: true, force: true });
});

describe('v2 launch through the load balancer', () => {
  it('accepts each style with a 303 to the app: query (v1, test-journal), form (POST body proxied), signed', async () => {
    const location = `/app/patient/${CPR}?clinic=${CLINIC}`;
    expect(await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'test-journal' })).toEqual({ status: 303, location, body: null });
    expect(await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'nordjournal' })).toEqual({ status: 303, location, body: null });
    expect(await postLaunch({ clinic: CLINIC, cpr: CPR, system: 'klinikplus' })).toEqual({ status: 303, location, body: null });
    expect(await getLaunch(signedParams('medsign'))).toEqual({ status: 303, location, body: null });
    expect(await getLaunch(signedParams('praksisnet', nowS() - 250))).toEqual({ status: 303, location, body: null });
  });

  it('refuses with 400/401 JSON { error, reason }', async () => {
    const cases: [Promise<Launched>, number, string][] = [
      [getLaunch({ clinic: CLINIC, cpr: CPR, system: 'xmo' }), 400, 'unknown-system'],
      [getLaunch({ clinic: CLINIC, patient: CPR, system: 'nordjournal' }), 400, 'unknown-parameter'],
      [postLaunch({ clinic: CLINIC, cpr: CPR, system: 'klinikplus', extra: '1' }), 400, 'unknown-parameter'],
      [getLaunch({ clinic: CLINIC, system: 'nordjournal' }), 400, 'missing-parameter'],
      [getLaunch({ clinic: '01a', cpr: CPR, system: 'test-journal' }), 400, 'missing-parameter'],
      [getLaunch({ clinic: CLINIC, cpr: CPR }), 400, 'missing-parameter'],
      [postLaunch({ cpr: CPR, system: 'klinikplus' }), 400, 'missing-parameter'],
      [postLaunch({ clinic: CLINIC, cpr: CPR, system: 'klinikplus' }, true, 'application/json'), 400, 'missing-parameter'],
      [getLaunch({ clinic: CLINIC, cpr: CPR, system: 'medsign' }), 400, 'missing-parameter'],
      [getLaunch({ ...signedParams('medsign'), sig: sign('praksisnet', nowS()) }), 401, 'bad-signature'],
      [getLaunch({ ...signedParams('medsign'), cpr: '0101701234' }), 401, 'bad-signature'],
      [getLaunch(signedParams('medsign', nowS() - 301)), 401, 'expired'],
      [getLaunch(signedParams('praksisnet', nowS() + 400)), 401, 'expired'],
    ];
    for (const [launched, status, reason] of cases) {
      const a = await launched;
      expect(a, reason).toEqual({ status, location: null, body: { error: expect.any(String), reason } });
    }
  });

  it('answers other methods on /lps/launch with 405', async () => {
    const res = await fetch(`${lb}/lps/launch`, { method: 'PUT', headers: SYNTHETIC });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

describe('launch statistics', () => {
  it('answers the contract shape for every sandbox system, on the load balancer and on every node alike', async () => {
    const viaLb = await stats(15);
    expect(viaLb.status).toBe(200);
    expect(viaLb.body.windowMinutes).toBe(15);
    expect(viaLb.body.systems.map((s) => s.system)).toEqual(SYSTEMS);
    for (const s of viaLb.body.systems) {
      expect(s).toEqual({ system: s.system, launches: expect.any(Number), rejected: expect.any(Number), lastRejected: s.lastRejected === null ? null : { at: expect.any(String), status: expect.any(Number), reason: expect.any(String) } });
      if (s.lastRejected) expect(Number.isNaN(Date.parse(s.lastRejected.at))).toBe(false);
    }
    for (const n of fx.sandbox.nodes) {
      const direct = await nodeGet(`${n.url}/lps/launch-stats?minutes=15`);
      expect(direct.status).toBe(200);
      expect((direct.body as LaunchStatsReport).systems.map((s) => s.system)).toEqual(SYSTEMS);
    }
  });

  it('refuses minutes outside 1..60 with 400 JSON', async () => {
    for (const m of ['0', '61', 'x', '']) {
      const s = await stats(m);
      expect(s.status, m).toBe(400);
      expect(s.body.error).toMatch(/minutes/);
    }
    const none = await fetch(`${lb}/lps/launch-stats`);
    expect(none.status).toBe(400);
  });

  it('counts real launches that reach /lps/launch (accepted and refused) and never synthetic ones', async () => {
    const before = await line('test-journal');
    for (let i = 0; i < 3; i++) expect((await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'test-journal' })).status).toBe(303);
    expect((await getLaunch({ clinic: CLINIC, cpr: '1', system: 'test-journal' })).status).toBe(400);
    expect(await line('test-journal')).toEqual(before);
    expect((await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'test-journal' }, false)).status).toBe(303);
    expect((await getLaunch({ clinic: CLINIC, cpr: '1', system: 'test-journal' }, false)).status).toBe(400);
    expect((await postLaunch({ clinic: CLINIC, cpr: CPR, system: 'test-journal' }, false)).status).toBe(303);
    const after = await line('test-journal');
    expect(after).toMatchObject({ launches: before.launches + 3, rejected: before.rejected + 1, lastRejected: { status: 400, reason: 'missing-parameter' } });
  });

  it('shows the simulated vendor traffic: every vendor launching, about 2 % refused as missing-parameter', async () => {
    const start = await line('nordjournal');
    await afterLaunches('nordjournal', start.launches, 4);
    const s = (await stats(60)).body.systems;
    const real = s.filter((x) => x.system !== 'test-journal');
    for (const x of real) expect(x.launches, x.system).toBeGreaterThan(0);
    const launches = real.reduce((a, x) => a + x.launches, 0);
    const rejected = real.reduce((a, x) => a + x.rejected, 0);
    expect(rejected / launches).toBeLessThan(0.05);
  });
});

describe('v2 faults through the admin server', () => {
  it('lists the new faults with the others', async () => {
    const root = (await (await fetch(fx.sandbox.adminUrl)).json()) as { faults: Record<string, string>; endpoints: string[] };
    for (const name of ['vendor-rejects', 'vendor-changed', 'all-launches-rejected', 'launch-stats-broken']) expect(root.faults[name]).toBe(FAULT_DESCRIPTIONS[name as keyof typeof FAULT_DESCRIPTIONS]);
    expect(root.endpoints.join(' ')).toContain('"system"?');
  });

  it('vendor-rejects --system klinikplus: every klinikplus launch, synthetic and real, is refused unknown-system; others pass', async () => {
    const active = await setFault(fx.sandbox.adminUrl, 'vendor-rejects', { system: 'klinikplus' });
    expect(active).toMatchObject([{ name: 'vendor-rejects', system: 'klinikplus' }]);
    expect(await listFaults(fx.sandbox.adminUrl)).toMatchObject([{ name: 'vendor-rejects', system: 'klinikplus' }]);
    expect(await postLaunch({ clinic: CLINIC, cpr: CPR, system: 'klinikplus' })).toMatchObject({ status: 400, body: { reason: 'unknown-system' } });
    expect((await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'nordjournal' })).status).toBe(303);
    expect((await getLaunch(signedParams('medsign'))).status).toBe(303);
    const before = await line('klinikplus');
    const after = await afterLaunches('klinikplus', before.launches, 2);
    expect(after.rejected - before.rejected).toBe(after.launches - before.launches);
    expect(after.lastRejected).toMatchObject({ status: 400, reason: 'unknown-system' });
  });

  it('vendor-changed (default medsign): its real launches are refused bad-signature while its certified launch passes', async () => {
    expect(await setFault(fx.sandbox.adminUrl, 'vendor-changed')).toMatchObject([{ name: 'vendor-changed', system: 'medsign' }]);
    expect((await getLaunch(signedParams('medsign'))).status).toBe(303);
    const before = await line('medsign');
    const other = await line('praksisnet');
    const after = await afterLaunches('medsign', before.launches, 2);
    expect(after.rejected - before.rejected).toBe(after.launches - before.launches);
    expect(after.lastRejected).toMatchObject({ status: 401, reason: 'bad-signature' });
    const praksisnet = await line('praksisnet');
    expect(praksisnet.launches).toBeGreaterThan(other.launches);
    // praksisnet keeps its baseline: at most one in 50 refused, never for its signature.
    expect(praksisnet.rejected - other.rejected).toBeLessThanOrEqual(Math.ceil((praksisnet.launches - other.launches) / 50));
    expect(praksisnet.lastRejected?.reason ?? null).not.toBe('bad-signature');
  });

  it('vendor-changed --system nordjournal: it sends patient= and is refused unknown-parameter', async () => {
    await setFault(fx.sandbox.adminUrl, 'vendor-changed', { system: 'nordjournal' });
    expect((await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'nordjournal' })).status).toBe(303);
    const before = await line('nordjournal');
    const after = await afterLaunches('nordjournal', before.launches, 2);
    expect(after.rejected - before.rejected).toBe(after.launches - before.launches);
    expect(after.lastRejected).toMatchObject({ status: 400, reason: 'unknown-parameter' });
  });

  it('all-launches-rejected: real launches of every system are refused unknown-parameter; synthetic ones pass', async () => {
    await setFault(fx.sandbox.adminUrl, 'all-launches-rejected');
    expect((await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'test-journal' })).status).toBe(303);
    expect((await postLaunch({ clinic: CLINIC, cpr: CPR, system: 'klinikplus' })).status).toBe(303);
    expect((await getLaunch(signedParams('praksisnet'))).status).toBe(303);
    const before = (await stats()).body.systems;
    expect(await getLaunch({ clinic: CLINIC, cpr: CPR, system: 'test-journal' }, false)).toMatchObject({ status: 400, body: { reason: 'unknown-parameter' } });
    await afterLaunches('praksisnet', before.find((s) => s.system === 'praksisnet')?.launches ?? 0, 1);
    for (const s of (await stats()).body.systems) {
      const b = before.find((x) => x.system === s.system);
      expect(s.rejected - (b?.rejected ?? 0), s.system).toBe(s.launches - (b?.launches ?? 0));
      expect(s.lastRejected, s.system).toMatchObject({ status: 400, reason: 'unknown-parameter' });
    }
  });

  it('launch-stats-broken: /lps/launch-stats answers 500 JSON on the load balancer and every node; launches keep working', async () => {
    await setFault(fx.sandbox.adminUrl, 'launch-stats-broken');
    const broken = await stats(15);
    expect(broken.status).toBe(500);
    expect(broken.body.error).toEqual(expect.any(String));
    for (const n of fx.sandbox.nodes) expect((await nodeGet(`${n.url}/lps/launch-stats?minutes=15`)).status).toBe(500);
    expect((await getLaunch(signedParams('medsign'))).status).toBe(303);
    await clearFaults(fx.sandbox.adminUrl);
    expect((await stats(15)).status).toBe(200);
  });

  it('refuses an unknown system, or a system for a fault that takes none, naming what is valid', async () => {
    await expect(setFault(fx.sandbox.adminUrl, 'vendor-rejects', { system: 'xmo' })).rejects.toThrow(
      /\(400\): fault vendor-rejects: unknown system "xmo"; systems are: test-journal, nordjournal, klinikplus, medsign, praksisnet/,
    );
    await expect(setFault(fx.sandbox.adminUrl, 'db-down', { system: 'medsign' })).rejects.toThrow(/takes no system/);
    expect(await listFaults(fx.sandbox.adminUrl)).toEqual([]);
  });
});

describe('sandbox fault --system (CLI)', () => {
  it('switches a vendor fault for a named system, refuses an unknown one naming the systems, and sandbox clear clears it', async () => {
    const configFile = path.join(fx.dir, 'cli.config.json');
    await writeFile(configFile, JSON.stringify(configFor(fx.sandbox, fx.dir, { sandbox: { adminPort: Number(new URL(fx.sandbox.adminUrl).port) } }), null, 2));
    let out = '';
    const io = { out: (s: string) => (out += s), err: () => undefined };
    await expect(sandboxFault('vendor-changed', { config: configFile, system: 'xmo' }, io)).rejects.toThrow(
      'unknown LPS system "xmo"; the sandbox knows: test-journal, nordjournal, klinikplus, medsign, praksisnet (default medsign)',
    );
    await expect(sandboxFault('db-down', { config: configFile, system: 'medsign' }, io)).rejects.toThrow(/db-down takes no --system/);
    expect(await sandboxFault('vendor-rejects', { config: configFile, system: 'praksisnet' }, io)).toBe(0);
    expect(out).toContain('fault vendor-rejects is on; active: vendor-rejects system=praksisnet');
    expect(await sandboxFault('vendor-changed', { config: configFile }, io)).toBe(0);
    expect(out).toContain('vendor-changed system=medsign');
    expect(await listFaults(fx.sandbox.adminUrl)).toMatchObject([{ name: 'vendor-rejects', system: 'praksisnet' }, { name: 'vendor-changed', system: 'medsign' }]);
    expect(await sandboxClear({ config: configFile }, io)).toBe(0);
    expect(await listFaults(fx.sandbox.adminUrl)).toEqual([]);
  });
});
