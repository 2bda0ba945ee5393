/**
 * The local notifier over the real pipeline (lib/runtime/page-notifier.ts): classified results
 * become metric records, the production alarm policy is evaluated over them minute by minute,
 * and the notifier sends one trigger when the hosting's composite starts paging and one resolve
 * when it clears, through a real webhook on 127.0.0.1; a monitor restarted mid-incident still
 * resolves it; a channel that keeps failing becomes the monitor's own alarm.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../lib/alarms/evaluator.ts';
import { alarmPolicy } from '../../lib/alarms/policy.ts';
import { suppressionPeriods } from '../../lib/alarms/suppression.ts';
import { classify } from '../../lib/core/classify.ts';
import { parseConfig, type Config } from '../../lib/core/config.ts';
import { activeWindow } from '../../lib/core/maintenance.ts';
import { heartbeatRecord, maintenanceRecord, metricRecords, type MetricRecord } from '../../lib/core/records.ts';
import type { ClassifiedResult } from '../../lib/core/result.ts';
import { PageNotifier } from '../../lib/runtime/page-notifier.ts';
import { rawConfig } from '../support/config.ts';

const T0 = Date.parse('2026-12-01T02:00:00Z');
const FAST = { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 10, timeoutMs: 2000 };
let server: http.Server;
let base = '';
const hooks: { path: string; body: { kind: string; key: string; subject: string } }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      hooks.push({ path: req.url ?? '', body: JSON.parse(text) });
      res.writeHead(req.url === '/broken' ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

async function configFor(hookPath: string, extra: Record<string, unknown> = {}): Promise<Config> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-pager-'));
  return parseConfig(rawConfig({ store: { dir }, notify: { channels: [{ type: 'webhook', owners: ['*'], url: `${base}${hookPath}` }] }, ...extra }));
}

/** One nodes run at `t` seconds: flp-1's database down while `down`. */
function nodesRun(config: Config, t: number, down: boolean): ClassifiedResult[] {
  const at = new Date(T0 + t * 1000).toISOString();
  const node = (name: string, failing: boolean) =>
    classify(
      { probe: `node:${name}`, kind: 'node', target: name, ok: !failing, startedAt: at, durationMs: 40, attempts: failing ? 2 : 1, steps: [], evidence: failing ? [{ type: 'database-down', url: `https://${name}/health`, node: name }] : [], error: failing ? `${name} database down` : null, observations: { node: name }, artifacts: [] },
      config.owners,
    );
  return [node('flp-1', down), node('flp-2', false)];
}

/** Minute by minute from `from` to `to` seconds: results recorded, the policy evaluated, the notifier asked. */
async function minutes(config: Config, notifier: PageNotifier, records: MetricRecord[], from: number, to: number, down: (t: number) => boolean) {
  const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
  for (let t = from; t <= to; t += 60) {
    const results = nodesRun(config, t, down(t));
    const at = new Date(T0 + t * 1000);
    records.push(
      ...results.flatMap((r) => metricRecords(r, config.environment, config.aws.namespace)),
      heartbeatRecord(config.environment, at.toISOString(), config.aws.namespace),
      maintenanceRecord(config.environment, at.toISOString(), !!activeWindow(config.maintenance, at), config.aws.namespace),
    );
    notifier.observe(results);
    await notifier.evaluate(evaluatePolicy(policy, records, new Date(T0 + t * 1000 + 1000)), results);
  }
}

describe('the local page notifier', () => {
  it('sends one trigger to PLSP while the database is down and one resolve under the same key, even across a restart', async () => {
    hooks.length = 0;
    const config = await configFor('/hook');
    const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
    const records: MetricRecord[] = [];
    const first = await PageNotifier.create(config, policy, { dispatchOptions: FAST });
    await minutes(config, first, records, 0, 360, () => true);
    expect(hooks.map((h) => [h.body.kind, h.body.key])).toEqual([['trigger', 'flp-test-infrastructure']]);
    expect(hooks[0]!.body.subject).toBe('[FLP test] infrastructure · PLSP · database down on flp-1');

    // The monitor restarts; the incident is still open in the store, and the next process resolves it.
    const second = await PageNotifier.create(config, policy, { dispatchOptions: FAST });
    await minutes(config, second, records, 420, 900, () => false);
    expect(hooks.map((h) => [h.body.kind, h.body.key])).toEqual([
      ['trigger', 'flp-test-infrastructure'],
      ['resolve', 'flp-test-infrastructure'],
    ]);
    expect(hooks[1]!.body.subject).toMatch(/^\[FLP test\] resolved: infrastructure · PLSP · lasted \d+ min/);
  });

  it('holds the page back during a maintenance window and, when FLP still fails after its planned end, pages at the end of the extension period saying it overran', async () => {
    hooks.length = 0;
    const window = { start: new Date(T0).toISOString(), end: new Date(T0 + 10 * 60_000).toISOString(), reason: 'release 2026.4.2' };
    const config = await configFor('/hook', { maintenance: { windows: [window] } });
    const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
    const records: MetricRecord[] = [];
    const notifier = await PageNotifier.create(config, policy, { dispatchOptions: FAST });
    // The database is down from the window's second minute and stays down.
    await minutes(config, notifier, records, 0, 9 * 60, (t) => t >= 60);
    expect(hooks).toEqual([]);
    await minutes(config, notifier, records, 10 * 60, 30 * 60, () => true);
    expect(hooks.map((h) => h.body.kind)).toEqual(['trigger']);
    const subject = hooks[0]!.body.subject;
    expect(subject).toBe("[FLP test] infrastructure · PLSP · 'release 2026.4.2' overran 03:10: database down on flp-1");
    const text = (hooks[0]!.body as unknown as { text: string }).text;
    expect(text).toMatch(/Maintenance overran: maintenance 'release 2026\.4\.2' planned 03:00–03:10 overran: FLP still failing at 03:\d\d\. The page is no longer held back\./);
    // Not before the extension period after the window's end (CloudWatch's ActionsSuppressorExtensionPeriod).
    const pagedAt = Date.parse((hooks[0]!.body as unknown as { at: string }).at);
    const { extensionSeconds } = suppressionPeriods(policy, policy.composites.find((c) => c.id === 'infrastructure-page')!, 60);
    expect(pagedAt - (T0 + 10 * 60_000)).toBeGreaterThanOrEqual(extensionSeconds * 1000 - 60_000);
  });

  it('records a channel that keeps failing as NotificationFailed, which raises the monitor\'s own alarm', async () => {
    hooks.length = 0;
    const config = await configFor('/broken');
    const policy = alarmPolicy(config, { minPeriodSeconds: 60 });
    const records: MetricRecord[] = [];
    const notifier = await PageNotifier.create(config, policy, { dispatchOptions: FAST, record: async (r) => void records.push(...r) });
    await minutes(config, notifier, records, 0, 300, () => true);
    // Asked twice (one retry) and still 500.
    expect(hooks.filter((h) => h.path === '/broken')).toHaveLength(2);
    const failed = records.filter((r) => r.name === 'NotificationFailed');
    expect(failed.map((r) => [r.value, r.dimensions.Channel])).toEqual([[1, 'webhook']]);
    const evaluation = evaluatePolicy(policy, records, new Date(Date.parse(failed[0]!.timestamp) + 1000));
    expect(evaluation.alarms.find((a) => a.spec.id === 'notify-webhook')?.state).toBe('ALARM');
    expect(evaluation.composites.find((c) => c.spec.id === 'monitor-page')).toMatchObject({ state: 'ALARM', firing: ['notify-webhook'] });
  });
});
