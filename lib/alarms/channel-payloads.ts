/**
 * What each channel type posts for one notification, in the format its service documents:
 * PagerDuty's Events API v2 event, a Slack incoming-webhook message in Block Kit, a Teams
 * Workflows webhook message carrying an Adaptive Card, and for `webhook` the notification itself
 * as one JSON document. Every payload says only what the notification says (already CPR-masked),
 * within each service's limits, whatever the size of the incident: every list is cut one way
 * (notification.ts's `capLines`), with a line saying how much was left out, and the whole kept
 * within the service's size (PagerDuty's 512 KB event, Slack's 12,000 characters of blocks,
 * Teams' 28 KB message), rather than have the service refuse the page. No payload carries a
 * key or a webhook URL, except PagerDuty's `routing_key`, which is how that API authenticates.
 */
import type { ChannelType } from '../core/config.ts';
import { capLines, clip, countedLines, moreWords, type Notification } from './notification.ts';

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

/**
 * The Events API's limits: `payload.summary` and `dedup_key`, and the whole event, which it
 * refuses over 512 KB (read as 512,000 bytes of the JSON as sent, the smaller reading).
 */
const PAGERDUTY = { summary: 1024, dedupKey: 255, bytes: 512_000 } as const;

/** Lines a list of the event carries at most (evidence, each class of symptoms, artifacts, links): the alert stays readable and small. */
const PAGERDUTY_LINES_MAX = 100;
/** A line of the event (and the cause, the runbook) is cut here. */
const PAGERDUTY_LINE_MAX = 1000;

/**
 * A trigger opens (or adds to) the alert under `dedup_key`; a resolve closes it and needs
 * nothing more. Fewer lines of each list until the event is within the API's size.
 */
function pagerDutyEvent(n: Notification, routingKey: string): unknown {
  if (n.kind === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: clip(n.key, PAGERDUTY.dedupKey) };
  return fewerLinesUntil(PAGERDUTY.bytes, PAGERDUTY_LINES_MAX, (lines) => pagerDutyAlert(n, routingKey, lines));
}

/** The trigger, or a notice's change event, carrying at most `maxLines` lines of each list. */
function pagerDutyAlert(n: Notification, routingKey: string, maxLines: number): unknown {
  const lines = (list: readonly string[]) => capLines(list, maxLines, PAGERDUTY_LINE_MAX);
  const { web, other } = splitLinks(n.links);
  const shownWeb = web.slice(0, maxLines);
  const links = shownWeb.length ? { links: shownWeb.map((l) => ({ href: l.url, text: l.label })) } : {};
  // PagerDuty opens a link only from `links`: those left out are counted where the reader looks next.
  const moreLinks = web.length > shownWeb.length ? { more_links: moreWords(web.length - shownWeb.length, 'links') } : {};
  const cause = clip(n.cause, PAGERDUTY_LINE_MAX);
  // A notice is a change event (POST /v2/change/enqueue): it shows on the service's timeline and opens no incident.
  // https://developer.pagerduty.com/docs/events-api-v2/send-change-events/
  if (n.kind === 'notice')
    return {
      routing_key: routingKey,
      payload: { summary: clip(n.subject, PAGERDUTY.summary), timestamp: n.at, source: `flp-monitor ${n.environment}`, custom_details: { cause, owner: n.owner, class: n.class, checks: lines(n.evidence), ...moreLinks } },
      ...links,
    };
  const dashboard = web.find((l) => l.label.toLowerCase() === 'dashboard');
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: clip(n.key, PAGERDUTY.dedupKey),
    payload: {
      summary: clip(n.subject, PAGERDUTY.summary),
      source: `flp-monitor ${n.environment}`,
      severity: n.severity === 'page' ? 'critical' : 'warning',
      timestamp: n.at,
      component: n.class,
      group: n.owner,
      class: n.class,
      custom_details: {
        cause,
        owner: n.owner,
        class: n.class,
        ...(n.since ? { since: sinceWords(n.since) } : {}),
        evidence: lines(n.evidence),
        ...(n.symptoms.length ? { symptoms: Object.fromEntries(n.symptoms.map((s) => [s.class, lines(s.lines)])) } : {}),
        ...(other.length ? { artifacts: lines(other.map((l) => `${l.label}: ${l.url}`)) } : {}),
        ...moreLinks,
        ...(n.runbook ? { runbook: clip(n.runbook, PAGERDUTY_LINE_MAX) } : {}),
      },
    },
    ...links,
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

/**
 * Block Kit's limits, and `total`: all blocks' text together, about where Slack answers
 * `msg_blocks_too_long` (not in its reference; its users measured about 13,200 characters,
 * less with other block types mixed in: github.com/slackapi/bolt-js/issues/2509).
 */
const SLACK = { blocks: 50, header: 150, text: 3000, contextElements: 10, total: 12_000 } as const;
/** A line of evidence, symptoms or links is cut here, so one long line does not crowd out the rest. */
const SLACK_LINE_MAX = 1000;
/** The longest link line: what a section holds, less room for its heading and the "more" line. */
const SLACK_LINK_MAX = 2900;
/** Sections of evidence, and of links, at most; with the rest this stays far below {@link SLACK.blocks}. */
const SLACK_SECTIONS_MAX = 10;

function slackMessage(n: Notification): unknown {
  const header = { type: 'header', text: { type: 'plain_text', text: clip(n.subject, SLACK.header) } };
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  if (n.kind === 'resolve') return { text: slackFit(n.subject, SLACK.text), blocks: [header, section(slackFit(resolvedWords(n), SLACK.text))] };
  const summary = [`*What broke:* ${slackEscape(n.cause)}`, `*Whose job:* ${slackEscape(n.owner)} (${slackEscape(n.class)})`];
  if (n.since) summary.push(`*Since:* ${slackEscape(sinceWords(n.since))}`);
  const summaryText = slackFit(summary.join('\n'), SLACK.text, true);
  const runbookText = n.runbook ? slackFit(`*Runbook:* ${slackEscape(n.runbook)}`, SLACK.text, true) : '';

  // Evidence, symptoms and links share what the header, the summary and the runbook leave of
  // the message's total: each gets what it needs, or an equal share of what the smaller leave.
  const { lines: evidenceLines, left: evidenceLeft } = countedLines(n.evidence);
  const evidence = (budget: number) =>
    pack(['*Evidence*', ...(n.evidence.length ? evidenceLines.map((l) => `• ${slackFit(l, SLACK_LINE_MAX)}`) : ['(none in the latest runs)'])], SLACK.text, SLACK_SECTIONS_MAX, (k) => moreWords(k), budget, evidenceLeft);
  const shownClasses = n.symptoms.slice(0, SLACK.contextElements);
  const symptomLines = shownClasses.map((s, i) => {
    const more = i === shownClasses.length - 1 && n.symptoms.length > shownClasses.length ? ` (and ${n.symptoms.length - shownClasses.length} more classes)` : '';
    return [`*Held back as symptoms, ${slackEscape(s.class)}${more}:*`, ...s.lines.map((l) => slackFit(l, SLACK_LINE_MAX))];
  });
  const symptoms = (budget: number) => {
    const perClass = share(symptomLines.map((lines) => length(pack(lines, SLACK.text, 1, (k) => moreWords(k)))), budget);
    return symptomLines.map((lines, i) => pack(lines, SLACK.text, 1, (k) => moreWords(k), perClass[i]!)[0]!);
  };
  const { web, other } = splitLinks(n.links);
  const linkLines = [
    ...web.map((l) => {
      // A presigned artifact URL runs to a couple of thousand characters: it gets a section to itself.
      const link = `<${slackEscape(l.url)}|${slackFit(l.label.replace(/\|/g, '/'), 200)}>`;
      return link.length <= SLACK_LINK_MAX ? link : `${slackFit(l.label, 200)} (its URL is too long for Slack)`;
    }),
    ...other.map((l) => slackFit(`${l.label}: ${l.url}`, SLACK_LINE_MAX)),
  ];
  const links = (budget: number) => (linkLines.length ? pack(['*Links*', ...linkLines], SLACK.text, SLACK_SECTIONS_MAX, (k) => moreWords(k, 'links'), budget) : []);

  const fixed = header.text.text.length + summaryText.length + runbookText.length;
  const [evidenceBudget, symptomsBudget, linksBudget] = share([length(evidence(Infinity)), length(symptoms(Infinity)), length(links(Infinity))], SLACK.total - fixed);
  const blocks: unknown[] = [header, section(summaryText), ...evidence(evidenceBudget!).map(section)];
  if (shownClasses.length) blocks.push({ type: 'context', elements: symptoms(symptomsBudget!).map((text) => ({ type: 'mrkdwn', text })) });
  blocks.push(...links(linksBudget!).map(section));
  if (runbookText) blocks.push(section(runbookText));
  return { text: slackFit(n.subject, SLACK.text), blocks: blocks.slice(0, SLACK.blocks) };
}

/** Characters of text in all of `texts`. */
function length(texts: readonly string[]): number {
  return texts.reduce((sum, t) => sum + t.length, 0);
}

/** `total` shared among parts that need `needs`: each gets what it needs, or an equal share of what the parts needing less leave, whichever is less. */
function share(needs: readonly number[], total: number): number[] {
  const out = needs.map(() => 0);
  const order = needs.map((_, i) => i).sort((a, b) => needs[a]! - needs[b]!);
  let left = total;
  for (const [k, i] of order.entries()) {
    out[i] = Math.min(needs[i]!, Math.floor(left / (order.length - k)));
    left -= out[i]!;
  }
  return out;
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
/** Lines of evidence, and of symptoms, a card shows at most. */
const TEAMS_LINES_MAX = 20;
/** Links a card lists past its buttons at most: a link is worth more lines than evidence is, and holds fewer characters. */
const TEAMS_LINKS_LISTED = 50;

function teamsMessage(n: Notification): unknown {
  // Fewer lines until the message fits; with none left it still says what broke.
  return fewerLinesUntil(TEAMS.bytes, TEAMS_LINKS_LISTED, (lines) => teamsWrap(teamsCard(n, Math.min(lines, TEAMS_LINES_MAX), lines)));
}

function teamsWrap(card: unknown): unknown {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

/**
 * The card, showing at most `maxLines` lines of evidence and of symptoms each, and at most
 * `maxLinks` of the links past the buttons: a card shows {@link TEAMS.actions} buttons, so the
 * rest are a list of markdown links in the body.
 */
function teamsCard(n: Notification, maxLines: number, maxLinks: number): unknown {
  const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: clip(t, TEAMS_LINE_MAX), wrap: true, ...extra });
  const shown = (lines: readonly string[]) => capLines(lines, maxLines);
  const { web, other } = splitLinks(n.links);
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
    if (other.length) body.push(...shown(other.map((l) => `${l.label}: ${l.url}`)).map((l) => text(l, { spacing: 'none', isSubtle: true })));
    if (n.runbook) body.push(text(`Runbook: ${n.runbook}`, { spacing: 'medium' }));
  }
  const beyond = web.slice(TEAMS.actions);
  if (beyond.length) {
    const listed = beyond.slice(0, maxLinks);
    body.push(text('More links', { weight: 'bolder', spacing: 'medium' }));
    // Not cut as the other text blocks are: a link cut short opens nothing. Lines of a list end in \r, as the card format's own example has it.
    if (listed.length) body.push({ type: 'TextBlock', text: listed.map((l) => `- ${markdownLink(l)}`).join('\r'), wrap: true, spacing: 'none' });
    if (beyond.length > listed.length) body.push(text(moreWords(beyond.length - listed.length, 'links'), { spacing: 'none', isSubtle: true }));
  }
  const actions = web.slice(0, TEAMS.actions).map((l) => ({ type: 'Action.OpenUrl', title: clip(l.label, 100), url: l.url }));
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: TEAMS.version,
    body,
    ...(actions.length ? { actions } : {}),
  };
}

/** `[label](url)`, the card's markdown link: brackets in the label and parentheses and spaces in the URL would end it early. */
function markdownLink(l: { label: string; url: string }): string {
  const label = clip(l.label, 100).replace(/\[/g, '(').replace(/\]/g, ')');
  return `[${label}](${l.url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20')})`;
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

/**
 * The payload `build` makes with the most lines, from `start` and halving, whose JSON is at most
 * `maxBytes` bytes of UTF-8 (as it is posted); with no lines left, the payload that shows none.
 */
function fewerLinesUntil(maxBytes: number, start: number, build: (maxLines: number) => unknown): unknown {
  for (let lines = start; ; lines = Math.floor(lines / 2)) {
    const payload = build(lines);
    if (lines === 0 || Buffer.byteLength(JSON.stringify(payload)) <= maxBytes) return payload;
  }
}

/** Room kept for the "more" line and the newline before it: `more(count)` is under 40 characters. */
const MORE_RESERVE = 41;

/**
 * Lines joined into at most `maxChunks` texts of at most `max` characters each, all of them
 * together at most `budget` characters (at least {@link MORE_RESERVE}); what does not fit, and
 * the `left` lines the list had already left out, is said by `more(count)` at the end of the
 * last. Lines that fit whole are never cut for the "more" line's room. Each line must be at most
 * `max - MORE_RESERVE` characters.
 */
function pack(lines: readonly string[], max: number, maxChunks: number, more: (count: number) => string, budget = Infinity, left = 0): string[] {
  if (budget !== Infinity) {
    const whole = pack(lines, max, maxChunks, more, Infinity, left);
    if (length(whole) <= budget) return whole;
  }
  const out: string[] = [];
  let used = 0;
  let current = '';
  const done = (count: number) => {
    const words = more(count);
    if (!current) out.push(words);
    else if (current.length + 1 + words.length <= max) out.push(`${current}\n${words}`);
    else out.push(current, words); // only before the last chunk, which keeps the room
    return out;
  };
  for (const [i, line] of lines.entries()) {
    // Room for the "more" line while anything follows this line: within the budget always, within a chunk in the last.
    const reserve = i < lines.length - 1 || left > 0 ? MORE_RESERVE : 0;
    const inChunk = (chunk: number) => (chunk === maxChunks - 1 ? reserve : 0);
    const next = current ? `${current}\n${line}` : line;
    if (next.length + inChunk(out.length) <= max && used + next.length + reserve <= budget) {
      current = next;
      continue;
    }
    if (current && out.length < maxChunks - 1 && line.length + inChunk(out.length + 1) <= max && used + current.length + line.length + reserve <= budget) {
      out.push(current);
      used += current.length;
      current = line;
      continue;
    }
    return done(lines.length - i + left);
  }
  if (left) return done(left);
  if (current) out.push(current);
  return out;
}
