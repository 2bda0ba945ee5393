/**
 * What each channel type posts for one notification, in the format its service documents:
 * PagerDuty's Events API v2 event, a Slack incoming-webhook message in Block Kit, a Teams
 * Workflows webhook message carrying an Adaptive Card, and for `webhook` the notification itself
 * as one JSON document. Every payload says only what the notification says (already CPR-masked),
 * within each service's documented limits: long evidence is cut, with a line saying how much
 * was left out, rather than have the service refuse the whole message. No payload carries a
 * key or a webhook URL, except PagerDuty's `routing_key`, which is how that API authenticates.
 */
import type { ChannelType } from '../core/config.ts';
import type { Notification } from './notification.ts';

/**
 * What a payload needs of its channel: channels.ts's `ChannelTarget` is one. Spelled out here
 * rather than imported, because channels.ts imports this file and the layer check counts a type
 * import as an import (no circle, not even of types).
 */
export interface PayloadTarget {
  name: string;
  type: ChannelType;
  /** PagerDuty's routing (integration) key. */
  routingKey?: string;
}

/** The payload `target` (a `ChannelTarget`) posts for `n`. Throws when a PagerDuty target has no routing key. */
export function renderPayload(target: PayloadTarget, n: Notification): unknown {
  switch (target.type) {
    case 'pagerduty':
      if (!target.routingKey) throw new Error(`channel ${target.name}: no routingKey`);
      return pagerDutyEvent(n, target.routingKey);
    case 'slack':
      return slackMessage(n);
    case 'teams':
      return teamsMessage(n);
    case 'webhook':
      return webhookDocument(n);
  }
}

// ---------------------------------------------------------------------------------------------
// PagerDuty: Events API v2, POST /v2/enqueue.
// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and the API's OpenAPI
// document (github.com/PagerDuty/api-schema, reference/events-v2/openapiv3.json).

/** The Events API's limits: `payload.summary` and `dedup_key`. */
const PAGERDUTY = { summary: 1024, dedupKey: 255 } as const;

/** Evidence lines an event carries at most (each cut at 1000 characters): the alert stays readable and small. */
const PAGERDUTY_EVIDENCE_MAX = 100;

/** A trigger opens (or adds to) the alert under `dedup_key`; a resolve closes it and needs nothing more. */
function pagerDutyEvent(n: Notification, routingKey: string): unknown {
  const dedup_key = clip(n.key, PAGERDUTY.dedupKey);
  if (n.kind === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const { web, other } = splitLinks(n.links);
  // A notice is a change event (POST /v2/change/enqueue): it shows on the service's timeline and opens no incident.
  // https://developer.pagerduty.com/docs/events-api-v2/send-change-events/
  if (n.kind === 'notice')
    return {
      routing_key: routingKey,
      payload: { summary: clip(n.subject, PAGERDUTY.summary), timestamp: n.at, source: `flp-monitor ${n.environment}`, custom_details: { cause: n.cause, owner: n.owner, class: n.class, checks: n.evidence.slice(0, PAGERDUTY_EVIDENCE_MAX).map((l) => clip(l, 1000)) } },
      ...(web.length ? { links: web.map((l) => ({ href: l.url, text: l.label })) } : {}),
    };
  const dashboard = web.find((l) => l.label.toLowerCase() === 'dashboard');
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: clip(n.subject, PAGERDUTY.summary),
      source: `flp-monitor ${n.environment}`,
      severity: n.severity === 'page' ? 'critical' : 'warning',
      timestamp: n.at,
      component: n.class,
      group: n.owner,
      class: n.class,
      custom_details: {
        cause: n.cause,
        owner: n.owner,
        class: n.class,
        ...(n.since ? { since: sinceWords(n.since) } : {}),
        evidence: [...n.evidence.slice(0, PAGERDUTY_EVIDENCE_MAX).map((l) => clip(l, 1000)), ...(n.evidence.length > PAGERDUTY_EVIDENCE_MAX ? [`… and ${n.evidence.length - PAGERDUTY_EVIDENCE_MAX} more`] : [])],
        ...(n.symptoms.length ? { symptoms: Object.fromEntries(n.symptoms.map((s) => [s.class, s.lines])) } : {}),
        ...(other.length ? { artifacts: other.map((l) => `${l.label}: ${l.url}`) } : {}),
        ...(n.runbook ? { runbook: n.runbook } : {}),
      },
    },
    ...(web.length ? { links: web.map((l) => ({ href: l.url, text: l.label })) } : {}),
    client: 'flp-monitor',
    ...(dashboard ? { client_url: dashboard.url } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Slack: an incoming-webhook message, `text` (the notification's fallback) and Block Kit blocks.
// https://docs.slack.dev/reference/block-kit/blocks (≤ 50 blocks in a message),
// .../blocks/header-block (plain_text ≤ 150), .../blocks/section-block (text 1–3000),
// .../blocks/context-block (≤ 10 elements; a text object's text ≤ 3000), and
// https://api.slack.com/docs/message-formatting (escape &, <, > in text; links as <url|label>).

const SLACK = { blocks: 50, header: 150, text: 3000, contextElements: 10 } as const;
/** A line of evidence, symptoms or links is cut here, so one long line does not crowd out the rest. */
const SLACK_LINE_MAX = 1000;
/** The longest link line: what a section holds, less room for its heading and the "more" line. */
const SLACK_LINK_MAX = 2900;
/** Sections of evidence, and of links, at most; with the rest this stays far below {@link SLACK.blocks}. */
const SLACK_SECTIONS_MAX = 10;

function slackMessage(n: Notification): unknown {
  const header = { type: 'header', text: { type: 'plain_text', text: clip(n.subject, SLACK.header) } };
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const blocks: unknown[] = [header];
  if (n.kind === 'resolve') {
    blocks.push(section(slackFit(resolvedWords(n), SLACK.text)));
    return { text: slackFit(n.subject, SLACK.text), blocks };
  }
  const summary = [`*What broke:* ${slackEscape(n.cause)}`, `*Whose job:* ${slackEscape(n.owner)} (${slackEscape(n.class)})`];
  if (n.since) summary.push(`*Since:* ${slackEscape(sinceWords(n.since))}`);
  blocks.push(section(slackFit(summary.join('\n'), SLACK.text, true)));
  const evidence = n.evidence.map((l) => `• ${slackFit(l, SLACK_LINE_MAX)}`);
  for (const text of pack(['*Evidence*', ...(evidence.length ? evidence : ['(none in the latest runs)'])], SLACK.text, SLACK_SECTIONS_MAX, (k) => `… and ${k} more`)) blocks.push(section(text));
  if (n.symptoms.length) {
    const shown = n.symptoms.slice(0, SLACK.contextElements);
    const elements = shown.map((s, i) => {
      const more = i === shown.length - 1 && n.symptoms.length > shown.length ? ` (and ${n.symptoms.length - shown.length} more classes)` : '';
      const lines = pack(s.lines.map((l) => slackFit(l, SLACK_LINE_MAX)), SLACK.text - 200, 1, (k) => `… and ${k} more`)[0] ?? '';
      return { type: 'mrkdwn', text: `*Held back as symptoms, ${slackEscape(s.class)}${more}:*\n${lines}` };
    });
    blocks.push({ type: 'context', elements });
  }
  const { web, other } = splitLinks(n.links);
  const links = [
    ...web.map((l) => {
      // A presigned artifact URL runs to a couple of thousand characters: it gets a section to itself.
      const link = `<${slackEscape(l.url)}|${slackFit(l.label.replace(/\|/g, '/'), 200)}>`;
      return link.length <= SLACK_LINK_MAX ? link : `${slackFit(l.label, 200)} (its URL is too long for Slack)`;
    }),
    ...other.map((l) => slackFit(`${l.label}: ${l.url}`, SLACK_LINE_MAX)),
  ];
  if (links.length) for (const text of pack(['*Links*', ...links], SLACK.text, SLACK_SECTIONS_MAX, (k) => `… and ${k} more links`)) blocks.push(section(text));
  if (n.runbook) blocks.push(section(slackFit(`*Runbook:* ${slackEscape(n.runbook)}`, SLACK.text, true)));
  return { text: slackFit(n.subject, SLACK.text), blocks: blocks.slice(0, SLACK.blocks) };
}

/** Slack's three control characters as the entities it asks for. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text escaped for Slack and cut to `max` characters with "…", never inside an entity;
 * `escaped` when the text already is (mrkdwn built here).
 */
function slackFit(text: string, max: number, escaped = false): string {
  const out = escaped ? text : slackEscape(text);
  if (out.length <= max) return out;
  if (escaped) return `${out.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '')}…`;
  let fitted = '';
  for (const ch of text) {
    const next = slackEscape(ch);
    if (fitted.length + next.length > max - 1) break;
    fitted += next;
  }
  return `${fitted}…`;
}

// ---------------------------------------------------------------------------------------------
// Teams: a Workflows webhook ("When a Teams webhook request is received") message with one
// Adaptive Card. https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
// (the message and attachment wrapper; Workflows take Adaptive Cards only), the card schema
// (adaptivecards.io, github.com/microsoft/AdaptiveCards schemas/1.4.0/adaptive-card.json), and
// github.com/microsoft/AdaptiveCards/issues/8965: Workflows' "post card" renders version 1.4 at most.

const TEAMS = {
  version: '1.4',
  /** Open-URL buttons a card shows in Teams. */
  actions: 6,
  /**
   * Teams refuses a webhook message over 28 KB (HTTP 413), and counts the body as UTF-16 when the
   * request names no charset: half of that in UTF-8 bytes is safe either way.
   */
  bytes: 14_000,
} as const;
const TEAMS_LINE_MAX = 500;

function teamsMessage(n: Notification): unknown {
  // Fewer evidence lines until the message fits; with none left it still says what broke.
  for (let lines = 20; ; lines = Math.floor(lines / 2)) {
    const message = teamsWrap(teamsCard(n, lines));
    if (lines === 0 || Buffer.byteLength(JSON.stringify(message)) <= TEAMS.bytes) return message;
  }
}

function teamsWrap(card: unknown): unknown {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

/** The card, showing at most `maxLines` lines of evidence and of symptoms each. */
function teamsCard(n: Notification, maxLines: number): unknown {
  const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: clip(t, TEAMS_LINE_MAX), wrap: true, ...extra });
  const shown = (lines: readonly string[]) => [...lines.slice(0, maxLines), ...(lines.length > maxLines ? [`… and ${lines.length - maxLines} more`] : [])];
  const facts = [
    { title: 'Owner', value: n.owner },
    { title: 'Class', value: n.class },
    ...(n.since ? [{ title: 'Since', value: sinceWords(n.since) }] : []),
    { title: 'Environment', value: n.environment },
  ];
  const body: unknown[] = [text(n.subject, { weight: 'bolder', size: 'medium' })];
  if (n.kind === 'resolve') body.push(text(resolvedWords(n)), { type: 'FactSet', facts });
  else {
    body.push(text(n.cause), { type: 'FactSet', facts });
    body.push(text('Evidence', { weight: 'bolder', spacing: 'medium' }), ...shown(n.evidence.length ? n.evidence : ['(none in the latest runs)']).map((l) => text(l, { spacing: 'none' })));
    if (n.symptoms.length) {
      body.push(text('Held back as symptoms of it', { weight: 'bolder', spacing: 'medium' }));
      body.push(...shown(n.symptoms.flatMap((s) => s.lines.map((l) => `${s.class}: ${l}`))).map((l) => text(l, { spacing: 'none', isSubtle: true })));
    }
    const { other } = splitLinks(n.links);
    if (other.length) body.push(...shown(other.map((l) => `${l.label}: ${l.url}`)).map((l) => text(l, { spacing: 'none', isSubtle: true })));
    if (n.runbook) body.push(text(`Runbook: ${n.runbook}`, { spacing: 'medium' }));
  }
  const actions = splitLinks(n.links)
    .web.slice(0, TEAMS.actions)
    .map((l) => ({ type: 'Action.OpenUrl', title: clip(l.label, 100), url: l.url }));
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: TEAMS.version,
    body,
    ...(actions.length ? { actions } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// webhook: the notification itself, named and versioned, for whatever reads it.

/** The notification as one JSON document, every field (`text` included), with its type and version. */
function webhookDocument(n: Notification): unknown {
  return { type: 'flp-monitor.notification', version: 1, ...n };
}

// ---------------------------------------------------------------------------------------------

/** Links a service can open (http, https) apart from the rest (a local artifact's path). */
function splitLinks(links: Notification['links']): { web: Notification['links']; other: Notification['links'] } {
  const isWeb = (url: string) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);
  return { web: links.filter((l) => isWeb(l.url)), other: links.filter((l) => !isWeb(l.url)) };
}

function sinceWords(since: NonNullable<Notification['since']>): string {
  return `${since.copenhagen} (${since.utc}), ${since.runs} failing ${since.runs === 1 ? 'run' : 'runs'}`;
}

/** The resolve's own sentence ("Resolved at … after …. Was: …."), from the notification's text. */
function resolvedWords(n: Notification): string {
  return n.text.split('\n').find((l) => l.startsWith('Resolved at ')) ?? `Resolved at ${n.at}. Was: ${n.cause}.`;
}

/** `text` cut to `max` characters, ending in "…" when cut. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Lines joined into at most `maxChunks` texts of at most `max` characters each; what does not
 * fit is said by `more(count)` (under 40 characters) at the end of the last. Each line must be at
 * most `max - 40` characters.
 */
function pack(lines: readonly string[], max: number, maxChunks: number, more: (count: number) => string): string[] {
  const reserve = 40;
  const out: string[] = [];
  let current = '';
  for (const [i, line] of lines.entries()) {
    const last = out.length === maxChunks - 1;
    const next = current ? `${current}\n${line}` : line;
    if (next.length <= (last ? max - reserve : max)) {
      current = next;
      continue;
    }
    if (last) {
      out.push(current ? `${current}\n${more(lines.length - i)}` : more(lines.length - i));
      return out;
    }
    out.push(current);
    current = line;
  }
  if (current) out.push(current);
  return out;
}
