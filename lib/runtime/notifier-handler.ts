/**
 * The notifier: the Lambda function that turns a paging composite alarm's change of state into
 * the page people read. It is the alarm and OK action of each paging composite of the policy
 * (`flp-<env>-<composite id>`), so CloudWatch invokes it when it runs the composite's actions,
 * suppression applied (it takes an EventBridge "CloudWatch Alarm State Change" as well). It
 * reads the latest results every probe function left in S3 (`latest/<env>/<group>.json`),
 * builds the message in the one place that words it (lib/alarms/notification.ts: the cause, whose job, since when, the evidence), links
 * the dashboard, the alarm and each screenshot and trace (S3 console, and a pre-signed download
 * valid at most a day: the bucket stays private), and publishes it in plain text to the owner's
 * topic and on-call's, then to the configured channels (PagerDuty, Slack, Teams, webhooks), each
 * delivery recorded as a `NotificationFailed` point.
 *
 * It acts exactly when CloudWatch would have run the composite's actions: on a change to ALARM
 * or OK whose actions are not suppressed (maintenance, or a root cause holding its symptoms
 * back), and when a suppression that held a state back ends. Everything else is logged and
 * left alone.
 *
 * A page is never lost: when reading the results, building the message or publishing fails, or
 * the function nears its deadline, the raw alarm (name, state, reason, time, links) goes to the
 * topics that did not get the page yet, and the invocation then fails so Lambda counts an error
 * (the stack alarms on-call directly on those errors and on the dead-letter queue).
 *
 * Its own bundle: no Playwright, no probes.
 *
 * This module is the notifier's bundle entry (cdk/notifier.ts) and its handler; each step is a
 * function of its own: parse the event and decide whether a page is due (notifier-event.ts),
 * read the state (notifier-state.ts), build the page (notifier-page.ts), publish it to SNS and
 * send it to the channels (notifier-delivery.ts), and the raw-alarm fallback (notifier-raw.ts).
 */
import { MAX_PRESIGN_SECONDS } from '../adapters/artifacts-s3.ts';
import { readSecretString } from '../adapters/secrets.ts';
import { createLogger } from '../adapters/logger.ts';
import { createSnsPublisher, type SnsPublisher } from '../adapters/sns-publisher.ts';
import type { Delivery } from '../alarms/channels.ts';
import { buildNotification, type Notification, type NotificationInput } from '../alarms/notification.ts';
import type { CompositeSpec } from '../alarms/policy.ts';
import type { Config } from '../core/config.ts';
import { alarmNamePrefix } from '../core/contract.ts';
import { describeError } from '../core/format.ts';
import { createChannelSender, type SendToChannels } from './channel-sender.ts';
import { HANDLER_ENV } from './handler-env.ts';
import { logMonitorFailure, type LambdaContext } from './handler-kit.ts';
import { sendPage, sendToOwnerChannels, type NotifierIo, type Published } from './notifier-delivery.ts';
import { pageDue, readEvent, type AlarmEvent } from './notifier-event.ts';
import { compositeOf, type PageLinks } from './notifier-page.ts';
import { publishRaw, type Reached } from './notifier-raw.ts';
import { notifierStateCache, type NotifierState } from './notifier-state.ts';
import { onCallTopicArn, topicArnsFor, type TopicArns } from './topic-arns.ts';

export { ON_CALL_KEY, onCallTopicArn, topicArnsFor, type TopicArns } from './topic-arns.ts';
export { firingMembers, pageDue, parseAlarmTime, type AlarmActionEvent, type AlarmEventState, type AlarmStateChangeEvent } from './notifier-event.ts';

/** Time kept back from the deadline for the raw fallback page. */
export const NOTIFIER_DEADLINE_RESERVE_MS = 5_000;
/** Events remembered per container, so a retried event neither pages twice nor loses its fallback. */
const REMEMBERED_EVENTS = 100;

/** Sends a notification to the configured channels that carry it. */
export type { Delivery, SendToChannels };

export interface NotifierDeps {
  /** Read at cold start. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where log lines go. Default: stdout, one JSON object a line. */
  write?: (line: string) => void;
  /** Default: the system clock. */
  now?: () => Date;
  /** The channels' delivery. Default: {@link createChannelSender} with `readSecret`. */
  sendToChannels?: SendToChannels;
  /** A channel's secret by its `secretName`. Default: Secrets Manager, cached per container. Never logged. */
  readSecret?: (secretName: string) => Promise<string>;
  /** Builds the message. Default: lib/alarms/notification.ts buildNotification. */
  build?: (input: NotificationInput) => Notification;
  /** Lifetime of the artifacts' download links. Default and most: {@link MAX_PRESIGN_SECONDS}. */
  presignExpiresInSeconds?: number;
  /** Time kept back from the deadline for the fallback. Default {@link NOTIFIER_DEADLINE_RESERVE_MS}. */
  deadlineReserveMs?: number;
}

export interface NotifierResult {
  /** `paged`: the page went out; `ignored`: the event asked for none (see `reason`). */
  action: 'paged' | 'ignored';
  reason?: string;
  alarmName?: string;
  kind?: Notification['kind'];
  /** The topics the page was published to in this invocation, with SNS's message ids. */
  published: Published[];
  deliveries: Delivery[];
}

export type NotifierHandler = (event: unknown, context: LambdaContext) => Promise<NotifierResult>;

/** What the notifier is built around, once per set of dependencies, and what its container keeps. */
interface NotifierKit {
  env: NodeJS.ProcessEnv;
  out: NotifierIo['out'];
  now: () => Date;
  build: (input: NotificationInput) => Notification;
  reserveMs: number;
  presignSeconds: number;
  sendToChannels: SendToChannels;
  state: (region: string) => Promise<NotifierState>;
  /** Made on the first event that has a region. */
  sns: SnsPublisher | null;
  /** Per state change, remembered for the last {@link REMEMBERED_EVENTS}: the topics that got the full page, and those that got the raw alarm. */
  reachedFor: (key: string) => Reached;
  monitorFailure: NotifierIo['monitorFailure'];
}

/** Builds the notifier around one set of dependencies, with its own container state. */
export function createNotifierHandler(deps: NotifierDeps = {}): NotifierHandler {
  const kit = notifierKit(deps);
  return (event, context) => handleAlarm(kit, event, context);
}

function notifierKit(deps: NotifierDeps): NotifierKit {
  const env = deps.env ?? process.env;
  const write = deps.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const out = createLogger('info', write);
  const readSecret = deps.readSecret ?? cachedSecrets(env);
  return {
    env,
    out,
    now: deps.now ?? (() => new Date()),
    build: deps.build ?? buildNotification,
    reserveMs: deps.deadlineReserveMs ?? NOTIFIER_DEADLINE_RESERVE_MS,
    presignSeconds: Math.min(MAX_PRESIGN_SECONDS, deps.presignExpiresInSeconds ?? MAX_PRESIGN_SECONDS),
    sendToChannels: deps.sendToChannels ?? createChannelSender({ readSecret }),
    state: notifierStateCache(env, write),
    sns: null,
    reachedFor: reachedMemory(),
    monitorFailure: (config, summary, fields = {}) => logMonitorFailure(out, config, 'monitor:notifier', summary, fields),
  };
}

/** A channel's secret from Secrets Manager, cached per container; a failed read is not kept: the next page asks again. */
function cachedSecrets(env: NodeJS.ProcessEnv): (name: string) => Promise<string> {
  const secrets = new Map<string, Promise<string>>();
  return (name) => {
    let p = secrets.get(name);
    if (!p) {
      p = readSecretString({ region: env[HANDLER_ENV.region], secretId: name, endpoint: env[HANDLER_ENV.secretsEndpoint] }).catch((err: unknown) => {
        secrets.delete(name);
        throw err;
      });
      secrets.set(name, p);
    }
    return p;
  };
}

function reachedMemory(): (key: string) => Reached {
  const reached = new Map<string, Reached>();
  return (key) => {
    let r = reached.get(key);
    if (!r) {
      r = { full: new Set(), raw: new Set() };
      reached.set(key, r);
      if (reached.size > REMEMBERED_EVENTS) reached.delete(reached.keys().next().value!);
    }
    return r;
  };
}

/** One event: parsed, judged, and when a page is due, built, published, sent and logged. */
async function handleAlarm(kit: NotifierKit, event: unknown, context: LambdaContext): Promise<NotifierResult> {
  const { out } = kit;
  const requestId = context?.awsRequestId;
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY;
  const deadlineAt = Date.now() + remaining;
  const ids: Record<string, string> = requestId ? { requestId } : {};
  const io: NotifierIo = { out, now: kit.now, monitorFailure: kit.monitorFailure, left: () => deadlineAt - Date.now(), ids };

  const alarm = readEvent(event);
  if ('ignored' in alarm) {
    out.info('event ignored', { ...ids, reason: alarm.ignored });
    return { action: 'ignored', reason: alarm.ignored, published: [], deliveries: [] };
  }
  const due = pageDue(alarm.state, alarm.previous);
  if (!due.due) {
    out.info('alarm ignored', { ...ids, alarmName: alarm.alarmName, state: alarm.state.value, previous: alarm.previous.value ?? null, reason: due.reason });
    return { action: 'ignored', reason: due.reason, alarmName: alarm.alarmName, published: [], deliveries: [] };
  }
  const { publisher, onCall, links } = publisherFor(kit, alarm, ids);
  const st = await stateOrRaw(kit, publisher, onCall, alarm, links, io);
  const { config, policy } = st;
  const topics: TopicArns = topicArnsFor(config, onCall);

  const composite = compositeOf(policy, alarm.alarmName);
  if (!composite) {
    const reason = `not a paging composite alarm of the policy (expected ${alarmNamePrefix(config.environment)}<${policy.composites.map((c) => c.id).join(' | ')}>)`;
    out.info('alarm ignored', { ...ids, alarmName: alarm.alarmName, state: alarm.state.value, reason });
    return { action: 'ignored', reason, alarmName: alarm.alarmName, published: [], deliveries: [] };
  }
  const targets = pageTargets(kit, config, composite, topics, alarm, ids);
  const job = { st, alarm, composite, kind: due.kind, links, targets, seen: kit.reachedFor(alarm.key), publisher, build: kit.build, presignSeconds: kit.presignSeconds, reserveMs: kit.reserveMs };
  const { notification, published } = await sendPage(job, io);
  const deliveries = await sendToOwnerChannels(st, notification, alarm, kit.sendToChannels, io);
  out.info('page sent', {
    ...ids,
    environment: config.environment,
    alarmName: alarm.alarmName,
    kind: notification.kind,
    class: notification.class,
    owner: notification.owner,
    severity: notification.severity,
    subject: notification.subject,
    topics: published.map((p) => p.topicArn),
    channels: deliveries.map((d) => ({ channel: d.channel, ok: d.ok })),
  });
  return { action: 'paged', alarmName: alarm.alarmName, kind: notification.kind, published, deliveries };
}

/** SNS in the function's region (or the event's), and on-call's topic; without either there is nowhere to publish to, and only Lambda's error count (alarmed to on-call by the stack) is left. */
function publisherFor(kit: NotifierKit, alarm: AlarmEvent, ids: Record<string, string>): { publisher: SnsPublisher; onCall: string; links: PageLinks } {
  const { env } = kit;
  const region = env[HANDLER_ENV.region] ?? alarm.region;
  let onCall: string;
  try {
    if (!region) throw new Error(`${HANDLER_ENV.region} is not set (Lambda sets it)`);
    onCall = onCallTopicArn(env);
    kit.sns ??= createSnsPublisher({ region, ...(env[HANDLER_ENV.snsEndpoint] ? { endpoint: env[HANDLER_ENV.snsEndpoint] } : {}) });
  } catch (err) {
    kit.monitorFailure(null, `the notifier cannot publish ${alarm.alarmName} ${alarm.state.value}: ${describeError(err)}`, ids);
    throw err;
  }
  return { publisher: kit.sns, onCall, links: { region: region!, dashboardName: env[HANDLER_ENV.dashboardName] } };
}

/** The notifier's state; without it (the config) nobody can tell whose page this is: on-call gets the raw alarm, and the error is thrown. */
async function stateOrRaw(kit: NotifierKit, publisher: SnsPublisher, onCall: string, alarm: AlarmEvent, links: PageLinks, io: NotifierIo): Promise<NotifierState> {
  try {
    return await kit.state(links.region);
  } catch (err) {
    const why = `the notifier could not start: ${describeError(err)}`;
    kit.monitorFailure(null, why, { ...io.ids, alarmName: alarm.alarmName });
    await publishRaw(publisher, [onCall], alarm, null, why, links, io.left, kit.reachedFor(alarm.key), io.out, io.ids);
    throw err;
  }
}

/** The owner's topic, those of the owners told too (an LPS vendor's page: KiAP's), and on-call's; an owner without a topic is a `monitor:notifier` line. */
function pageTargets(kit: NotifierKit, config: Config, composite: CompositeSpec, topics: TopicArns, alarm: AlarmEvent, ids: Record<string, string>): string[] {
  const ownerTopics = [composite.owner, ...(composite.alsoNotify ?? [])].map((owner) => {
    const t = topics.byOwner.get(owner);
    if (!t) kit.monitorFailure(config, `the config names no topic for ${owner} (not among its owners or LPS vendors); ${owner} does not get ${alarm.alarmName} on SNS`, ids);
    return t;
  });
  return [...new Set([...ownerTopics, topics.onCall].filter((t): t is string => !!t))];
}

/** The deployed notifier, with its container state. */
export const notifierHandler: NotifierHandler = createNotifierHandler();
