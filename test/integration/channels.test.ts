/**
 * Sending a page to its channels over real HTTP (lib/alarms/channels.ts with
 * adapters/channel-post.ts): a server on 127.0.0.1 per case receives what each channel type
 * posts, in its vendor's format; a busy or failing service is asked again, a refusing one is
 * not; one channel's failure leaves the others their message; and no error ever quotes the
 * webhook's path, where Slack and Teams keep the secret. Also which channels carry a page, and
 * where a channel's URL and key come from.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { channelsFor, dispatch, resolveChannel, type ChannelTarget } from '../../lib/alarms/channels.ts';
import { buildNotification, type Notification } from '../../lib/alarms/notification.ts';
import { classify } from '../../lib/core/classify.ts';
import { DEFAULT_OWNERS, PAGERDUTY_EVENTS_URL, type ChannelConfig } from '../../lib/core/config.ts';
import { freePorts } from '../support/ports.ts';
import { FLP_WEBHOOK_DOCUMENT, PAGERDUTY_RESOLVE, PAGERDUTY_TRIGGER, SLACK_MESSAGE, TEAMS_MESSAGE, validate } from '../support/vendor-formats.ts';

const AT = new Date('2026-12-01T02:05:00Z');
const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00';
/** Where Slack and Teams keep a webhook's secret: in its path and query. */
const SECRET_PATH = '/services/T0SECRET/B0SECRET/xoxSECRETPATH';
const SECRET_QUERY = '?sig=SECRETSIGNATURE';
/** Retries with waits of milliseconds, so the whole file takes about a second. */
const FAST = { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20, timeoutMs: 2000 };

function notification(state: 'ALARM' | 'OK'): Notification {
  const down = classify(
    { probe: 'node:flp-1', kind: 'node', target: 'https://flp-1', ok: false, startedAt: AT.toISOString(), durationMs: 80, attempts: 2, steps: [], evidence: [{ type: 'database-down', url: 'https://flp-1/health', node: 'flp-1' }], error: 'flp-1 database down', observations: {}, artifacts: [] },
    DEFAULT_OWNERS,
  );
  return buildNotification({
    environment: 'prod',
    change: { alarmId: 'infrastructure-page', class: 'infrastructure', owner: 'PLSP', severity: 'page', state, at: AT, ...(state === 'OK' ? { alarmSince: new Date('2026-12-01T01:50:00Z') } : {}) },
    results: [down],
    links: [{ label: 'dashboard', url: 'https://eu-north-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/flp-prod' }],
  });
}

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
  at: number;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

/** A server on 127.0.0.1 answering each request with the next answer (the last one again when they run out). */
async function serve(...answers: Answer[]): Promise<{ url: string; host: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined, at: performance.now() });
      const answer = answers[Math.min(received.length - 1, answers.length - 1)]!;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}${SECRET_PATH}${SECRET_QUERY}`, host, received };
}

const target = (type: ChannelTarget['type'], url: string): ChannelTarget => ({ name: type, type, url, ...(type === 'pagerduty' ? { routingKey: ROUTING_KEY } : {}) });

const SCHEMA = { pagerduty: PAGERDUTY_TRIGGER, slack: SLACK_MESSAGE, teams: TEAMS_MESSAGE, webhook: FLP_WEBHOOK_DOCUMENT } as const;

describe('dispatch over HTTP', () => {
  it.each(['pagerduty', 'slack', 'teams', 'webhook'] as const)('%s: the service receives one JSON POST in its format, and a 202 is delivered after 1 attempt', async (type) => {
    const service = await serve({ status: 202, body: '{"status":"success"}' });
    const [delivery] = await dispatch(notification('ALARM'), [target(type, service.url)], FAST);
    expect(delivery).toMatchObject({ channel: type, type, ok: true, status: 202, attempts: 1 });
    expect(delivery!.error).toBeUndefined();
    expect(service.received).toHaveLength(1);
    expect(service.received[0]).toMatchObject({ method: 'POST', url: `${SECRET_PATH}${SECRET_QUERY}`, contentType: 'application/json' });
    expect(validate(SCHEMA[type], service.received[0]!.body)).toEqual([]);
  });

  it('pagerduty: the resolve the service receives closes the alert the trigger opened', async () => {
    const service = await serve({ status: 202 });
    await dispatch(notification('ALARM'), [target('pagerduty', service.url)], FAST);
    await dispatch(notification('OK'), [target('pagerduty', service.url)], FAST);
    const [opened, closed] = service.received.map((r) => r.body as { dedup_key: string; event_action: string });
    expect(validate(PAGERDUTY_RESOLVE, closed)).toEqual([]);
    expect([opened!.event_action, closed!.event_action]).toEqual(['trigger', 'resolve']);
    expect(closed!.dedup_key).toBe(opened!.dedup_key);
  });

  it('asks again after a 429, and is delivered on the second attempt', async () => {
    const service = await serve({ status: 429, headers: { 'retry-after': '0' } }, { status: 202 });
    const [delivery] = await dispatch(notification('ALARM'), [target('slack', service.url)], FAST);
    expect(delivery).toMatchObject({ ok: true, status: 202, attempts: 2 });
    expect(service.received).toHaveLength(2);
  });

  it('waits as long as Retry-After asks, but no longer than the longest wait', async () => {
    const service = await serve({ status: 429, headers: { 'retry-after': '1' } }, { status: 202 });
    const [delivery] = await dispatch(notification('ALARM'), [target('teams', service.url)], { ...FAST, minTimeoutMs: 1, maxTimeoutMs: 250 });
    expect(delivery).toMatchObject({ ok: true, attempts: 2 });
    const waited = service.received[1]!.at - service.received[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(230); // Retry-After: 1 s, capped at maxTimeoutMs 250
    expect(waited).toBeLessThan(900);
  });

  it('gives up after retries + 1 answers of 500, naming the status and the host, and quoting only the start of the answer', async () => {
    const service = await serve({ status: 500, body: `upstream broke ${'y'.repeat(1000)}` });
    const [delivery] = await dispatch(notification('ALARM'), [target('webhook', service.url)], FAST);
    expect(delivery).toMatchObject({ ok: false, status: 500, attempts: 3 });
    expect(service.received).toHaveLength(3);
    expect(delivery!.error).toMatch(new RegExp(`^500 from ${service.host}: upstream broke y+… \\(after 3 attempts\\)$`));
    expect(delivery!.error!.length).toBeLessThan(300);
  });

  it('does not ask again after a 400: the payload will not get better', async () => {
    const service = await serve({ status: 400, body: 'invalid_payload' });
    const [delivery] = await dispatch(notification('ALARM'), [target('slack', service.url)], FAST);
    expect(delivery).toMatchObject({ ok: false, status: 400, attempts: 1, error: `400 from ${service.host}: invalid_payload (after 1 attempt)` });
    expect(service.received).toHaveLength(1);
  });

  it('says the connection was refused, with no status, after its retries', async () => {
    const [port] = await freePorts(1);
    const [delivery] = await dispatch(notification('ALARM'), [target('teams', `http://127.0.0.1:${port}${SECRET_PATH}${SECRET_QUERY}`)], FAST);
    expect(delivery).toMatchObject({ ok: false, status: null, attempts: 3, error: `no answer from 127.0.0.1:${port}: ECONNREFUSED (after 3 attempts)` });
  });

  it('gives up on a service that never answers within the time limit', async () => {
    const silent = http.createServer(() => {});
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const [delivery] = await dispatch(notification('ALARM'), [target('slack', `http://${host}${SECRET_PATH}`)], { ...FAST, retries: 1, timeoutMs: 100 });
    expect(delivery).toMatchObject({ ok: false, status: null, attempts: 2, error: `no answer from ${host}: no answer within 100 ms (after 2 attempts)` });
  });

  it('still delivers to the third channel when one refuses the payload and one refuses the connection', async () => {
    const refusing = await serve({ status: 400, body: 'no_text' });
    const [closedPort] = await freePorts(1);
    const working = await serve({ status: 200, body: 'ok' });
    const deliveries = await dispatch(
      notification('ALARM'),
      [target('slack', refusing.url), target('teams', `http://127.0.0.1:${closedPort}${SECRET_PATH}${SECRET_QUERY}`), target('webhook', working.url)],
      FAST,
    );
    expect(deliveries.map((d) => [d.channel, d.ok, d.status])).toEqual([
      ['slack', false, 400],
      ['teams', false, null],
      ['webhook', true, 200],
    ]);
    expect(working.received).toHaveLength(1);
    expect(validate(FLP_WEBHOOK_DOCUMENT, working.received[0]!.body)).toEqual([]);
    for (const d of deliveries) expect(d.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('never puts the webhook path or query in an error', async () => {
    const answers: Answer[][] = [[{ status: 400, body: `bad request to ${SECRET_PATH}${SECRET_QUERY}` }], [{ status: 503, body: `see http://x${SECRET_PATH}` }], [{ status: 404 }]];
    const errors: string[] = [];
    for (const a of answers) {
      const service = await serve(...a);
      const [d] = await dispatch(notification('ALARM'), [target('slack', service.url)], FAST);
      errors.push(d!.error!);
    }
    const [port] = await freePorts(1);
    errors.push((await dispatch(notification('ALARM'), [target('slack', `http://127.0.0.1:${port}${SECRET_PATH}${SECRET_QUERY}`)], FAST))[0]!.error!);
    errors.push((await dispatch(notification('ALARM'), [target('slack', `http://no-such-host.invalid${SECRET_PATH}${SECRET_QUERY}`)], { ...FAST, retries: 0 }))[0]!.error!);
    expect(errors).toHaveLength(5);
    for (const e of errors) {
      expect(e).toMatch(/^(\d{3} from|no answer from) /);
      expect(e).not.toContain('SECRET');
    }
  });
});

describe('resolveChannel', () => {
  const slack: ChannelConfig & { name: string } = { type: 'slack', name: 'ops-slack', owners: ['*'], severities: ['page'], secretName: 'flp/slack' };
  const pd: ChannelConfig & { name: string } = { type: 'pagerduty', name: 'pd', owners: ['PLSP'], severities: ['page'], secretName: 'flp/pd' };

  it('takes the URL and key from a JSON secret', () => {
    expect(resolveChannel(slack, JSON.stringify({ url: 'https://hooks.slack.com/services/T/B/X' }))).toEqual({ name: 'ops-slack', type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' });
    expect(resolveChannel(pd, JSON.stringify({ routingKey: ROUTING_KEY, url: 'https://events.eu.pagerduty.com/v2/enqueue' }))).toEqual({ name: 'pd', type: 'pagerduty', url: 'https://events.eu.pagerduty.com/v2/enqueue', routingKey: ROUTING_KEY });
  });

  it('takes a bare secret as the routing key for PagerDuty (at its public endpoint) and as the URL for the others', () => {
    expect(resolveChannel(pd, `  ${ROUTING_KEY}\n`)).toEqual({ name: 'pd', type: 'pagerduty', url: PAGERDUTY_EVENTS_URL, routingKey: ROUTING_KEY });
    expect(resolveChannel(slack, 'https://hooks.slack.com/services/T/B/X')).toMatchObject({ url: 'https://hooks.slack.com/services/T/B/X' });
  });

  it('names the channel and what is missing, never the secret', () => {
    const secret = JSON.stringify({ url: 'https://hooks.slack.com/services/T/B/LEAKME' });
    expect(() => resolveChannel(pd, secret)).toThrow('channel pd: no routingKey in the config or in the secret flp/pd');
    expect(() => resolveChannel(slack, JSON.stringify({ routingKey: 'LEAKME' }))).toThrow('channel ops-slack: no url in the config or in the secret flp/slack');
    expect(() => resolveChannel(slack, '{ "url": LEAKME')).toThrow('channel ops-slack: the secret flp/slack is not valid JSON');
    expect(() => resolveChannel(slack, 'ftp://LEAKME')).toThrow('channel ops-slack: the url in the secret flp/slack is not an http:// or https:// URL');
    for (const bad of [() => resolveChannel(pd, secret), () => resolveChannel(slack, '{ "url": LEAKME'), () => resolveChannel(slack, 'ftp://LEAKME')]) expect(bad).not.toThrow(/LEAKME/);
  });

  it('prefers the config’s own URL and key to the secret’s', () => {
    expect(resolveChannel({ ...pd, routingKey: ROUTING_KEY, url: 'https://events.eu.pagerduty.com/v2/enqueue' }, JSON.stringify({ routingKey: 'other' }))).toMatchObject({ routingKey: ROUTING_KEY, url: 'https://events.eu.pagerduty.com/v2/enqueue' });
  });
});

describe('channelsFor', () => {
  const all = { name: 'all', owners: ['*'], severities: ['page', 'warning'] as ('page' | 'warning')[] };
  const plspPages = { name: 'plsp', owners: ['PLSP'], severities: ['page'] as ('page' | 'warning')[] };
  const kiapWarnings = { name: 'kiap', owners: ['KiAP'], severities: ['warning'] as ('page' | 'warning')[] };
  const channels = [all, plspPages, kiapWarnings];

  it('gives a page to the channels of its owner or of every owner, and of its severity', () => {
    expect(channelsFor(channels, { owner: 'PLSP', severity: 'page' }).map((c) => c.name)).toEqual(['all', 'plsp']);
    expect(channelsFor(channels, { owner: 'PLSP', severity: 'warning' }).map((c) => c.name)).toEqual(['all']);
    expect(channelsFor(channels, { owner: 'KiAP', severity: 'warning' }).map((c) => c.name)).toEqual(['all', 'kiap']);
    expect(channelsFor(channels, { owner: 'KiAP', severity: 'page' }).map((c) => c.name)).toEqual(['all']);
    expect(channelsFor([plspPages, kiapWarnings], { owner: 'Drift', severity: 'page' })).toEqual([]);
  });
});
