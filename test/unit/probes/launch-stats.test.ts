import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classify, verdictOf } from '../../../lib/core/classify.ts';
import { DEFAULT_OWNERS, parseConfig, type Config } from '../../../lib/core/config.ts';
import type { Logger, ProbeContext, Resolve } from '../../../lib/core/context.ts';
import type { ProbeResult } from '../../../lib/core/result.ts';
import { createHttpClient } from '../../../lib/adapters/http.ts';
import { judgeLaunchStats, parseLaunchStats, readLaunchStats, type LaunchStatsRead, type SystemLaunchStats } from '../../../probes/launch-stats.ts';
import { listen, type RunningServer } from '../../support/tls.ts';
import { rawConfig } from '../../support/config.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: ProbeContext = { clock: { now: () => NOW }, http: createHttpClient({ resolve }), resolve, logger: quiet };
const OWNERS = { ...DEFAULT_OWNERS };

const servers: RunningServer<net.Server>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function config(lps: Partial<Config['lps']> = {}): Config {
  return parseConfig(
    rawConfig({
      journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'nordjournal' },
      lps: {
        profiles: [
          { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query' },
          { system: 'klinikplus', vendor: 'Klinik+ A/S', style: 'form' },
          { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', key: 'k' },
        ],
        ...lps,
      },
    }),
  );
}

const sys = (system: string, launches: number, rejected: number): SystemLaunchStats => ({
  system,
  launches,
  rejected,
  lastRejected: rejected ? { at: '2026-03-01T11:59:30Z', status: 401, reason: 'bad-signature' } : null,
});
const read = (...systems: SystemLaunchStats[]): LaunchStatsRead => ({ ok: true, stats: { windowMinutes: 15, systems }, url: 'http://flp.test/lps/launch-stats?minutes=15', startedAt: NOW.toISOString(), durationMs: 12 });
const launch = (system: string, ok: boolean): ProbeResult => ({
  probe: `launch:${system}`,
  kind: 'launch',
  target: 'http://flp.test/lps/launch',
  ok,
  startedAt: NOW.toISOString(),
  durationMs: 20,
  attempts: 1,
  steps: [],
  evidence: ok ? [] : [{ type: 'launch-refused', url: 'http://flp.test/lps/launch', system, vendor: 'x', status: 400, reason: 'unknown-system' }],
  error: ok ? null : 'refused',
  observations: { system },
  artifacts: [],
});
const allLaunch = (failing: string[] = []) => ['nordjournal', 'klinikplus', 'medsign'].map((s) => launch(s, !failing.includes(s)));
const judged = (r: LaunchStatsRead, c = config(), launches = allLaunch()) => judgeLaunchStats(r, launches, c).map((x) => classify(x, OWNERS));
const byProbe = (rs: ReturnType<typeof judged>) => Object.fromEntries(rs.map((r) => [r.probe, r]));

describe('judgeLaunchStats', () => {
  it('passes 20.0 % refused at the 20 % limit and fails 20.1 % as lps, owned by that vendor', () => {
    const at = byProbe(judged(read(sys('nordjournal', 1000, 20), sys('klinikplus', 1000, 200), sys('medsign', 1000, 201))));
    expect(at['lps:nordjournal']).toMatchObject({ ok: true, class: null, observations: { launches: 1000, rejected: 20, rejectedPercent: 2 } });
    expect(at['lps:klinikplus']).toMatchObject({ ok: true, observations: { rejectedPercent: 20 } });
    expect(at['lps:medsign']).toMatchObject({ ok: false, class: 'lps', owner: 'MedSign ApS', observations: { rejectedPercent: 20.1 } });
    expect(at['lps:medsign']!.summary).toBe(
      "MedSign ApS's LPS no longer launches FLP as certified: 201 of 1000 real medsign launches refused in 15 min (20.1 % > 20 %), last 401 bad-signature, while the certified signed launch is accepted",
    );
  });

  it('does not judge a system below minLaunches, however many were refused', () => {
    const c = config({ minLaunches: 5 });
    expect(byProbe(judged(read(sys('medsign', 4, 4), sys('nordjournal', 100, 1)), c))['lps:medsign']).toMatchObject({ ok: true, observations: { launches: 4, rejected: 4 } });
    expect(byProbe(judged(read(sys('medsign', 5, 4), sys('nordjournal', 100, 1)), c))['lps:medsign']).toMatchObject({ ok: false, class: 'lps' });
  });

  it('takes a system refused along with its certified launch as the application (KiAP), not the vendor', () => {
    const r = byProbe(judged(read(sys('nordjournal', 100, 1), sys('klinikplus', 100, 2), sys('medsign', 100, 90)), config(), allLaunch(['medsign'])));
    expect(r['lps:medsign']).toMatchObject({ ok: false, class: 'application', owner: 'KiAP', evidence: [expect.objectContaining({ scope: 'profile-refused' })] });
  });

  it('takes every system with traffic refused as FLP itself: the application, even while each certified launch passes', () => {
    const r = judged(read(sys('nordjournal', 100, 100), sys('klinikplus', 100, 99), sys('medsign', 100, 100), sys('test-journal', 0, 0)));
    expect(r.map((x) => [x.probe, x.class, x.owner])).toEqual([
      ['lps:nordjournal', 'application', 'KiAP'],
      ['lps:klinikplus', 'application', 'KiAP'],
      ['lps:medsign', 'application', 'KiAP'],
    ]);
    expect(r[0]!.summary).toContain("FLP refuses every system's real launches");
  });

  it('says "unknown" for statistics it cannot read and for a system missing from them: a pass, never lps', () => {
    const broken: LaunchStatsRead = { ok: false, problem: 'launch statistics answered 500 from the application', url: 'u', startedAt: NOW.toISOString(), durationMs: 3 };
    const r = judged(broken);
    expect(r.every((x) => x.ok && x.class === null)).toBe(true);
    expect(r[0]!.observations.statsUnknown).toBe('launch statistics answered 500 from the application');
    expect(r[0]!.summary).toBe('launch statistics unknown: launch statistics answered 500 from the application');
    const missing = byProbe(judged(read(sys('nordjournal', 100, 1))));
    expect(missing['lps:medsign']).toMatchObject({ ok: true, observations: { statsUnknown: 'medsign is not in the launch statistics' } });
  });

  it('ranks lps below the application in a verdict: a broken FLP explains refused launches', () => {
    const results = [
      ...judged(read(sys('nordjournal', 100, 1), sys('klinikplus', 100, 1), sys('medsign', 100, 50))),
      classify(launch('klinikplus', false), OWNERS),
    ];
    expect(verdictOf(results, OWNERS)).toMatchObject({ class: 'application', owner: 'KiAP' });
    expect(verdictOf(results.filter((r) => r.kind === 'lps'), OWNERS)).toMatchObject({ class: 'lps', owner: 'MedSign ApS' });
  });
});

describe('parseLaunchStats and readLaunchStats', () => {
  it('names every property a body misses', () => {
    expect(parseLaunchStats({ windowMinutes: 15, systems: [{ system: 'a', launches: 3, rejected: 4 }, { system: '', launches: -1 }] })).toEqual({
      ok: false,
      problems: ['systems[0].rejected: 4 is more than its 3 launches', 'systems[1].system: not a non-empty string', 'systems[1].launches: not a count (-1)', 'systems[1].rejected: not a count (undefined)'],
    });
    expect(parseLaunchStats([])).toEqual({ ok: false, problems: ['body: not a JSON object'] });
  });

  async function statsServer(status: number, body: string, type = 'application/json') {
    const seen: string[] = [];
    const server = await listen(http.createServer((req, res) => (seen.push(req.url ?? ''), res.writeHead(status, { 'content-type': type }).end(body))));
    servers.push(server);
    return { baseUrl: `http://127.0.0.1:${server.port}`, seen };
  }

  it('reads the window it asks for, and gives the reason when the answer is a 500 or malformed', async () => {
    const good = await statsServer(200, JSON.stringify({ windowMinutes: 15, systems: [{ system: 'medsign', launches: 10, rejected: 1, lastRejected: null }] }));
    const r = await readLaunchStats(good.baseUrl, 15, ctx, { requestMs: 2000 });
    expect(r).toMatchObject({ ok: true, stats: { windowMinutes: 15, systems: [{ system: 'medsign', launches: 10, rejected: 1, lastRejected: null }] } });
    expect(good.seen).toEqual(['/lps/launch-stats?minutes=15']);
    const failing = await statsServer(500, '{"error":"boom"}');
    expect(await readLaunchStats(failing.baseUrl, 15, ctx, { requestMs: 2000 })).toMatchObject({ ok: false, problem: 'launch statistics answered 500 from the application (application/json)' });
    const malformed = await statsServer(200, '{"windowMinutes": 15, "systems": {}}');
    expect(await readLaunchStats(malformed.baseUrl, 15, ctx, { requestMs: 2000 })).toMatchObject({ ok: false, problem: 'launch statistics malformed: systems: not a list' });
    const html = await statsServer(200, '<html>', 'text/html');
    expect(await readLaunchStats(html.baseUrl, 15, ctx, { requestMs: 2000 })).toMatchObject({ ok: false, problem: 'launch statistics body: not JSON (content-type text/html)' });
  });
});
