/**
 * Sending one notification to the channels configured for it (`notify.channels`): which
 * channels carry it (owner and severity), each channel's URL and key from the config or its
 * secret, the channel's payload (channel-payloads.ts), and delivery with retries
 * (adapters/channel-post.ts). Channels are independent: one that fails does not keep the message
 * from the others, and its failure comes back as a delivery with `ok: false`, which the caller
 * records as the channel's `NotificationFailed` metric (a `monitor` alarm).
 */
import { channelNames, PAGERDUTY_EVENTS_URL, type ChannelConfig, type ChannelType, type Config } from '../core/config.ts';
import { postJson, type PostOptions, type PostOutcome } from '../adapters/channel-post.ts';
import type { Notification } from './notification.ts';
import { renderPayload } from './channel-payloads.ts';

/** A channel ready to send: its name, and the URL and key from the config or its secret. */
export interface ChannelTarget {
  name: string;
  type: ChannelType;
  url: string;
  /** PagerDuty's routing (integration) key. */
  routingKey?: string;
}

/** What one channel answered to one notification. */
export interface Delivery {
  channel: string;
  type: ChannelType;
  ok: boolean;
  /** The last HTTP status, or null when no answer came (refused, timed out). */
  status: number | null;
  attempts: number;
  durationMs: number;
  /** Why it failed, in words (`400 from hooks.slack.com: invalid_payload (after 1 attempt)`): the host only, never a key or the URL's path. */
  error?: string;
}

/** The configured channels with their names. */
export function namedChannels(config: Pick<Config, 'notify'>): (ChannelConfig & { name: string })[] {
  const names = channelNames(config.notify.channels);
  return config.notify.channels.map((c, i) => ({ ...c, name: names[i]! }));
}

/**
 * The channels that carry a notification: those of its owner, of the owners it tells too
 * (`alsoNotify`: an LPS vendor's page goes to KiAP's channels as well), or of "*", and of its severity.
 */
export function channelsFor<C extends Pick<ChannelConfig, 'owners' | 'severities'>>(channels: readonly C[], n: Pick<Notification, 'owner' | 'severity'> & { alsoNotify?: readonly string[] }): C[] {
  const owners = [n.owner, ...(n.alsoNotify ?? [])];
  return channels.filter((c) => (c.owners.includes('*') || owners.some((o) => c.owners.includes(o))) && c.severities.includes(n.severity));
}

/**
 * A channel's URL and key: the config's own, else from its secret's value, a JSON object with
 * `url` and/or `routingKey`, or the bare value (the routing key for PagerDuty, the URL for the
 * others). Throws naming the channel and what is missing; never the secret's value.
 */
export function resolveChannel(channel: ChannelConfig & { name: string }, secret?: string): ChannelTarget {
  let fromSecret: { url?: unknown; routingKey?: unknown } = {};
  if (secret !== undefined) {
    const text = secret.trim();
    if (text.startsWith('{')) {
      try {
        fromSecret = JSON.parse(text) as typeof fromSecret;
      } catch {
        throw new Error(`channel ${channel.name}: the secret ${channel.secretName} is not valid JSON (it must be {"url": …} or {"routingKey": …}, or the bare value)`);
      }
    } else fromSecret = channel.type === 'pagerduty' ? { routingKey: text } : { url: text };
  }
  const str = (v: unknown) => (typeof v === 'string' && v.length ? v : undefined);
  const url = channel.url ?? str(fromSecret.url) ?? (channel.type === 'pagerduty' ? PAGERDUTY_EVENTS_URL : undefined);
  const where = channel.secretName ? `url in the config or in the secret ${channel.secretName}` : 'url';
  if (!url) throw new Error(`channel ${channel.name}: no ${where}`);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new Error(`channel ${channel.name}: the url ${channel.secretName && !channel.url ? `in the secret ${channel.secretName} ` : ''}is not an http:// or https:// URL`);
  if (channel.type !== 'pagerduty') return { name: channel.name, type: channel.type, url };
  const routingKey = channel.routingKey ?? str(fromSecret.routingKey);
  if (!routingKey) throw new Error(`channel ${channel.name}: no routingKey${channel.secretName ? ` in the config or in the secret ${channel.secretName}` : ''}`);
  return { name: channel.name, type: channel.type, url, routingKey };
}

export interface DispatchOptions extends PostOptions {
  /** Posts one payload (tests and the Lambda pass their own). Default: {@link postJson}. */
  post?: (url: string, body: unknown, options: PostOptions) => Promise<PostOutcome>;
}

/** Sends `n` to every target at once; every target gets its delivery, whatever the others did. */
export async function dispatch(n: Notification, targets: readonly ChannelTarget[], options: DispatchOptions = {}): Promise<Delivery[]> {
  const post = options.post ?? postJson;
  return Promise.all(
    targets.map(async (t): Promise<Delivery> => {
      const started = performance.now();
      try {
        const outcome = await post(urlFor(t, n), renderPayload(t, n), options);
        return { channel: t.name, type: t.type, ...outcome, durationMs: Math.round(performance.now() - started) };
      } catch (err) {
        return { channel: t.name, type: t.type, ok: false, status: null, attempts: 1, durationMs: Math.round(performance.now() - started), error: (err as Error).message };
      }
    }),
  );
}

/** Where a notification goes on a channel: PagerDuty takes a notice at its change-events endpoint beside `/v2/enqueue`. */
export function urlFor(t: ChannelTarget, n: Pick<Notification, 'kind'>): string {
  if (t.type !== 'pagerduty' || n.kind !== 'notice') return t.url;
  const url = new URL(t.url);
  url.pathname = url.pathname.replace(/\/v2\/enqueue\/?$/, '/v2/change/enqueue');
  return url.toString();
}
