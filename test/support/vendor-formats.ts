/**
 * What each channel's service accepts, as JSON Schemas written from the vendor's own
 * documentation (each cites the page it follows), for the parts flp-monitor uses. They are
 * strict on purpose: an unknown field name is an error (`additionalProperties: false`), and a
 * text over its documented length is one, so a payload that passes here is one the service
 * would take. `validate` checks a value against one of them with Ajv.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const webUrl = (extra: Schema = {}): Schema => str({ format: 'uri', pattern: '^https?://', ...extra });
const object = (required: string[], properties: Record<string, Schema>): Schema => ({ type: 'object', additionalProperties: false, required, properties });

// ---------------------------------------------------------------------------------------------
// PagerDuty Events API v2, POST https://events.pagerduty.com/v2/enqueue.
// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and its OpenAPI document,
// https://github.com/PagerDuty/api-schema/blob/main/reference/events-v2/openapiv3.json:
// routing_key (the 32-character integration key; the API answers 400 "Length of 'routing_key'
// is incorrect (should be 32 characters)"), event_action trigger|acknowledge|resolve, dedup_key
// (at most 255 characters), payload { summary (at most 1024), source, severity
// critical|error|warning|info, timestamp, component, group, class, custom_details }, client,
// client_url, links [{ href, text }], images [{ src, href, alt }]. A resolve needs only
// routing_key, event_action and dedup_key. flp-monitor always sends a dedup_key, so a trigger
// here requires one.

const routingKey = str({ minLength: 32, maxLength: 32 });
const dedupKey = str({ minLength: 1, maxLength: 255 });

export const PAGERDUTY_TRIGGER: Schema = object(['routing_key', 'event_action', 'dedup_key', 'payload'], {
  routing_key: routingKey,
  event_action: { const: 'trigger' },
  dedup_key: dedupKey,
  payload: object(['summary', 'source', 'severity'], {
    summary: str({ minLength: 1, maxLength: 1024 }),
    source: str({ minLength: 1 }),
    severity: { enum: ['critical', 'error', 'warning', 'info'] },
    timestamp: str({ format: 'date-time' }),
    component: str(),
    group: str(),
    class: str(),
    custom_details: { type: 'object' },
  }),
  client: str(),
  client_url: webUrl(),
  links: { type: 'array', items: object(['href'], { href: webUrl(), text: str() }) },
  images: { type: 'array', items: object(['src'], { src: str({ format: 'uri', pattern: '^https://' }), href: webUrl(), alt: str() }) },
});

/**
 * A change event, POST https://events.pagerduty.com/v2/change/enqueue
 * (https://developer.pagerduty.com/docs/events-api-v2/send-change-events/): routing_key,
 * payload { summary (at most 1024), timestamp, source, custom_details }, links [{ href, text }].
 * flp-monitor sends a release notice as one.
 */
export const PAGERDUTY_CHANGE: Schema = object(['routing_key', 'payload'], {
  routing_key: routingKey,
  payload: object(['summary'], {
    summary: str({ minLength: 1, maxLength: 1024 }),
    timestamp: str({ format: 'date-time' }),
    source: str({ minLength: 1 }),
    custom_details: { type: 'object' },
  }),
  links: { type: 'array', items: object(['href'], { href: webUrl(), text: str() }) },
});

/**
 * The Events API refuses an event over 512 KB ("The maximum size of an event is 512 KB"): here
 * the smaller reading, 512,000 bytes of the JSON as posted.
 */
export const PAGERDUTY_MAX_BYTES = 512_000;

export const PAGERDUTY_RESOLVE: Schema = object(['routing_key', 'event_action', 'dedup_key'], {
  routing_key: routingKey,
  event_action: { const: 'resolve' },
  dedup_key: dedupKey,
});

// ---------------------------------------------------------------------------------------------
// Slack incoming webhook: { text, blocks }. `text` is the notification's fallback when blocks
// are present. https://docs.slack.dev/reference/block-kit/blocks ("up to 50 blocks in each
// message"); header https://docs.slack.dev/reference/block-kit/blocks/header-block (plain_text,
// at most 150); section https://docs.slack.dev/reference/block-kit/blocks/section-block (text 1
// to 3000, or at most 10 fields of at most 2000); context
// https://docs.slack.dev/reference/block-kit/blocks/context-block (1 to 10 elements); actions
// with buttons https://docs.slack.dev/reference/block-kit/block-elements/button-element (text
// plain_text at most 75, url at most 3000, at most 25 elements); text objects
// https://docs.slack.dev/reference/block-kit/composition-objects/text-object (at most 3000).

const blockId = str({ maxLength: 255 });
const plainText = (max: number): Schema => object(['type', 'text'], { type: { const: 'plain_text' }, text: str({ minLength: 1, maxLength: max }), emoji: { type: 'boolean' } });
const mrkdwn = (max: number): Schema => object(['type', 'text'], { type: { const: 'mrkdwn' }, text: str({ minLength: 1, maxLength: max }), verbatim: { type: 'boolean' } });
const textObject = (max: number): Schema => ({ anyOf: [plainText(max), mrkdwn(max)] });

const SLACK_BLOCKS: Record<string, Schema> = {
  header: object(['type', 'text'], { type: { const: 'header' }, text: plainText(150), block_id: blockId }),
  section: {
    ...object(['type'], {
      type: { const: 'section' },
      text: textObject(3000),
      fields: { type: 'array', minItems: 1, maxItems: 10, items: textObject(2000) },
      block_id: blockId,
      expand: { type: 'boolean' },
    }),
    anyOf: [
      { type: 'object', properties: { text: {} }, required: ['text'] },
      { type: 'object', properties: { fields: {} }, required: ['fields'] },
    ],
  },
  context: object(['type', 'elements'], { type: { const: 'context' }, elements: { type: 'array', minItems: 1, maxItems: 10, items: textObject(3000) }, block_id: blockId }),
  divider: object(['type'], { type: { const: 'divider' }, block_id: blockId }),
  actions: object(['type', 'elements'], {
    type: { const: 'actions' },
    elements: {
      type: 'array',
      minItems: 1,
      maxItems: 25,
      items: object(['type', 'text'], {
        type: { const: 'button' },
        text: plainText(75),
        url: webUrl({ maxLength: 3000 }),
        action_id: str({ maxLength: 255 }),
        value: str({ maxLength: 2000 }),
        style: { enum: ['primary', 'danger'] },
      }),
    },
    block_id: blockId,
  }),
};

/** One block: its `type` picks the schema it must meet. */
const slackBlock: Schema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: Object.keys(SLACK_BLOCKS) } },
  allOf: Object.entries(SLACK_BLOCKS).map(([type, schema]) => ({ if: { type: 'object', properties: { type: { const: type } } }, then: schema })),
};

export const SLACK_MESSAGE: Schema = object(['text', 'blocks'], {
  text: str({ minLength: 1 }),
  blocks: { type: 'array', minItems: 1, maxItems: 50, items: slackBlock },
});

/**
 * Slack answers `msg_blocks_too_long` to a message whose blocks hold a little over 12,000
 * characters of text together, each block within its own limit: not in Slack's reference, but
 * measured by its users (about 13,200 characters in https://github.com/slackapi/bolt-js/issues/2509,
 * less with other block types mixed in). 12,000 is the line flp-monitor keeps to.
 */
export const SLACK_MAX_BLOCKS_TEXT = 12_000;

/** Every text in a message's blocks (a header's, a section's and its fields', a context's elements', a button's), in order. */
export function slackBlockTexts(message: { blocks: readonly Record<string, any>[] }): string[] {
  return message.blocks.flatMap((b) => [b['text']?.text, ...(b['fields'] ?? []).map((f: { text: string }) => f.text), ...(b['elements'] ?? []).map((e: { text: string | { text: string } }) => (typeof e.text === 'string' ? e.text : e.text?.text))].filter((t): t is string => typeof t === 'string'));
}

// ---------------------------------------------------------------------------------------------
// Teams Workflows webhook ("When a Teams webhook request is received", then "Post card in a chat
// or channel"): { type: "message", attachments: [{ contentType:
// "application/vnd.microsoft.card.adaptive", contentUrl: null, content: <card> }] }, from
// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
// ("Send Adaptive Cards using an Incoming Webhook"; Workflows take Adaptive Cards only). The card
// follows https://github.com/microsoft/AdaptiveCards/blob/main/schemas/1.4.0/adaptive-card.json
// (TextBlock, FactSet and Fact, Action.OpenUrl, the FontWeight/FontSize/Spacing enums), and no
// version above 1.4, the highest a Workflows card renders
// (https://github.com/microsoft/AdaptiveCards/issues/8965).

const caseless = (values: string[]): Schema => ({ enum: values.flatMap((v) => [v, v[0]!.toUpperCase() + v.slice(1)]) });

const spacing = caseless(['default', 'none', 'small', 'medium', 'large', 'extraLarge', 'padding']);

const textBlock = object(['type', 'text'], {
  type: { const: 'TextBlock' },
  text: str({ minLength: 1 }),
  weight: caseless(['default', 'lighter', 'bolder']),
  size: caseless(['default', 'small', 'medium', 'large', 'extraLarge']),
  color: caseless(['default', 'dark', 'light', 'accent', 'good', 'warning', 'attention']),
  spacing,
  wrap: { type: 'boolean' },
  isSubtle: { type: 'boolean' },
  maxLines: { type: 'integer', minimum: 1 },
  separator: { type: 'boolean' },
  id: str(),
});

const factSet = object(['type', 'facts'], {
  type: { const: 'FactSet' },
  facts: { type: 'array', minItems: 1, items: object(['title', 'value'], { title: str(), value: str() }) },
  spacing,
  separator: { type: 'boolean' },
  id: str(),
});

const cardElement: Schema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['TextBlock', 'FactSet'] } },
  allOf: [
    { if: { type: 'object', properties: { type: { const: 'TextBlock' } } }, then: textBlock },
    { if: { type: 'object', properties: { type: { const: 'FactSet' } } }, then: factSet },
  ],
};

const openUrl = object(['type', 'url'], { type: { const: 'Action.OpenUrl' }, url: webUrl(), title: str(), id: str() });

export const TEAMS_MESSAGE: Schema = object(['type', 'attachments'], {
  type: { const: 'message' },
  attachments: {
    type: 'array',
    minItems: 1,
    items: object(['contentType', 'content'], {
      contentType: { const: 'application/vnd.microsoft.card.adaptive' },
      contentUrl: { type: 'null' },
      content: object(['type', 'version', 'body'], {
        $schema: { const: 'http://adaptivecards.io/schemas/adaptive-card.json' },
        type: { const: 'AdaptiveCard' },
        version: { enum: ['1.0', '1.1', '1.2', '1.3', '1.4'] },
        body: { type: 'array', minItems: 1, items: cardElement },
        // Teams shows six buttons at most (its host config's maxActions); flp-monitor sends no more.
        actions: { type: 'array', maxItems: 6, items: openUrl },
        fallbackText: str(),
      }),
    }),
  },
});

/**
 * Teams answers 413 to a webhook message over about 28 KB, the message size Microsoft's webhook
 * and connector documentation gives (and counts a body without a charset as UTF-16, so about
 * half that in UTF-8: https://stackoverflow.com/questions/78034694).
 */
export const TEAMS_MAX_BYTES = 28 * 1024;

// ---------------------------------------------------------------------------------------------
// flp-monitor's own `webhook` document: the notification (lib/alarms/notification.ts) with its
// type and version.

export const FLP_WEBHOOK_DOCUMENT: Schema = object(
  ['type', 'version', 'key', 'kind', 'severity', 'class', 'owner', 'environment', 'subject', 'cause', 'at', 'evidence', 'symptoms', 'links', 'text'],
  {
    type: { const: 'flp-monitor.notification' },
    version: { const: 1 },
    key: str({ minLength: 1 }),
    kind: { enum: ['trigger', 'resolve', 'notice'] },
    severity: { enum: ['page', 'warning'] },
    class: str({ minLength: 1 }),
    owner: str({ minLength: 1 }),
    environment: str({ minLength: 1 }),
    subject: str({ minLength: 1, maxLength: 100 }),
    cause: str(),
    at: str({ format: 'date-time' }),
    since: object(['first', 'copenhagen', 'utc', 'runs'], { first: str({ format: 'date-time' }), copenhagen: str(), utc: str(), runs: { type: 'integer', minimum: 1 } }),
    evidence: { type: 'array', items: str() },
    symptoms: { type: 'array', items: object(['class', 'lines'], { class: str(), lines: { type: 'array', items: str() } }) },
    links: { type: 'array', items: object(['label', 'url'], { label: str(), url: str() }) },
    runbook: str(),
    text: str({ minLength: 1 }),
  },
);

// ---------------------------------------------------------------------------------------------

const ajv = new Ajv({ allErrors: true, strict: true });
// ajv-formats is CommonJS: its plugin is the module's `default` under Node's ESM loader and TypeScript alike.
formatsPlugin.default(ajv);
const compiled = new WeakMap<Schema, ValidateFunction>();

/** What is wrong with `value` against `schema`, one line per problem (`/blocks/0/text/text must NOT have more than 150 characters`); [] when nothing. */
export function validate(schema: Schema, value: unknown): string[] {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = ajv.compile(schema)));
  if (check(value)) return [];
  return (check.errors ?? []).filter((e: ErrorObject) => e.keyword !== 'if').map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? `: ${String(e.params['additionalProperty'])}` : ''}`);
}
