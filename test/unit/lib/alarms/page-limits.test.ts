/**
 * Pages every service accepts, whatever the size of the incident (lib/alarms/channel-payloads.ts,
 * the release notice in lib/runtime/release-verification.ts): a 60-node infrastructure incident
 * with long evidence, long URLs and many artifacts, and each limit exactly at and one over:
 * PagerDuty's 512 KB event, Slack's 12,000 characters of blocks, Teams' six buttons, a release
 * notice's 100 checks. Each test reads the page as a person would: what is cut says "… and N
 * more" with the right N, and a link is either on the page or counted.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelTarget } from '../../../../lib/alarms/channels.ts';
import { renderPayload } from '../../../../lib/alarms/channel-payloads.ts';
import { buildNotification, type Notification } from '../../../../lib/alarms/notification.ts';
import { classify } from '../../../../lib/core/classify.ts';
import { DEFAULT_OWNERS, parseConfig } from '../../../../lib/core/config.ts';
import type { ClassifiedResult, Evidence, ProbeKind } from '../../../../lib/core/result.ts';
import type { CanaryCheck, CanaryReport } from '../../../../lib/reports/canary.ts';
import { RELEASE_NOTICE_CHECKS, releaseNotification } from '../../../../lib/runtime/release-verification.ts';
import { rawConfig } from '../../../support/config.ts';
import { PAGERDUTY_CHANGE, PAGERDUTY_MAX_BYTES, PAGERDUTY_TRIGGER, SLACK_MAX_BLOCKS_TEXT, SLACK_MESSAGE, slackBlockTexts, TEAMS_MAX_BYTES, TEAMS_MESSAGE, validate } from '../../../support/vendor-formats.ts';

const AT = new Date('2026-12-01T02:05:00Z');
const TARGETS: Record<'pagerduty' | 'slack' | 'teams', ChannelTarget> = {
  pagerduty: { name: 'pagerduty', type: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue', routingKey: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00' },
  slack: { name: 'slack', type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x' },
  teams: { name: 'teams', type: 'teams', url: 'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke' },
};

type Pd = { links?: { href: string; text: string }[]; payload: { summary: string; custom_details: Record<string, any> } };
type Slack = { text: string; blocks: Record<string, any>[] };
type Card = { body: { type: string; text?: string }[]; actions?: { title: string; url: string }[] };

const bytes = (payload: unknown) => Buffer.byteLength(JSON.stringify(payload));
const chars = (message: Slack) => slackBlockTexts(message).reduce((sum, t) => sum + t.length, 0);
const cardOf = (message: unknown) => (message as { attachments: { content: Card }[] }).attachments[0]!.content;
/** The N of every "… and N more" line in `texts` (with the noun, if any, that follows). */
const mores = (texts: readonly string[]) => texts.flatMap((t) => [...t.matchAll(/… and (\d+) more( links)?/g)].map((m) => ({ n: Number(m[1]), links: !!m[2] })));

function result(probe: string, kind: ProbeKind, evidence: Evidence[], summary: string, artifacts: string[] = []): ClassifiedResult {
  return classify({ probe, kind, target: probe, ok: false, startedAt: AT.toISOString(), durationMs: 120, attempts: 2, steps: [], evidence, error: summary, observations: {}, artifacts }, DEFAULT_OWNERS);
}

/** A presigned download as the notifier signs one with a Lambda role's credentials: about 1,900 characters. */
const presigned = (key: string) =>
  `https://flp-artifacts.s3.eu-north-1.amazonaws.com/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA${'X'.repeat(16)}%2F20261201%2Feu-north-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T020500Z&X-Amz-Expires=86400&X-Amz-Security-Token=${'IQoJb3JpZ2luX2VjE'.repeat(90)}&X-Amz-Signature=${'a1'.repeat(32)}&X-Amz-SignedHeaders=host`;

/**
 * The database down behind all 60 nodes: each node's evidence a long line, three artifacts each
 * (the s3:// URI, the S3 console, a presigned download), every node's journey held back as an
 * application symptom, and a runbook of many members' advice.
 */
function sixtyNodeIncident(): Notification {
  const nodes = Array.from({ length: 60 }, (_, i) => `flp-${i + 1}`);
  const results = [
    ...nodes.map((node) =>
      result(
        `node:${node}`,
        'node',
        [{ type: 'database-down', url: `https://${node}/health`, node }],
        `${node} database down: ${'connection to db-primary.flp.internal:5432 refused; pool exhausted after 30 s; '.repeat(20)}`,
        ['screenshot.png', 'trace.zip', 'response.txt'].map((f) => `s3://flp-artifacts/prod/2026-12-01T02-05/node-${node}/${f}`),
      ),
    ),
    ...nodes.map((node) => result(`journey:${node}`, 'journey', [{ type: 'http-status', url: `http://${node}/api/patients/overview`, status: 503, origin: 'app' }], `overview failed: answered 503 ${'<html>Service Unavailable</html> '.repeat(40)}`)),
  ];
  return buildNotification({
    environment: 'prod',
    change: { alarmId: 'infrastructure-page', class: 'infrastructure', owner: DEFAULT_OWNERS.infrastructure, severity: 'page', state: 'ALARM', at: AT, runbook: 'Check first: the database on every node. '.repeat(60) },
    results,
    links: [{ label: 'Dashboard', url: 'https://eu-north-1.console.aws.amazon.com/cloudwatch/home?region=eu-north-1#dashboards/dashboard/flp-prod' }],
    artifactLink: (a) => {
      const key = a.replace('s3://flp-artifacts/', '');
      const file = a.split('/').pop()!;
      return [
        { label: file, url: a },
        { label: `${file} (S3 console)`, url: `https://eu-north-1.console.aws.amazon.com/s3/object/flp-artifacts?region=eu-north-1&bucketType=general&prefix=${encodeURIComponent(key)}` },
        { label: `${file} (download, 24 h)`, url: presigned(key) },
      ];
    },
  });
}

/** A notification written out, for the limits where every character counts. */
function page(extra: Partial<Notification>): Notification {
  return {
    key: 'flp-prod-infrastructure',
    kind: 'trigger',
    severity: 'page',
    class: 'infrastructure',
    owner: 'PLSP',
    environment: 'prod',
    subject: '[FLP prod] infrastructure · PLSP · database down',
    cause: 'database down',
    at: AT.toISOString(),
    evidence: ['node:flp-1: database down'],
    symptoms: [],
    links: [],
    text: 'database down',
    ...extra,
  };
}

const webLinks = (n: Notification) => n.links.filter((l) => l.url.startsWith('https://'));

describe('a 60-node incident with long evidence, long URLs and many artifacts', () => {
  const n = sixtyNodeIncident();

  it('is the incident the limits are measured against: 60 evidence lines, 60 symptoms, 541 links', () => {
    expect(n.evidence).toHaveLength(60);
    expect(n.evidence.every((l) => l.length > 1500)).toBe(true);
    expect(n.symptoms.map((s) => [s.class, s.lines.length])).toEqual([['application', 60]]);
    expect(n.links).toHaveLength(1 + 60 * 3 * 3);
    expect(webLinks(n)).toHaveLength(1 + 60 * 3 * 2);
  });

  it('PagerDuty: the event is under 512 KB and valid, every list capped like the evidence and counting what it left out', () => {
    const event = renderPayload(TARGETS.pagerduty, n) as Pd;
    expect(validate(PAGERDUTY_TRIGGER, event)).toEqual([]);
    expect(bytes(event)).toBeLessThan(PAGERDUTY_MAX_BYTES);
    const details = event.payload.custom_details;
    expect(event.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(event.payload.summary).toBe(n.subject);
    // Every node's evidence and every symptom is there, each line cut at 1,000 characters.
    expect(details['evidence']).toHaveLength(60);
    expect(details['evidence'][59]).toMatch(/^node:flp-60: flp-60 database down: /);
    expect(details['symptoms'].application).toHaveLength(60);
    for (const line of [...details['evidence'], ...details['symptoms'].application, ...details['artifacts']]) expect(line.length).toBeLessThanOrEqual(1000);
    // 180 s3:// URIs: the first hundred, and the rest counted.
    expect(details['artifacts']).toHaveLength(101);
    expect(details['artifacts'][0]).toBe('node:flp-1: screenshot.png: s3://flp-artifacts/prod/2026-12-01T02-05/node-flp-1/screenshot.png');
    expect(details['artifacts'][100]).toBe('… and 80 more');
    // 361 links PagerDuty can open: the first hundred as links, the rest counted.
    expect(event.links).toHaveLength(100);
    expect(event.links!.map((l) => l.href)).toEqual(webLinks(n).slice(0, 100).map((l) => l.url));
    expect(details['more_links']).toBe('… and 261 more links');
    expect(details['cause']).toBe(n.cause);
    expect(details['runbook']).toHaveLength(1000);
    expect(details['runbook']).toMatch(/^Check first: the database on every node\. .*…$/);
  });

  it('Slack: all blocks together within 12,000 characters, each section within 3,000 and at most 50 blocks, the rest said as "… and N more"', () => {
    const message = renderPayload(TARGETS.slack, n) as Slack;
    expect(validate(SLACK_MESSAGE, message)).toEqual([]);
    expect(chars(message)).toBeLessThanOrEqual(SLACK_MAX_BLOCKS_TEXT);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const t of slackBlockTexts(message)) expect(t.length).toBeLessThanOrEqual(3000);
    const texts = slackBlockTexts(message);
    const evidenceShown = texts.join('\n').match(/^• node:flp-\d+:/gm)!.length;
    const symptomsShown = texts.join('\n').match(/^journey:flp-\d+:/gm)!.length;
    const linksShown = texts.join('\n').match(/^(<https:|node:flp-\d+: \S+: s3:)/gm)!.length;
    expect(evidenceShown).toBeGreaterThan(0);
    expect(linksShown).toBeGreaterThan(0);
    // One count for each list, and what is shown plus what is counted is the whole list.
    expect(mores(texts)).toEqual([
      { n: 60 - evidenceShown, links: false },
      { n: 60 - symptomsShown, links: false },
      { n: 541 - linksShown, links: true },
    ]);
    // The what-broke summary and the runbook are whole: they are what a reader acts on.
    expect(texts[1]).toContain('*What broke:* database down on flp-1, flp-2, flp-3');
    expect(texts.at(-1)).toMatch(/^\*Runbook:\* Check first/);
  });

  it('Teams: the message within its size, six buttons, and the links past them listed or counted', () => {
    const message = renderPayload(TARGETS.teams, n);
    expect(validate(TEAMS_MESSAGE, message)).toEqual([]);
    expect(bytes(message)).toBeLessThanOrEqual(TEAMS_MAX_BYTES / 2);
    const card = cardOf(message);
    expect(card.actions!.map((a) => a.url)).toEqual(webLinks(n).slice(0, 6).map((l) => l.url));
    const list = card.body.find((b) => b.text?.startsWith('- ['))?.text ?? '';
    const listed = list ? list.split('\r').length : 0;
    const texts = card.body.map((b) => b.text ?? '');
    expect(mores(texts).filter((m) => m.links)).toEqual([{ n: 361 - 6 - listed, links: true }]);
    expect(texts).toContain('More links');
  });
});

describe('the limits, exactly at and one over', () => {
  it('PagerDuty: when a hundred lines of each list are still over 512 KB, fewer, each list counting the rest', () => {
    // Eight classes of symptoms of 200 long lines each, and 300 links of 2,500 characters: 3 MB at a hundred lines each.
    const classes = ['application', 'sync', 'release', 'launch', 'lps', 'monitor', 'network', 'tls'] as Notification['class'][];
    const n = page({
      evidence: Array.from({ length: 200 }, (_, i) => `node:flp-${i + 1}: ${'database down; '.repeat(100)}`),
      symptoms: classes.map((c) => ({ class: c, lines: Array.from({ length: 200 }, (_, i) => `${c}-${i}: ${'x'.repeat(1500)}`) })),
      links: Array.from({ length: 300 }, (_, i) => ({ label: `link ${i}`, url: `https://example.org/${i}?${'q'.repeat(2500)}` })),
    });
    const event = renderPayload(TARGETS.pagerduty, n) as Pd;
    expect(validate(PAGERDUTY_TRIGGER, event)).toEqual([]);
    expect(bytes(event)).toBeLessThanOrEqual(PAGERDUTY_MAX_BYTES);
    const details = event.payload.custom_details;
    const shown = event.links!.length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(100);
    expect(details['more_links']).toBe(`… and ${300 - shown} more links`);
    expect(details['evidence'].at(-1)).toBe(`… and ${200 - (details['evidence'].length - 1)} more`);
    for (const c of classes) expect(details['symptoms'][c].at(-1)).toBe(`… and ${200 - (details['symptoms'][c].length - 1)} more`);
  });

  /** A page whose Slack message holds `total` characters when nothing is cut: its last evidence line grows until it does. */
  function slackPageOf(total: number): { n: Notification; last: string } {
    const lines = Array.from({ length: 12 }, (_, i) => `node:flp-${i + 1}: ${'database down on the primary; '.repeat(30)}`);
    let last = 'node:flp-13: database down';
    for (let i = 0; i < 5; i++) {
      const message = renderPayload(TARGETS.slack, page({ evidence: [...lines, last] })) as Slack;
      const missing = total - chars(message);
      if (missing === 0 && mores(slackBlockTexts(message)).length === 0) return { n: page({ evidence: [...lines, last] }), last };
      last += 'x'.repeat(missing);
    }
    throw new Error(`no page of ${total} characters`);
  }

  it('Slack: a message of exactly 12,000 characters goes whole', () => {
    const { n, last } = slackPageOf(12_000);
    const message = renderPayload(TARGETS.slack, n) as Slack;
    expect(validate(SLACK_MESSAGE, message)).toEqual([]);
    expect(chars(message)).toBe(12_000);
    const text = slackBlockTexts(message).join('\n');
    expect(mores(slackBlockTexts(message))).toEqual([]);
    for (const line of n.evidence) expect(text).toContain(`• ${line}`);
    expect(text).toContain(last);
  });

  it('Slack: one character more, and the last evidence line gives way to "… and 1 more"', () => {
    const { n: atLimit, last } = slackPageOf(12_000);
    const n = { ...atLimit, evidence: [...atLimit.evidence.slice(0, -1), `${last}y`] };
    const message = renderPayload(TARGETS.slack, n) as Slack;
    expect(validate(SLACK_MESSAGE, message)).toEqual([]);
    expect(chars(message)).toBeLessThanOrEqual(12_000);
    const texts = slackBlockTexts(message);
    expect(mores(texts)).toEqual([{ n: 1, links: false }]);
    expect(texts.join('\n')).not.toContain(last);
    for (const line of n.evidence.slice(0, -1)) expect(texts.join('\n')).toContain(`• ${line}`);
  });

  const links = (count: number) => Array.from({ length: count }, (_, i) => ({ label: `node:flp-${i + 1}: trace.zip (S3 console)`, url: `https://eu-north-1.console.aws.amazon.com/s3/object/flp-artifacts?prefix=prod/node-flp-${i + 1}/trace.zip` }));

  it('Teams: six links are six buttons and nothing more', () => {
    const card = cardOf(renderPayload(TARGETS.teams, page({ links: links(6) })));
    expect(card.actions!.map((a) => a.url)).toEqual(links(6).map((l) => l.url));
    expect(card.body.map((b) => b.text)).not.toContain('More links');
  });

  it.each([7, 40])('Teams: %i links are six buttons and the rest a list of markdown links, every one of them on the card', (count) => {
    const message = renderPayload(TARGETS.teams, page({ links: links(count) }));
    expect(validate(TEAMS_MESSAGE, message)).toEqual([]);
    const card = cardOf(message);
    expect(card.actions).toHaveLength(6);
    expect(card.actions!.map((a) => a.url)).toEqual(links(count).slice(0, 6).map((l) => l.url));
    const heading = card.body.findIndex((b) => b.text === 'More links');
    expect(card.body[heading + 1]!.text).toBe(links(count).slice(6).map((l) => `- [${l.label}](${l.url})`).join('\r'));
    expect(mores(card.body.map((b) => b.text ?? ''))).toEqual([]);
  });

  it('Teams: a link with brackets and parentheses stays one link that opens', () => {
    const odd = { label: 'trace [flp-1]', url: 'https://example.org/a (1).zip' };
    const card = cardOf(renderPayload(TARGETS.teams, page({ links: [...links(6), odd] })));
    expect(card.body.map((b) => b.text)).toContain('- [trace (flp-1)](https://example.org/a%20%281%29.zip)');
  });

  it('Teams: 60 links are six buttons, fifty listed and "… and 4 more links"', () => {
    const card = cardOf(renderPayload(TARGETS.teams, page({ links: links(60) })));
    const heading = card.body.findIndex((b) => b.text === 'More links');
    expect(card.body[heading + 1]!.text!.split('\r')).toHaveLength(50);
    expect(card.body[heading + 2]!.text).toBe('… and 4 more links');
  });
});

describe('a release notice, cut at 100 checks', () => {
  const config = parseConfig(rawConfig());
  const check = (i: number, result: CanaryCheck['result']): CanaryCheck => ({ kind: 'probe', check: `probe journey:flp-${i}`, expected: 'pass', observed: result === 'pass' ? 'passed in 2/2 runs' : 'failed in 2/2 runs', result, class: result === 'pass' ? null : 'application', owner: result === 'pass' ? null : 'Trifork' });
  const report = (checks: CanaryCheck[]): CanaryReport => ({
    version: '2026.4.2',
    environment: 'test',
    startedAt: AT.toISOString(),
    durationMs: 60_000,
    plannedRuns: 2,
    interrupted: false,
    verdict: checks.every((c) => c.result === 'pass') ? { pass: true, summary: 'all passed', failing: null } : { pass: false, summary: 'journey failed', failing: { check: checks.find((c) => c.result === 'fail')!.check, class: 'application', owner: 'Trifork' } },
    checks,
    runs: [],
    baseline: { source: 'store', from: '2026-11-24T02:05:00.000Z', to: AT.toISOString(), days: 7, minSamples: 5, regressionRatio: 1.5, minIncreaseMs: 250, steps: [] },
  });
  const passing = (count: number) => report(Array.from({ length: count }, (_, i) => check(i + 1, 'pass')));

  it('lists exactly 100 checks whole', () => {
    expect(RELEASE_NOTICE_CHECKS).toBe(100);
    const n = releaseNotification(passing(100), config);
    expect(n.kind).toBe('notice');
    expect(n.evidence).toHaveLength(100);
    expect(n.evidence.at(-1)).toBe('probe journey:flp-100: passed in 2/2 runs');
    expect(n.text).not.toContain('… and');
    const event = renderPayload(TARGETS.pagerduty, n) as Pd;
    expect(validate(PAGERDUTY_CHANGE, event)).toEqual([]);
    expect(event.payload.custom_details['checks']).toEqual(n.evidence);
  });

  it('of 101 checks lists 100 and says "… and 1 more", in the text and on every channel', () => {
    const n = releaseNotification(passing(101), config);
    expect(n.evidence).toHaveLength(101);
    expect(n.evidence[99]).toBe('probe journey:flp-100: passed in 2/2 runs');
    expect(n.evidence[100]).toBe('… and 1 more');
    expect(n.text).toContain('  - probe journey:flp-100: passed in 2/2 runs\n  - … and 1 more');
    expect(n.text).not.toContain('flp-101');
    // PagerDuty's own cap is a hundred lines too: one count, the notice's, not a count of its count.
    const event = renderPayload(TARGETS.pagerduty, n) as Pd;
    expect(validate(PAGERDUTY_CHANGE, event)).toEqual([]);
    expect(event.payload.custom_details['checks']).toEqual(n.evidence);
    // Slack shows fewer: what it leaves out adds to the notice's one.
    const slack = renderPayload(TARGETS.slack, n) as Slack;
    expect(validate(SLACK_MESSAGE, slack)).toEqual([]);
    const shown = slackBlockTexts(slack).join('\n').match(/^• probe journey:flp-\d+:/gm)!.length;
    expect(mores(slackBlockTexts(slack))).toEqual([{ n: 101 - shown, links: false }]);
    const teams = cardOf(renderPayload(TARGETS.teams, n));
    const teamsShown = teams.body.filter((b) => b.text?.startsWith('probe journey:')).length;
    expect(mores(teams.body.map((b) => b.text ?? ''))).toEqual([{ n: 101 - teamsShown, links: false }]);
  });

  it('of a failed release of 150 failing and 150 passing checks lists 100 of each and counts 50 of each', () => {
    const n = releaseNotification(report([...Array.from({ length: 150 }, (_, i) => check(i + 1, 'fail')), ...Array.from({ length: 150 }, (_, i) => check(i + 151, 'pass'))]), config);
    expect(n.kind).toBe('trigger');
    expect(n.evidence).toHaveLength(101);
    expect(n.evidence[100]).toBe('… and 50 more');
    expect(n.text.match(/ {2}- … and 50 more/g)).toHaveLength(2);
    expect(validate(PAGERDUTY_TRIGGER, renderPayload(TARGETS.pagerduty, n))).toEqual([]);
  });
});
