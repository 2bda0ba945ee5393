/**
 * The notifier's sending steps: the page published to SNS (the owner's topic, those of the
 * owners told too, and on-call's), bounded by the deadline less the fallback's reserve, with the
 * raw alarm (notifier-raw.ts) to every topic the page did not reach when anything before it
 * failed; then the configured channels (PagerDuty, Slack, Teams, webhooks), each delivery
 * recorded as a `NotificationFailed` point. Once the page is out on SNS nothing here throws.
 */
import type { SnsPublisher } from '../adapters/sns-publisher.ts';
import { channelsFor, namedChannels, type Delivery } from '../alarms/channels.ts';
import type { Notification, NotificationInput } from '../alarms/notification.ts';
import type { CompositeSpec } from '../alarms/policy.ts';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/context.ts';
import { withDeadline } from '../core/deadline.ts';
import { describeError } from '../core/format.ts';
import { notificationRecord } from '../core/records.ts';
import type { SendToChannels } from './channel-sender.ts';
import type { AlarmEvent } from './notifier-event.ts';
import { compose, type PageLinks } from './notifier-page.ts';
import { publishRaw, type Reached } from './notifier-raw.ts';
import type { NotifierState } from './notifier-state.ts';

export class NotifierFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifierFailure';
  }
}

/** A topic the page was published to, with SNS's message id. */
export interface Published {
  topicArn: string;
  messageId: string;
}

/** What the sending steps log through and go by. */
export interface NotifierIo {
  out: Logger;
  now: () => Date;
  /** A `monitor:notifier` line. */
  monitorFailure: (config: Config | null, summary: string, fields?: Record<string, unknown>) => void;
  /** The invocation's time left. */
  left: () => number;
  ids: Record<string, string>;
}

/** One page to send: the state change, whose page it is, and the topics it goes to. */
export interface PageJob {
  st: NotifierState;
  alarm: AlarmEvent;
  composite: CompositeSpec;
  kind: Notification['kind'];
  links: PageLinks;
  targets: readonly string[];
  seen: Reached;
  publisher: SnsPublisher;
  build: (input: NotificationInput) => Notification;
  presignSeconds: number;
  reserveMs: number;
}

/**
 * The page itself: results, message, SNS, bounded by the deadline less the fallback's reserve.
 * Any failure sends the raw alarm to the topics that have neither the page nor the raw alarm
 * yet, and is then thrown.
 */
export async function sendPage(job: PageJob, io: NotifierIo): Promise<{ notification: Notification; published: Published[] }> {
  const { st, alarm, targets, seen, publisher, reserveMs } = job;
  const { config } = st;
  const controller = new AbortController();
  const published: Published[] = [];
  try {
    const notification = await withDeadline(
      (async () => {
        const n = await compose(st, alarm, job.composite, job.kind, job.links, { signal: controller.signal, build: job.build, presignSeconds: job.presignSeconds, now: io.now, out: io.out, ids: io.ids });
        await Promise.all(
          targets
            .filter((t) => !seen.full.has(t))
            .map(async (topicArn) => {
              const messageId = await publisher.publish(topicArn, { subject: n.subject, message: n.text }, { abortSignal: controller.signal });
              seen.full.add(topicArn);
              published.push({ topicArn, messageId });
            }),
        );
        return n;
      })(),
      io.left() - reserveMs,
      () => new NotifierFailure(`the page for ${alarm.alarmName} was not out with ${reserveMs} ms of the function's time left`),
    );
    return { notification, published };
  } catch (err) {
    controller.abort();
    const why = describeError(err);
    io.monitorFailure(config, `page for ${alarm.alarmName} ${alarm.state.value} not sent in full (${why}); the raw alarm goes out instead`, { ...io.ids, alarmName: alarm.alarmName });
    const rest = targets.filter((t) => !seen.full.has(t) && !seen.raw.has(t));
    await publishRaw(publisher, rest, alarm, { config, composite: job.composite }, why, job.links, io.left, seen, io.out, io.ids);
    throw err instanceof Error ? err : new NotifierFailure(why);
  }
}

/** The channels and their metrics: the page is out on SNS by now, so nothing here throws. A channel not reached is a failed delivery that says why. */
export async function sendToOwnerChannels(st: NotifierState, notification: Notification, alarm: AlarmEvent, sendToChannels: SendToChannels, io: NotifierIo): Promise<Delivery[]> {
  const { config } = st;
  let deliveries: Delivery[];
  try {
    deliveries = await withDeadline(sendToChannels(notification, config, [notification.owner, ...(notification.alsoNotify ?? [])]), io.left() - 1_000, () => new NotifierFailure('the channels did not answer before the deadline'));
  } catch (err) {
    const why = describeError(err);
    deliveries = channelsFor(namedChannels(config), notification).map((c) => ({ channel: c.name, type: c.type, ok: false, status: null, attempts: 0, durationMs: 0, error: why }));
    io.monitorFailure(config, `channels not sent ${alarm.alarmName}: ${why}`, io.ids);
  }
  if (deliveries.length) {
    const at = io.now().toISOString();
    try {
      await withDeadline(
        st.sink.write(deliveries.map((d) => notificationRecord(config.environment, d.channel, !d.ok, at, config.aws.namespace))),
        io.left() - 500,
        () => new NotifierFailure('PutMetricData did not answer before the deadline'),
      );
    } catch (err) {
      io.monitorFailure(config, `NotificationFailed not published for ${alarm.alarmName}: ${describeError(err)}`, io.ids);
    }
  }
  for (const d of deliveries.filter((x) => !x.ok)) io.out.warn('channel not delivered', { ...io.ids, alarmName: alarm.alarmName, channel: d.channel, type: d.type, status: d.status ?? null, attempts: d.attempts, error: d.error ?? null });
  return deliveries;
}
