/**
 * What each channel posts for a page (lib/alarms/channel-payloads.ts), checked against the
 * vendor's documented format (test/support/vendor-formats.ts): PagerDuty's severity and the
 * dedup_key a resolve closes the alert with, Slack's and Teams' limits kept when the evidence
 * runs long, the webhook document whole, and no key or webhook URL in any payload but the
 * routing key PagerDuty authenticates with.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelTarget } from '../../../../lib/alarms/channels.ts';
import { renderPayload } from '../../../../lib/alarms/channel-payloads.ts';
import { buildNotification, type AlarmChange, type Notification } from '../../../../lib/alarms/notification.ts';
import { classify } from '../../../../lib/core/classify.ts';
import { DEFAULT_OWNERS } from '../../../../lib/core/config.ts';
import type { ClassifiedResult, Evidence, ProbeKind } from '../../../../lib/core/result.ts';
import { FLP_WEBHOOK_DOCUMENT, PAGERDUTY_RESOLVE, PAGERDUTY_TRIGGER, SLACK_MESSAGE, TEAMS_MAX_BYTES, TEAMS_MESSAGE, validate } from '../../../support/vendor-formats.ts';

const AT = new Date('2026-12-01T02:05:00Z');
const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00';
const SLACK_SECRET = 'T0SLACKSECRET/B0SLACKSECRET/xoxSLACKSECRETPATH';
const TEAMS_SECRET = 'sig=TEAMSSECRETSIGNATURE';
const HOOK_SECRET = 'HOOKSECRETTOKEN';

const TARGETS: Record<ChannelTarget['type'], ChannelTarget> = {
  pagerduty: { name: 'pagerduty', type: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue', routingKey: ROUTING_KEY },
  slack: { name: 'slack', type: 'slack', url: `https://hooks.slack.com/services/${SLACK_SECRET}` },
  teams: { name: 'teams', type: 'teams', url: `https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&${TEAMS_SECRET}` },
  webhook: { name: 'webhook', type: 'webhook', url: `https://ops.example.org/hooks/${HOOK_SECRET}` },
};

const SCHEMAS = {
  pagerduty: { trigger: PAGERDUTY_TRIGGER, resolve: PAGERDUTY_RESOLVE },
  slack: { trigger: SLACK_MESSAGE, resolve: SLACK_MESSAGE },
  teams: { trigger: TEAMS_MESSAGE, resolve: TEAMS_MESSAGE },
  webhook: { trigger: FLP_WEBHOOK_DOCUMENT, resolve: FLP_WEBHOOK_DOCUMENT },
};

function result(probe: string, kind: ProbeKind, evidence: Evidence[], summary: string, artifacts: string[] = []): ClassifiedResult {
  return classify(
    { probe, kind, target: probe, ok: evidence.length === 0, startedAt: AT.toISOString(), durationMs: 120, attempts: 2, steps: [], evidence, error: evidence.length ? summary : null, observations: {}, artifacts },
    DEFAULT_OWNERS,
  );
}

const dbDown = (summaries: string[] = ['flp-1 database down', 'flp-2 database down']) => [
  ...summaries.map((s, i) =>
    result(`node:flp-${i + 1}`, 'node', [{ type: 'database-down', url: `https://flp-${i + 1}/health`, node: `flp-${i + 1}` }], s, i === 0 ? ['https://bucket.s3.eu-north-1.amazonaws.com/prod/trace.zip?X-Amz-Signature=abc&X-Amz-Expires=3600', 'artifacts/node-flp-1/response.txt'] : []),
  ),
  result('journey', 'journey', [{ type: 'http-status', url: 'http://lb/api/patients/overview', status: 503, origin: 'app' }], 'overview failed: answered 503 <html> & more'),
];

const change = (state: AlarmChange['state'], extra: Partial<AlarmChange> = {}): AlarmChange => ({
  alarmId: 'infrastructure-page',
  class: 'infrastructure',
  owner: DEFAULT_OWNERS.infrastructure,
  severity: 'page',
  state,
  at: AT,
  runbook: 'Check first: the database on every node.',
  ...extra,
});

const links = [{ label: 'dashboard', url: 'https://eu-north-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/flp-prod' }];
const trigger = (extra: Partial<AlarmChange> = {}, results = dbDown()): Notification =>
  buildNotification({ environment: 'prod', change: change('ALARM', extra), results, links, failing: new Map([['node:flp-1', { firstFailingAt: new Date('2026-12-01T02:01:00Z'), runs: 4 }]]) });
const resolve = (): Notification => buildNotification({ environment: 'prod', change: change('OK', { alarmSince: new Date('2026-12-01T01:50:00Z') }), results: dbDown(), links });

const slackTexts = (p: unknown): string[] => JSON.stringify(p).match(/"text":"(?:[^"\\]|\\.)*"/g) ?? [];

describe('the channel payloads', () => {
  it.each(Object.keys(TARGETS) as ChannelTarget['type'][])('%s: trigger and resolve are what the service documents', (type) => {
    expect(validate(SCHEMAS[type].trigger, renderPayload(TARGETS[type], trigger()))).toEqual([]);
    expect(validate(SCHEMAS[type].resolve, renderPayload(TARGETS[type], resolve()))).toEqual([]);
  });

  it('PagerDuty: a page is critical, a warning a warning; the resolve closes the alert the trigger opened, and says nothing else', () => {
    const page = renderPayload(TARGETS.pagerduty, trigger()) as Record<string, any>;
    const warning = renderPayload(TARGETS.pagerduty, trigger({ severity: 'warning' })) as Record<string, any>;
    const closed = renderPayload(TARGETS.pagerduty, resolve()) as Record<string, any>;
    expect(page.payload.severity).toBe('critical');
    expect(warning.payload.severity).toBe('warning');
    expect(page.dedup_key).toBe('flp-prod-infrastructure');
    expect(closed).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: page.dedup_key });
    expect(page.payload).toMatchObject({ summary: trigger().subject, source: 'flp-monitor prod', component: 'infrastructure', group: 'PLSP', class: 'infrastructure', timestamp: AT.toISOString() });
    expect(page.payload.custom_details).toMatchObject({ cause: 'database down on flp-1, flp-2', owner: 'PLSP', since: '2026-12-01 03:01 CET (2026-12-01 02:01 UTC), 4 failing runs', runbook: 'Check first: the database on every node.' });
    expect(page.payload.custom_details.symptoms.application[0]).toMatch(/^journey: overview failed/);
    // The dashboard is the client's page; a local artifact is no link PagerDuty could open.
    expect(page.client_url).toBe(links[0]!.url);
    expect(page.links.map((l: { text: string }) => l.text)).toEqual(['dashboard', 'node:flp-1: trace.zip?X-Amz-Signature=abc&X-Amz-Expires=3600']);
    expect(page.payload.custom_details.artifacts).toEqual(['node:flp-1: response.txt: artifacts/node-flp-1/response.txt']);
  });

  it('Slack: the subject heads the message and is its notification text, the cause and owner come first, and its control characters are escaped', () => {
    const n = trigger();
    const message = renderPayload(TARGETS.slack, n) as { text: string; blocks: any[] };
    expect(message.text).toBe(n.subject);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: n.subject } });
    expect(message.blocks[1].text.text).toBe('*What broke:* database down on flp-1, flp-2\n*Whose job:* PLSP (infrastructure)\n*Since:* 2026-12-01 03:01 CET (2026-12-01 02:01 UTC), 4 failing runs');
    const all = slackTexts(message).join('\n');
    expect(all).toContain('answered 503 &lt;html&gt; &amp; more');
    expect(all).not.toContain('<html>');
    expect(all).toContain(`<${links[0]!.url}|dashboard>`);
    expect(all).toContain('X-Amz-Signature=abc&amp;X-Amz-Expires=3600');
  });

  it('Slack and Teams: a resolve says it is resolved and how long it lasted', () => {
    const n = resolve();
    const slack = renderPayload(TARGETS.slack, n) as { text: string; blocks: any[] };
    expect(slack.blocks[0].text.text).toBe('[FLP prod] resolved: infrastructure · PLSP · lasted 15 min 0 s');
    expect(slack.blocks[1].text.text).toMatch(/^Resolved at 2026-12-01T02:05:00.000Z after 15 min 0 s\. Was: /);
    const teams = renderPayload(TARGETS.teams, n) as any;
    const texts = teams.attachments[0].content.body.filter((b: any) => b.type === 'TextBlock').map((b: any) => b.text);
    expect(texts[0]).toBe('[FLP prod] resolved: infrastructure · PLSP · lasted 15 min 0 s');
    expect(texts[1]).toMatch(/^Resolved at .* after 15 min 0 s/);
  });

  it('Teams: the card names the subject in bold, the cause, who owns it since when, and opens the links', () => {
    const card = (renderPayload(TARGETS.teams, trigger()) as any).attachments[0].content;
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: trigger().subject, weight: 'bolder', wrap: true });
    expect(card.body[1]).toMatchObject({ type: 'TextBlock', text: 'database down on flp-1, flp-2' });
    expect(card.body[2]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Owner', value: 'PLSP' },
        { title: 'Class', value: 'infrastructure' },
        { title: 'Since', value: '2026-12-01 03:01 CET (2026-12-01 02:01 UTC), 4 failing runs' },
        { title: 'Environment', value: 'prod' },
      ],
    });
    expect(card.actions.map((a: any) => [a.type, a.title])).toEqual([
      ['Action.OpenUrl', 'dashboard'],
      ['Action.OpenUrl', 'node:flp-1: trace.zip?X-Amz-Signature=abc&X-Amz-Expires=3600'],
    ]);
  });

  it('cuts 200 long evidence lines to what Slack and Teams take, keeping the first and saying how many were left out', () => {
    // Every other line is all control characters, so cuts fall among Slack's entities too.
    const lines = Array.from({ length: 200 }, (_, i) => (i % 2 ? `flp-${i} ${'&<>'.repeat(700)}` : `flp-${i} database down ${'x'.repeat(2000)}`));
    const n = trigger({}, dbDown(lines));
    expect(n.evidence).toHaveLength(200);
    const slack = renderPayload(TARGETS.slack, n) as { blocks: any[] };
    expect(validate(SLACK_MESSAGE, slack)).toEqual([]);
    const slackText = slackTexts(slack).join('\n');
    expect(slackText).toContain('node:flp-1: flp-0 database down xxx');
    expect(slackText).toMatch(/… and \d+ more/);
    expect(slackText).toContain('&amp;&lt;&gt;');
    expect(slackText.replace(/&(amp|lt|gt);/g, '')).not.toContain('&'); // never half an entity
    const teams = renderPayload(TARGETS.teams, n);
    expect(validate(TEAMS_MESSAGE, teams)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(teams))).toBeLessThanOrEqual(TEAMS_MAX_BYTES / 2);
    const teamsText = JSON.stringify(teams);
    expect(teamsText).toContain('node:flp-1: flp-0 database down xxx');
    expect(teamsText).toMatch(/… and \d+ more/);
    const pd = renderPayload(TARGETS.pagerduty, n) as any;
    expect(validate(PAGERDUTY_TRIGGER, pd)).toEqual([]);
    expect(pd.payload.custom_details.evidence.at(-1)).toBe('… and 100 more');
  });

  it('holds no key and no webhook URL, except the routing key PagerDuty authenticates with', () => {
    for (const n of [trigger(), resolve()]) {
      for (const target of Object.values(TARGETS)) {
        const payload = renderPayload(target, n) as Record<string, unknown>;
        const { routing_key, ...rest } = payload;
        expect(routing_key).toBe(target.type === 'pagerduty' ? ROUTING_KEY : undefined);
        const text = JSON.stringify(rest);
        for (const secret of [ROUTING_KEY, SLACK_SECRET, TEAMS_SECRET, HOOK_SECRET, 'hooks.slack.com', 'logic.azure.com', 'ops.example.org']) expect(text, `${target.type} ${n.kind}`).not.toContain(secret);
      }
    }
  });

  it('webhook: the notification itself, text included, with its type and version', () => {
    const n = trigger();
    expect(renderPayload(TARGETS.webhook, n)).toEqual({ type: 'flp-monitor.notification', version: 1, ...n });
    expect((renderPayload(TARGETS.webhook, n) as Notification).text).toContain('What broke: database down on flp-1, flp-2');
  });

  it('refuses a PagerDuty channel without a routing key rather than post an event PagerDuty would refuse', () => {
    const keyless: ChannelTarget = { name: 'pd-ops', type: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue' };
    expect(() => renderPayload(keyless, trigger())).toThrow('channel pd-ops: no routingKey');
  });

  it('the vendor schemas catch a wrong field name and an over-long text', () => {
    const pd = renderPayload(TARGETS.pagerduty, trigger()) as any;
    expect(validate(PAGERDUTY_TRIGGER, { ...pd, payload: { ...pd.payload, sumary: 'x' } })).toEqual(['/payload must NOT have additional properties: sumary']);
    const slack = renderPayload(TARGETS.slack, trigger()) as any;
    const longHeader = { ...slack, blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }, ...slack.blocks.slice(1)] };
    expect(validate(SLACK_MESSAGE, longHeader)).toEqual(['/blocks/0/text/text must NOT have more than 150 characters']);
    const teams = renderPayload(TARGETS.teams, trigger()) as any;
    teams.attachments[0].content.version = '1.5';
    expect(validate(TEAMS_MESSAGE, teams)).toEqual(['/attachments/0/content/version must be equal to one of the allowed values']);
  });
});
