import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FaultError, FaultState, resolveFault } from '../../../sandbox/faults.ts';
import {
  BASELINE_REFUSAL_EVERY,
  judgeLaunch,
  LaunchStats,
  LaunchTraffic,
  parseStatsMinutes,
  SANDBOX_LPS_SYSTEMS,
  vendorLaunch,
  type LaunchJudgement,
} from '../../../sandbox/lps.ts';

const CLINIC = '012345';
const CPR = '2512489996';
const targets = { nodes: ['flp-1', 'flp-2', 'flp-3'], sources: ['lab'] };
/** 2026-03-02T10:00:00Z: a fixed sandbox clock. */
const NOW = Date.UTC(2026, 2, 2, 10, 0, 0);
const NOW_S = NOW / 1000;

/** Computed here, independently of the sandbox: lowercase hex HMAC-SHA256 of clinic|cpr|system|ts. */
function sig(key: string, clinic: string, cpr: string, system: string, ts: number | string): string {
  return createHmac('sha256', key).update(`${clinic}|${cpr}|${system}|${ts}`).digest('hex');
}
const MEDSIGN_KEY = 'sandbox-medsign-3f9a1c';
const signed = (ts = NOW_S, extra: Record<string, string> = {}) => ({ clinic: CLINIC, cpr: CPR, system: 'medsign', ts: String(ts), sig: sig(MEDSIGN_KEY, CLINIC, CPR, 'medsign', ts), ...extra });

const noFaults = () => new FaultState(targets);
const judge = (fields: Record<string, string>, opts: { method?: string; faults?: FaultState; now?: number | Date; synthetic?: boolean } = {}) =>
  judgeLaunch(fields, opts.method ?? 'GET', opts.faults ?? noFaults(), opts.now ?? NOW, opts.synthetic ?? true);
const accepted = { ok: true, location: `/app/patient/${CPR}?clinic=${CLINIC}` };
const refused = (status: number, reason: string) => ({ ok: false, status, reason, error: expect.any(String) });

describe('the sandbox LPS systems', () => {
  it('are the five documented systems, test-journal only the monitor’s', () => {
    expect(SANDBOX_LPS_SYSTEMS).toEqual([
      { system: 'test-journal', vendor: 'KiAP', style: 'query', realLaunchesPerSecond: 0 },
      { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query', realLaunchesPerSecond: 2 },
      { system: 'klinikplus', vendor: 'Klinik+ A/S', style: 'form', realLaunchesPerSecond: 2 },
      { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', key: 'sandbox-medsign-3f9a1c', realLaunchesPerSecond: 2 },
      { system: 'praksisnet', vendor: 'PraksisNet', style: 'signed', key: 'sandbox-praksisnet-7d20be', realLaunchesPerSecond: 1 },
    ]);
    expect(Object.isFrozen(SANDBOX_LPS_SYSTEMS)).toBe(true);
  });
});

describe('judgeLaunch', () => {
  it('accepts each style: query (v1), form, signed', () => {
    expect(judge({ clinic: CLINIC, cpr: CPR, system: 'test-journal' })).toEqual(accepted);
    expect(judge({ clinic: CLINIC, cpr: CPR, system: 'nordjournal' })).toEqual(accepted);
    expect(judge({ clinic: CLINIC, cpr: CPR, system: 'klinikplus' }, { method: 'POST' })).toEqual(accepted);
    expect(judge(signed())).toEqual(accepted);
    const ts = NOW_S - 12;
    expect(judge({ clinic: CLINIC, cpr: CPR, system: 'praksisnet', ts: String(ts), sig: sig('sandbox-praksisnet-7d20be', CLINIC, CPR, 'praksisnet', ts) })).toEqual(accepted);
  });

  it('refuses a bad or missing clinic or cpr, or a missing system, with 400 missing-parameter', () => {
    const cases: Record<string, string>[] = [
      { clinic: '01a', cpr: CPR, system: 'test-journal' },
      { cpr: CPR, system: 'test-journal' },
      { clinic: CLINIC, cpr: '12345', system: 'test-journal' },
      { clinic: CLINIC, system: 'klinikplus' },
      { clinic: CLINIC, cpr: CPR },
      { clinic: CLINIC, cpr: CPR, system: ' ' },
    ];
    for (const fields of cases) {
      expect(judge(fields), JSON.stringify(fields)).toEqual(refused(400, 'missing-parameter'));
    }
  });

  it('refuses an unknown system with 400 unknown-system naming the known ones', () => {
    const j = judge({ clinic: CLINIC, cpr: CPR, system: 'xmo' });
    expect(j).toEqual(refused(400, 'unknown-system'));
    expect(!j.ok && j.error).toContain('test-journal, nordjournal, klinikplus, medsign, praksisnet');
  });

  it('refuses a parameter the contract does not name with 400 unknown-parameter', () => {
    expect(judge({ clinic: CLINIC, patient: CPR, system: 'nordjournal' })).toEqual(refused(400, 'unknown-parameter'));
    expect(judge({ clinic: CLINIC, cpr: CPR, system: 'klinikplus', extra: '1' }, { method: 'POST' })).toEqual(refused(400, 'unknown-parameter'));
    expect(judge(signed(NOW_S, { nonce: 'x' }))).toEqual(refused(400, 'unknown-parameter'));
  });

  it('refuses a signed system launched without ts or sig with 400 missing-parameter, and a ts that is not unix seconds', () => {
    expect(judge({ clinic: CLINIC, cpr: CPR, system: 'medsign' })).toEqual(refused(400, 'missing-parameter'));
    const { sig: _sig, ...noSig } = signed();
    expect(judge(noSig)).toEqual(refused(400, 'missing-parameter'));
    const { ts: _ts, ...noTs } = signed();
    expect(judge(noTs)).toEqual(refused(400, 'missing-parameter'));
    expect(judge({ ...signed(), ts: 'soon' })).toEqual(refused(400, 'missing-parameter'));
  });

  it('refuses a wrong signature with 401 bad-signature: another key, another order, another field, upper case, not hex', () => {
    expect(judge({ ...signed(), sig: sig('sandbox-praksisnet-7d20be', CLINIC, CPR, 'medsign', NOW_S) })).toEqual(refused(401, 'bad-signature'));
    expect(judge({ ...signed(), sig: createHmac('sha256', MEDSIGN_KEY).update(`${CPR}|${CLINIC}|medsign|${NOW_S}`).digest('hex') })).toEqual(refused(401, 'bad-signature'));
    expect(judge({ ...signed(), cpr: '0101701234' })).toEqual(refused(401, 'bad-signature'));
    expect(judge({ ...signed(), sig: signed().sig.toUpperCase() })).toEqual(refused(401, 'bad-signature'));
    expect(judge({ ...signed(), sig: 'zz' })).toEqual(refused(401, 'bad-signature'));
  });

  it('accepts a ts 299 s from the sandbox clock and refuses one 301 s away with 401 expired, either side', () => {
    expect(judge(signed(NOW_S - 299))).toEqual(accepted);
    expect(judge(signed(NOW_S + 299))).toEqual(accepted);
    expect(judge(signed(NOW_S - 300))).toEqual(accepted);
    expect(judge(signed(NOW_S - 301))).toEqual(refused(401, 'expired'));
    expect(judge(signed(NOW_S + 301))).toEqual(refused(401, 'expired'));
    // The clock is injected: the same launch judged 2 s later has expired.
    expect(judge(signed(NOW_S - 299), { now: NOW + 2000 })).toEqual(refused(401, 'expired'));
    expect(judge(signed(NOW_S - 299), { now: new Date(NOW) })).toEqual(accepted);
  });

  it('vendor-rejects: every launch of that system is refused 400 unknown-system, synthetic and real; others pass', () => {
    const faults = noFaults();
    faults.set('vendor-rejects', { system: 'klinikplus' });
    const kp = { clinic: CLINIC, cpr: CPR, system: 'klinikplus' };
    expect(judge(kp, { method: 'POST', faults, synthetic: true })).toEqual(refused(400, 'unknown-system'));
    expect(judge(kp, { method: 'POST', faults, synthetic: false })).toEqual(refused(400, 'unknown-system'));
    expect(judge(signed(), { faults, synthetic: false })).toEqual(accepted);
    expect(judge({ clinic: CLINIC, cpr: CPR, system: 'test-journal' }, { faults })).toEqual(accepted);
    const byDefault = noFaults();
    byDefault.set('vendor-rejects');
    expect(judge(signed(), { faults: byDefault })).toEqual(refused(400, 'unknown-system'));
  });

  it('vendor-changed: a certified launch of that system is still accepted (the change is in what the LPS sends)', () => {
    const faults = noFaults();
    faults.set('vendor-changed');
    expect(judge(signed(), { faults, synthetic: true })).toEqual(accepted);
    expect(judge(signed(), { faults, synthetic: false })).toEqual(accepted);
  });

  it('all-launches-rejected: every real launch is refused 400 unknown-parameter; synthetic launches pass', () => {
    const faults = noFaults();
    faults.set('all-launches-rejected');
    for (const fields of [{ clinic: CLINIC, cpr: CPR, system: 'test-journal' }, { clinic: CLINIC, cpr: CPR, system: 'nordjournal' }, signed()]) {
      expect(judge(fields, { faults, synthetic: false })).toEqual(refused(400, 'unknown-parameter'));
      expect(judge(fields, { faults, synthetic: true })).toEqual(accepted);
    }
  });

  it('launch-stats-broken leaves launches alone', () => {
    const faults = noFaults();
    faults.set('launch-stats-broken');
    expect(judge(signed(), { faults, synthetic: false })).toEqual(accepted);
  });
});

describe('the new faults’ parameters', () => {
  it('vendor-rejects and vendor-changed take a system (default medsign); the others take none', () => {
    expect(resolveFault('vendor-rejects', {}, targets)).toMatchObject({ name: 'vendor-rejects', system: 'medsign' });
    expect(resolveFault('vendor-changed', { system: 'nordjournal' }, targets)).toMatchObject({ system: 'nordjournal' });
    expect(resolveFault('all-launches-rejected', {}, targets)).not.toHaveProperty('system');
    expect(() => resolveFault('vendor-changed', { system: 'xmo' }, targets)).toThrow(FaultError);
    expect(() => resolveFault('vendor-changed', { system: 'xmo' }, targets)).toThrow(
      'fault vendor-changed: unknown system "xmo"; systems are: test-journal, nordjournal, klinikplus, medsign, praksisnet',
    );
    expect(() => resolveFault('launch-stats-broken', { system: 'medsign' }, targets)).toThrow(/takes no system \(only vendor-rejects, vendor-changed do\)/);
    expect(() => resolveFault('db-down', { system: 'medsign' }, targets)).toThrow(/takes no system/);
  });

  it('keeps one fault per system and clears them all', () => {
    const state = noFaults();
    state.set('vendor-changed', { system: 'medsign' });
    state.set('vendor-changed', { system: 'klinikplus' });
    state.set('vendor-changed', { system: 'medsign' });
    expect(state.list().map((f) => f.system)).toEqual(['medsign', 'klinikplus']);
    expect(state.has('vendor-changed', { system: 'praksisnet' })).toBe(false);
    state.clear();
    expect(state.list()).toEqual([]);
  });
});

const bad: LaunchJudgement = { ok: false, status: 400, reason: 'missing-parameter', error: 'x' };
const good: LaunchJudgement = { ok: true, location: '/' };

describe('launch statistics', () => {
  it('lists every system, counts launches and refusals in the window, and names the last refusal', () => {
    const stats = new LaunchStats();
    stats.record('medsign', NOW - 10 * 60_000, { ok: false, status: 401, reason: 'expired', error: 'x' });
    stats.record('medsign', NOW - 2 * 60_000, good);
    stats.record('medsign', NOW - 90_000, bad);
    stats.record('medsign', NOW - 1000, good);
    stats.record('xmo', NOW, bad);
    const five = stats.report(5, NOW);
    expect(five.windowMinutes).toBe(5);
    expect(five.systems.map((s) => s.system)).toEqual(SANDBOX_LPS_SYSTEMS.map((s) => s.system));
    expect(five.systems.find((s) => s.system === 'medsign')).toEqual({
      system: 'medsign',
      launches: 3,
      rejected: 1,
      lastRejected: { at: new Date(NOW - 90_000).toISOString(), status: 400, reason: 'missing-parameter' },
    });
    expect(five.systems.find((s) => s.system === 'test-journal')).toEqual({ system: 'test-journal', launches: 0, rejected: 0, lastRejected: null });
    expect(stats.report(15, NOW).systems.find((s) => s.system === 'medsign')).toMatchObject({ launches: 4, rejected: 2 });
    expect(stats.report(1, NOW).systems.find((s) => s.system === 'medsign')).toMatchObject({ launches: 1, rejected: 0, lastRejected: null });
  });

  it('drops what is older than 60 minutes, also when a newer second reuses its bucket', () => {
    const stats = new LaunchStats();
    stats.record('nordjournal', NOW - 61 * 60_000, bad);
    expect(stats.report(60, NOW).systems.find((s) => s.system === 'nordjournal')).toMatchObject({ launches: 0, rejected: 0, lastRejected: null });
    stats.record('nordjournal', NOW - 3_600_000, bad);
    stats.record('nordjournal', NOW, good); // the same bucket, an hour later
    expect(stats.report(60, NOW).systems.find((s) => s.system === 'nordjournal')).toMatchObject({ launches: 1, rejected: 0, lastRejected: null });
    stats.record('nordjournal', NOW + 500, good);
    expect(stats.report(60, NOW + 999).systems.find((s) => s.system === 'nordjournal')).toMatchObject({ launches: 2 });
  });

  it('takes minutes from 1 to 60 only', () => {
    expect([1, 15, 60].map((n) => parseStatsMinutes(String(n)))).toEqual([1, 15, 60]);
    for (const v of [null, '', '0', '61', '1.5', '-1', 'x', '015']) expect(parseStatsMinutes(v), String(v)).toBeUndefined();
  });
});

function trafficAt(faults = noFaults()) {
  let clock = NOW;
  const stats = new LaunchStats();
  const traffic = new LaunchTraffic({ faults, stats, clock: () => clock });
  const run = (seconds: number) => {
    const sent: ReturnType<LaunchTraffic['tick']> = [];
    for (let i = 0; i < seconds; i++) {
      sent.push(...traffic.tick());
      clock += 1000;
    }
    return sent;
  };
  const line = (system: string) => stats.report(60, clock).systems.find((s) => s.system === system);
  return { traffic, stats, run, line, faults };
}

describe('simulated real launch traffic', () => {
  it('sends each vendor’s realLaunchesPerSecond the way that vendor sends them, test-journal none', () => {
    const { run } = trafficAt();
    const second = run(1);
    expect(second.map((s) => s.launch.system)).toEqual(['nordjournal', 'nordjournal', 'klinikplus', 'klinikplus', 'medsign', 'medsign', 'praksisnet']);
    expect(second.every((s) => s.judgement.ok)).toBe(true);
    const by = (system: string) => second.find((s) => s.launch.system === system)?.launch;
    expect(by('nordjournal')).toMatchObject({ method: 'GET', fields: { clinic: expect.any(String), cpr: expect.stringMatching(/^\d{10}$/), system: 'nordjournal' } });
    expect(by('klinikplus')?.method).toBe('POST');
    const med = by('medsign');
    expect(med?.fields.ts).toBe(String(NOW_S));
    expect(med?.fields.sig).toBe(sig(MEDSIGN_KEY, med?.fields.clinic ?? '', med?.fields.cpr ?? '', 'medsign', NOW_S));
  });

  it('has a steady baseline: one in 50 of a vendor’s launches lacks cpr, so about 2 % are refused as missing-parameter', () => {
    const { run, line, stats } = trafficAt();
    run(100);
    for (const [system, perSecond] of [['nordjournal', 2], ['klinikplus', 2], ['medsign', 2], ['praksisnet', 1]] as const) {
      const l = line(system);
      expect(l?.launches, system).toBe(100 * perSecond);
      expect(l?.rejected, system).toBe((100 * perSecond) / BASELINE_REFUSAL_EVERY);
      expect(l?.lastRejected, system).toMatchObject({ status: 400, reason: 'missing-parameter' });
    }
    expect(line('test-journal')).toEqual({ system: 'test-journal', launches: 0, rejected: 0, lastRejected: null });
    const all = stats.report(60, NOW + 100_000).systems.reduce((a, s) => ({ launches: a.launches + s.launches, rejected: a.rejected + s.rejected }), { launches: 0, rejected: 0 });
    expect(all.rejected / all.launches).toBeCloseTo(0.02, 3);
  });

  it('signs with a fresh ts every second, so signed launches never expire', () => {
    const { run, line } = trafficAt();
    run(400);
    expect(line('medsign')).toMatchObject({ launches: 800, rejected: 16 });
    expect(line('praksisnet')).toMatchObject({ launches: 400, rejected: 8 });
  });

  it('vendor-rejects: that system’s real launches are all refused unknown-system; the others keep their baseline', () => {
    const faults = noFaults();
    faults.set('vendor-rejects', { system: 'nordjournal' });
    const { run, line } = trafficAt(faults);
    run(50);
    expect(line('nordjournal')).toMatchObject({ launches: 100, rejected: 100, lastRejected: { status: 400, reason: 'unknown-system' } });
    expect(line('medsign')).toMatchObject({ launches: 100, rejected: 2 });
  });

  it('vendor-changed on a query or form system: it sends patient= and is refused unknown-parameter', () => {
    for (const system of ['nordjournal', 'klinikplus']) {
      const faults = noFaults();
      faults.set('vendor-changed', { system });
      const { run, line } = trafficAt(faults);
      const sent = run(50);
      const one = sent.find((s) => s.launch.system === system && s.launch.fields.patient !== undefined);
      expect(one?.launch.fields).not.toHaveProperty('cpr');
      expect(one?.judgement).toEqual(refused(400, 'unknown-parameter'));
      expect(line(system)).toMatchObject({ launches: 100, rejected: 100 });
      expect(line('medsign')).toMatchObject({ launches: 100, rejected: 2 });
    }
  });

  it('vendor-changed on a signed system: it signs cpr|clinic|system|ts and is refused bad-signature', () => {
    const faults = noFaults();
    faults.set('vendor-changed', { system: 'praksisnet' });
    const { run, line } = trafficAt(faults);
    const sent = run(40); // praksisnet's 50th launch is the baseline one without cpr
    const one = sent.find((s) => s.launch.system === 'praksisnet' && s.launch.fields.cpr !== undefined);
    const f = one?.launch.fields ?? {};
    expect(f.sig).toBe(createHmac('sha256', 'sandbox-praksisnet-7d20be').update(`${f.cpr}|${f.clinic}|praksisnet|${f.ts}`).digest('hex'));
    expect(one?.judgement).toEqual(refused(401, 'bad-signature'));
    expect(line('praksisnet')).toMatchObject({ launches: 40, rejected: 40, lastRejected: { status: 401, reason: 'bad-signature' } });
    expect(line('medsign')).toMatchObject({ launches: 80, rejected: 1 });
    // What the monitor sends with praksisnet's certified profile still passes.
    const ts = NOW_S;
    expect(judgeLaunch({ clinic: CLINIC, cpr: CPR, system: 'praksisnet', ts: String(ts), sig: sig('sandbox-praksisnet-7d20be', CLINIC, CPR, 'praksisnet', ts) }, 'GET', faults, NOW, true)).toEqual(accepted);
  });

  it('all-launches-rejected: every system’s real launches are refused unknown-parameter', () => {
    const faults = noFaults();
    faults.set('all-launches-rejected');
    const { run, line } = trafficAt(faults);
    run(10);
    for (const system of ['nordjournal', 'klinikplus', 'medsign', 'praksisnet']) {
      expect(line(system)?.rejected, system).toBe(line(system)?.launches);
      expect(line(system)?.lastRejected?.reason).toBe('unknown-parameter');
    }
  });

  it('sends the same launches for the same seconds (deterministic)', () => {
    expect(vendorLaunch(SANDBOX_LPS_SYSTEMS[3]!, 7, NOW, false)).toEqual(vendorLaunch(SANDBOX_LPS_SYSTEMS[3]!, 7, NOW, false));
    expect(trafficAt().run(3)).toEqual(trafficAt().run(3));
  });

  it('start() ticks on an unref’d timer and stop() ends it', async () => {
    const stats = new LaunchStats();
    let clock = NOW;
    const traffic = new LaunchTraffic({ faults: noFaults(), stats, clock: () => (clock += 1000) });
    traffic.start(5);
    await new Promise((r) => setTimeout(r, 60));
    traffic.stop();
    const launches = stats.report(60, clock).systems.find((s) => s.system === 'nordjournal')?.launches ?? 0;
    expect(launches).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(stats.report(60, clock).systems.find((s) => s.system === 'nordjournal')?.launches).toBe(launches);
  });
});
