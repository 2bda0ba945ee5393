/**
 * Contract v2's LPS vendors in the alarm policy and its pages: an alarm per system owned by its
 * vendor, one paging composite per vendor (no composite of the `lps` class as such), held back
 * by the hosting, by FLP-wide application failures and by maintenance; the unknown launch
 * statistics a warning for KiAP; and an lps page that names the vendor, is an incident of that
 * vendor's own and goes to the vendor's and KiAP's channels, nobody else's.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alarmPolicy, LAUNCH_STATS_ALARM_ID, LAUNCH_STATS_COMPOSITE_ID, vendorCompositeId, vendorSlug } from '../../../../lib/alarms/policy.ts';
import { evaluatePolicy, paging } from '../../../../lib/alarms/evaluator.ts';
import { suppressionPeriods } from '../../../../lib/alarms/suppression.ts';
import { buildNotification, notificationKey } from '../../../../lib/alarms/notification.ts';
import { channelsFor, namedChannels } from '../../../../lib/alarms/channels.ts';
import { classify } from '../../../../lib/core/classify.ts';
import { DEFAULT_OWNERS, parseConfig } from '../../../../lib/core/config.ts';
import { metricRecords, heartbeatRecord, type MetricRecord } from '../../../../lib/core/records.ts';
import type { ClassifiedResult, ProbeResult } from '../../../../lib/core/result.ts';
import { PageNotifier } from '../../../../lib/runtime/page-notifier.ts';
import type { Notification } from '../../../../lib/alarms/notification.ts';
import { rawConfig } from '../../../support/config.ts';

const PROFILES = [
  { system: 'test-journal', vendor: 'KiAP', style: 'query' },
  { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query' },
  { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', key: 'k1' },
  { system: 'medsign-mobil', vendor: 'MedSign ApS', style: 'signed', key: 'k2' },
  { system: 'praksisnet', vendor: 'PraksisNet', style: 'form' },
];
const CHANNELS = [
  { type: 'webhook', name: 'plsp-hook', owners: ['PLSP'], url: 'http://127.0.0.1:9/plsp' },
  { type: 'webhook', name: 'kiap-hook', owners: ['KiAP'], url: 'http://127.0.0.1:9/kiap' },
  { type: 'webhook', name: 'medsign-hook', owners: ['MedSign ApS'], url: 'http://127.0.0.1:9/medsign' },
  { type: 'webhook', name: 'praksisnet-hook', owners: ['PraksisNet'], url: 'http://127.0.0.1:9/praksisnet' },
  { type: 'webhook', name: 'monitor-hook', owners: ['monitor-owner'], url: 'http://127.0.0.1:9/monitor' },
];

function lpsConfig(extra: Record<string, unknown> = {}) {
  return parseConfig(
    rawConfig({
      environment: 'sandbox',
      schedule: { journeySeconds: 300, journeyRecheckSeconds: 300, syncSeconds: 60, nodesSeconds: 60 },
      lps: { profiles: PROFILES, statsMinutes: 1, maxRejectedPercent: 20, minLaunches: 5 },
      notify: { channels: CHANNELS },
      ...extra,
    }),
    { baseDir: '/tmp' },
  );
}
const config = lpsConfig();
const policy = alarmPolicy(config);
const composite = (id: string) => policy.composites.find((c) => c.id === id)!;

const point = (name: string, at: string, dimensions: Record<string, string>, value = 1): MetricRecord => ({
  type: 'metric',
  timestamp: at,
  namespace: 'FLP/Synthetics',
  name,
  unit: 'Count',
  value,
  dimensions: { Environment: 'sandbox', ...dimensions },
});
const lpsFailure = (system: string, at: string) => point('FailureCount', at, { Probe: `lps:${system}`, FailureClass: 'lps' });
const classFailure = (cls: string, at: string) => point('FailureCount', at, { FailureClass: cls });
const minutes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-12-01T02:${String(from + i).padStart(2, '0')}:10Z`);

describe('the alarm policy of the LPS vendors', () => {
  it('has an lps alarm per system, owned by its vendor, on that system\'s own lps failures at the nodes pace', () => {
    const lps = policy.alarms.filter((a) => a.class === 'lps');
    expect(lps.map((a) => [a.id, a.owner])).toEqual(PROFILES.map((p) => [`lps-failures-${p.system}`, p.vendor]));
    for (const a of lps) {
      expect(a.metric).toEqual({ name: 'FailureCount', dimensions: { Environment: 'sandbox', Probe: `lps:${a.id.replace('lps-failures-', '')}`, FailureClass: 'lps' }, statistic: 'Sum' });
      expect(a).toMatchObject({ severity: 'page', periodSeconds: 60, comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, datapointsToAlarm: config.alarms.datapointsToAlarm, evaluationPeriods: config.alarms.datapointsToAlarm });
    }
  });

  it('pages each vendor through a composite of its own, lps-<vendor>, that tells KiAP too; no composite of the lps class as such, none owned by the placeholder owner', () => {
    const lps = policy.composites.filter((c) => c.class === 'lps');
    expect(lps.map((c) => [c.id, c.owner, c.alsoNotify ?? []])).toEqual([
      ['lps-kiap', 'KiAP', []],
      ['lps-nordlys-data', 'Nordlys Data', ['KiAP']],
      ['lps-medsign-aps', 'MedSign ApS', ['KiAP']],
      ['lps-praksisnet', 'PraksisNet', ['KiAP']],
    ]);
    expect(composite('lps-medsign-aps').alarms).toEqual(['lps-failures-medsign', 'lps-failures-medsign-mobil']);
    expect(composite('lps-medsign-aps').incident).toBe('lps-medsign-aps');
    expect(policy.composites.find((c) => c.id === 'lps-page')).toBeUndefined();
    expect([...policy.alarms, ...policy.composites].filter((x) => x.owner === DEFAULT_OWNERS.lps)).toEqual([]);
    expect(vendorSlug('Klinik+ A/S')).toBe('klinik-a-s');
    expect(vendorCompositeId('MedSign ApS')).toBe('lps-medsign-aps');
  });

  it('holds every vendor\'s page back while the hosting fails, the application fails or maintenance is open', () => {
    const app = composite('application-page');
    for (const c of policy.composites.filter((x) => x.class === 'lps')) {
      expect(c.suppressedBy).toEqual(['maintenance-window', 'infrastructure-failures', ...app.alarms]);
    }
    // The certified launches run at the nodes pace: FLP refusing one pages KiAP at that pace, not the journey's.
    expect(app.alarms).toEqual(['application-failures', 'application-failures-nodes']);
    expect(policy.alarms.find((a) => a.id === 'application-failures-nodes')).toMatchObject({ owner: 'KiAP', periodSeconds: 60, metric: { dimensions: { Environment: 'sandbox', FailureClass: 'application' } } });
    // The journey at the nodes pace needs no second alarm.
    const same = alarmPolicy(lpsConfig({ schedule: { journeySeconds: 60, syncSeconds: 60, nodesSeconds: 60 } }));
    expect(same.alarms.some((a) => a.id === 'application-failures-nodes')).toBe(false);
    // Without profiles, nothing of the LPS at all.
    const none = alarmPolicy(parseConfig(rawConfig({ schedule: { journeySeconds: 300, syncSeconds: 60, nodesSeconds: 60 } }), { baseDir: '/tmp' }));
    expect([...none.alarms, ...none.composites].filter((x) => x.class === 'lps' || x.id.startsWith('launch-') || x.id.endsWith('-nodes'))).toEqual([]);
  });

  it('pages the vendor whose system is refused, and only that vendor', () => {
    const records = minutes(0, 2).flatMap((t) => [lpsFailure('medsign', t), point('Heartbeat', t, {})]);
    const e = evaluatePolicy(policy, records, new Date('2026-12-01T02:02:30Z'));
    expect(paging(e).map((c) => [c.spec.id, c.spec.owner, c.firing])).toEqual([['lps-medsign-aps', 'MedSign ApS', ['lps-failures-medsign']]]);
  });

  it('holds the vendor\'s page back while the hosting fails', () => {
    const records = minutes(0, 2).flatMap((t) => [lpsFailure('medsign', t), classFailure('infrastructure', t), point('Heartbeat', t, {})]);
    const e = evaluatePolicy(policy, records, new Date('2026-12-01T02:02:30Z'));
    const medsign = e.composites.find((c) => c.spec.id === 'lps-medsign-aps')!;
    expect(medsign).toMatchObject({ state: 'ALARM', suppressedBy: ['infrastructure-failures'] });
    expect(paging(e).map((c) => c.spec.id)).toEqual(['infrastructure-page']);
  });

  it('holds the vendor\'s page back while FLP itself refuses launches (application failures at the nodes pace)', () => {
    const records = minutes(0, 2).flatMap((t) => [lpsFailure('medsign', t), classFailure('application', t), point('Heartbeat', t, {})]);
    const e = evaluatePolicy(policy, records, new Date('2026-12-01T02:02:30Z'));
    const medsign = e.composites.find((c) => c.spec.id === 'lps-medsign-aps')!;
    expect(medsign.state).toBe('ALARM');
    expect(medsign.suppressedBy).toContain('application-failures-nodes');
    expect(paging(e).map((c) => c.spec.id)).toEqual(['application-page']);
  });

  it('holds the vendor\'s page back during maintenance', () => {
    const records = minutes(0, 2).flatMap((t) => [lpsFailure('medsign', t), point('MaintenanceWindow', t, {})]);
    const e = evaluatePolicy(policy, records, new Date('2026-12-01T02:02:30Z'));
    expect(e.composites.find((c) => c.spec.id === 'lps-medsign-aps')!.suppressedBy).toEqual(['maintenance-window']);
  });

  it('waits for its suppressors before paging: the slowest is FLP-wide application failures at the journey\'s pace', () => {
    const p = suppressionPeriods(policy, composite('lps-medsign-aps'));
    expect(p.waitSeconds).toBe(300 * config.alarms.datapointsToAlarm + 60);
    expect(p.extensionSeconds).toBe(60 * config.alarms.datapointsToAlarm + 60);
  });

  it('warns KiAP, never pages, when the launch statistics stay unknown for a few nodes periods', () => {
    const spec = policy.alarms.find((a) => a.id === LAUNCH_STATS_ALARM_ID)!;
    expect(spec).toMatchObject({ class: 'application', owner: 'KiAP', severity: 'warning', periodSeconds: 60, comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, metric: { name: 'LaunchStatsUnknown', statistic: 'Maximum', dimensions: { Environment: 'sandbox' } } });
    expect(spec.datapointsToAlarm).toBeGreaterThanOrEqual(2);
    const warning = composite(LAUNCH_STATS_COMPOSITE_ID);
    expect(warning).toMatchObject({ owner: 'KiAP', severity: 'warning', alarms: [LAUNCH_STATS_ALARM_ID], suppressedBy: ['maintenance-window', 'infrastructure-failures'], incident: LAUNCH_STATS_COMPOSITE_ID });
    // Not a slow journey step: a warning of its own.
    expect(composite('application-warning').alarms).not.toContain(LAUNCH_STATS_ALARM_ID);
    for (const c of policy.composites.filter((x) => x.severity === 'page')) expect(c.alarms).not.toContain(LAUNCH_STATS_ALARM_ID);

    const records = minutes(0, 2).flatMap((t) => [point('LaunchStatsUnknown', t, {}), point('Heartbeat', t, {})]);
    const e = evaluatePolicy(policy, records, new Date('2026-12-01T02:02:30Z'));
    const firing = e.composites.filter((c) => c.state === 'ALARM');
    expect(firing.map((c) => [c.spec.id, c.spec.severity, c.spec.owner])).toEqual([[LAUNCH_STATS_COMPOSITE_ID, 'warning', 'KiAP']]);
    expect(notificationKey('sandbox', 'application', 'warning', warning.incident)).toBe('flp-sandbox-launch-stats-warning');
  });
});

// ---- the page ----

const AT = new Date('2026-12-01T02:12:00Z');
function probeResult(p: Partial<ProbeResult> & Pick<ProbeResult, 'probe' | 'kind' | 'ok'>): ProbeResult {
  return { target: p.probe, startedAt: AT.toISOString(), durationMs: 40, attempts: 1, steps: [], evidence: [], error: p.ok ? null : 'failed', observations: {}, artifacts: [], ...p };
}
function refused(system: string, vendor: string, rejected: number, launches: number): ClassifiedResult {
  const percent = Math.round((rejected / launches) * 1000) / 10;
  return classify(
    probeResult({
      probe: `lps:${system}`,
      kind: 'lps',
      ok: false,
      error: `${vendor}'s LPS no longer launches FLP as certified: ${rejected} of ${launches} real ${system} launches refused in 1 min (${percent} % > 20 %), last 400 unknown-parameter, while the certified signed launch is accepted`,
      evidence: [{ type: 'lps-refused', system, vendor, scope: 'system', launches, rejected, percent, maxPercent: 20, windowMinutes: 1, lastRejected: { at: AT.toISOString(), status: 400, reason: 'unknown-parameter' } }],
      observations: { system, vendor, launches, rejected, rejectedPercent: percent },
    }),
    config.owners,
  );
}
const healthy = (probe: string, kind: ProbeResult['kind']) => classify(probeResult({ probe, kind, ok: true }), config.owners);
const latest: ClassifiedResult[] = [
  healthy('lb', 'node'),
  healthy('launch:medsign', 'launch'),
  healthy('launch:praksisnet', 'launch'),
  refused('medsign', 'MedSign ApS', 9, 10),
  refused('praksisnet', 'PraksisNet', 6, 8),
  healthy('lps:nordjournal', 'lps'),
];

describe('an lps page', () => {
  const c = composite('lps-medsign-aps');
  const n = buildNotification({
    environment: 'sandbox',
    change: { alarmId: c.id, class: c.class, owner: c.owner, severity: c.severity, state: 'ALARM', at: AT, alsoNotify: c.alsoNotify!, incident: c.incident! },
    results: latest,
  });

  it('names the vendor as owner and its own refused launches, not another vendor\'s, under a key of that vendor\'s', () => {
    expect(n.key).toBe('flp-sandbox-lps-medsign-aps');
    expect(n.owner).toBe('MedSign ApS');
    expect(n.subject.startsWith("[FLP sandbox] lps · MedSign ApS · MedSign ApS's medsign launches refused: 9 of 10 in 1 min (90 %)")).toBe(true);
    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect(n.evidence).toEqual([expect.stringMatching(/^lps:medsign: MedSign ApS's LPS no longer launches FLP as certified/)]);
    expect(n.text).not.toContain('praksisnet');
    expect(n.text).toContain('Whose job: MedSign ApS (lps); told too: KiAP');
    expect(n.alsoNotify).toEqual(['KiAP']);
    const other = buildNotification({ environment: 'sandbox', change: { alarmId: 'lps-praksisnet', class: 'lps', owner: 'PraksisNet', severity: 'page', state: 'ALARM', at: AT, incident: 'lps-praksisnet' }, results: latest });
    expect(other.key).not.toBe(n.key);
    expect(other.subject).toContain('lps · PraksisNet · ');
  });

  it('goes to the vendor\'s channels and KiAP\'s, nobody else\'s', () => {
    expect(channelsFor(namedChannels(config), n).map((ch) => ch.name)).toEqual(['kiap-hook', 'medsign-hook']);
  });

  it('is sent by the local notifier to the vendor and KiAP once the suppressors had their wait, and resolved under the vendor\'s key', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-lps-page-'));
    const local = { ...config, store: { dir } };
    const sent: { n: Notification; to: string[] }[] = [];
    const notifier = await PageNotifier.create(local, policy, {
      send: async (note, targets) => {
        sent.push({ n: note, to: targets.map((t) => t.name) });
        return targets.map((t) => ({ channel: t.name, type: t.type, ok: true, status: 200, attempts: 1, durationMs: 1 }));
      },
    });
    const records: MetricRecord[] = [];
    const t0 = Date.parse('2026-12-01T02:00:00Z');
    const step = async (minute: number, failing: boolean) => {
      const at = new Date(t0 + minute * 60_000 + 10_000);
      const results = failing ? latest : latest.map((r) => (r.ok ? r : healthy(r.probe, r.kind)));
      const stamped = results.map((r) => ({ ...r, startedAt: at.toISOString() }));
      notifier.observe(stamped);
      for (const r of stamped) records.push(...metricRecords(r, 'sandbox'));
      records.push(heartbeatRecord('sandbox', at.toISOString()));
      return notifier.evaluate(evaluatePolicy(policy, records, new Date(at.getTime() + 20_000)), stamped);
    };
    const pages: Notification[] = [];
    for (let m = 0; m < 16; m++) for (const s of await step(m, true)) pages.push(s.notification);
    const wait = suppressionPeriods(policy, composite('lps-medsign-aps'), 60).waitSeconds;
    expect(wait).toBe(660);
    const triggers = sent.filter((s) => s.n.kind === 'trigger');
    expect(triggers.map((s) => [s.n.key, s.n.owner, s.to])).toEqual([
      ['flp-sandbox-lps-medsign-aps', 'MedSign ApS', ['kiap-hook', 'medsign-hook']],
      ['flp-sandbox-lps-praksisnet', 'PraksisNet', ['kiap-hook', 'praksisnet-hook']],
    ]);
    for (let m = 16; m < 20; m++) await step(m, false);
    const resolves = sent.filter((s) => s.n.kind === 'resolve');
    expect(resolves.map((s) => [s.n.key, s.to])).toEqual([
      ['flp-sandbox-lps-medsign-aps', ['kiap-hook', 'medsign-hook']],
      ['flp-sandbox-lps-praksisnet', ['kiap-hook', 'praksisnet-hook']],
    ]);
    expect(pages.length).toBe(2);
  });
});
