/**
 * The message a page carries (lib/alarms/notification.ts), built from classified results the
 * way the fault matrix's faults leave them: the subject names class, owner and cause, the
 * evidence lines the root cause, the symptoms are listed apart, a resolve shares the key.
 */
import { describe, expect, it } from 'vitest';
import { buildNotification, SUBJECT_MAX, type AlarmChange } from '../../../../lib/alarms/notification.ts';
import { classify } from '../../../../lib/core/classify.ts';
import { DEFAULT_OWNERS } from '../../../../lib/core/config.ts';
import type { ClassifiedResult, Evidence, ProbeKind, StepResult } from '../../../../lib/core/result.ts';

const AT = new Date('2026-12-01T02:05:00Z');

function result(probe: string, kind: ProbeKind, evidence: Evidence[], summary: string, steps: StepResult[] = []): ClassifiedResult {
  return classify(
    { probe, kind, target: probe, ok: evidence.length === 0, startedAt: AT.toISOString(), durationMs: 120, attempts: evidence.length ? 2 : 1, steps, evidence, error: evidence.length ? summary : null, observations: {}, artifacts: [] },
    DEFAULT_OWNERS,
  );
}

const ok = (probe: string, kind: ProbeKind) => result(probe, kind, [], '');
const change = (cls: AlarmChange['class'], state: AlarmChange['state'] = 'ALARM', extra: Partial<AlarmChange> = {}): AlarmChange => ({
  alarmId: `${cls}-page`,
  class: cls,
  owner: DEFAULT_OWNERS[cls],
  severity: 'page',
  state,
  at: AT,
  ...extra,
});

const dbDown = [
  ...['flp-1', 'flp-2', 'flp-3'].map((n) => result(`node:${n}`, 'node', [{ type: 'database-down', url: `https://${n}/health`, node: n }], `${n} database down`)),
  result('journey', 'journey', [{ type: 'http-status', url: 'http://lb/api/patients/251248-xxxx/overview', status: 503, origin: 'app' }], 'overview failed: GET /api/patients/251248-xxxx/overview answered 503', [
    { name: 'launch', status: 'passed', startedAt: AT.toISOString(), durationMs: 100 },
    { name: 'overview', status: 'failed', startedAt: AT.toISOString(), durationMs: 100, error: 'answered 503' },
  ]),
  ok('sync:lab', 'sync'),
];

describe('the notification of a paging alarm', () => {
  it('names infrastructure, PLSP and the database on every node in the subject, and holds the journey back as a symptom', () => {
    const n = buildNotification({
      environment: 'prod',
      change: change('infrastructure'),
      results: dbDown,
      failing: new Map([['node:flp-1', { firstFailingAt: new Date('2026-12-01T02:01:00Z'), runs: 4 }]]),
    });
    expect(n.subject).toBe('[FLP prod] infrastructure · PLSP · database down on flp-1, flp-2, flp-3');
    expect(n).toMatchObject({ kind: 'trigger', key: 'flp-prod-infrastructure', owner: 'PLSP', class: 'infrastructure' });
    expect(n.evidence).toEqual(['node:flp-1: flp-1 database down (after 2 attempts)', 'node:flp-2: flp-2 database down (after 2 attempts)', 'node:flp-3: flp-3 database down (after 2 attempts)']);
    expect(n.symptoms).toEqual([{ class: 'application', lines: [expect.stringMatching(/^journey: overview failed: .* answered 503/)] }]);
    expect(n.since).toEqual({ first: '2026-12-01T02:01:00.000Z', copenhagen: '2026-12-01 03:01 CET', utc: '2026-12-01 02:01 UTC', runs: 4 });
    expect(n.text).toContain('Since: 2026-12-01 03:01 CET (2026-12-01 02:01 UTC), 4 failing runs');
    expect(n.text).toContain('Held back as symptoms of it:');
  });

  it('says which source failed, which node runs which version, and which journey step broke', () => {
    const sync = buildNotification({ environment: 'prod', change: change('sync'), results: [result('sync:lab', 'sync', [{ type: 'sync-failed', source: 'lab', error: 'upstream timeout' }], 'lab sync state failed'), ok('journey', 'journey')] });
    expect(sync.subject).toBe('[FLP prod] sync · PLSP · lab sync failed: upstream timeout');
    const drift = buildNotification({ environment: 'prod', change: change('release'), results: [result('release', 'release', [{ type: 'version-drift', versions: { 'flp-1': '2026.4.1', 'flp-2': '2026.4.1', 'flp-3': '2026.4.0' } }], 'nodes disagree')] });
    expect(drift.subject).toBe('[FLP prod] release · KiAP · versions differ: flp-1, flp-2 on 2026.4.1; flp-3 on 2026.4.0');
    const api = buildNotification({ environment: 'prod', change: change('application'), results: [dbDown[3]!] });
    expect(api.subject).toBe('[FLP prod] application · KiAP · journey overview: 503 from the application');
    expect(api.evidence[0]).toMatch(/overview failed/);
  });

  it('keeps the subject within its length, and never lets an unmasked CPR through', () => {
    const many = Array.from({ length: 30 }, (_, i) => result(`node:flp-${i}`, 'node', [{ type: 'database-down', url: `https://flp-${i}/health` }], `flp-${i} database down for 2512489996`));
    const n = buildNotification({ environment: 'prod', change: change('infrastructure'), results: many });
    expect(n.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(n.subject.endsWith('…')).toBe(true);
    expect(JSON.stringify(n)).not.toContain('2512489996');
    expect(n.text).toContain('251248-xxxx');
  });

  it('resolves under the same key, saying how long it lasted', () => {
    const n = buildNotification({ environment: 'prod', change: change('infrastructure', 'OK', { alarmSince: new Date('2026-12-01T01:50:00Z') }), results: dbDown });
    expect(n).toMatchObject({ kind: 'resolve', key: 'flp-prod-infrastructure' });
    expect(n.subject).toBe('[FLP prod] resolved: infrastructure · PLSP · lasted 15 min 0 s');
    expect(n.text).toContain('Resolved at 2026-12-01T02:05:00.000Z after 15 min 0 s');
  });
});
