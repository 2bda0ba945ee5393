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
 */
import { readSecretString } from '../adapters/secrets.ts';
import { withDeadline } from '../core/deadline.ts';
import { createS3ArtifactStore, MAX_PRESIGN_SECONDS, type S3ArtifactStore } from '../adapters/artifacts-s3.ts';
import { createCloudWatchSink } from '../adapters/cloudwatch-sink.ts';
import { createLatestResultsStore, isLatestResults, type S3LatestResultsStore } from '../adapters/latest-results-s3.ts';
import { createLogger, type LogLevel } from '../adapters/logger.ts';
import { createSnsPublisher, type SnsPublisher } from '../adapters/sns-publisher.ts';
import { buildNotification, OVERRUN_SLACK_MS, overranWindow, rootResults, type AlarmChange, type FailingSince, type Notification, type NotificationInput } from '../alarms/notification.ts';
import { suppressionPeriods } from '../alarms/suppression.ts';
import { createS3WindowStore, type S3WindowStore } from '../adapters/window-store-s3.ts';
import { plannedWindowsBefore, type RuntimeWindow } from '../core/windows.ts';
import { alarmPolicy, pageRunbook, type AlarmPolicy, type CompositeSpec } from '../alarms/policy.ts';
import { channelsFor, namedChannels, type Delivery } from '../alarms/channels.ts';
import { createChannelSender, type SendToChannels } from './channel-sender.ts';
import { DEFAULT_OWNERS, type Config } from '../core/config.ts';
import { alarmConsoleUrl, dashboardConsoleUrl, parseS3Uri, s3ObjectConsoleUrl } from '../core/console-links.ts';
import type { Logger } from '../core/context.ts';
import { alarmNamePrefix, enabledGroups, type ProbeGroup } from '../core/contract.ts';
import { describeError } from '../core/format.ts';
import { latestMaxAgeMs, type LatestResults } from '../core/latest-results.ts';
import { maskCpr } from '../core/privacy.ts';
import { notificationRecord, type ResultSink } from '../core/records.ts';
import type { ClassifiedResult } from '../core/result.ts';
import { loadHandlerConfig } from './handler-config.ts';
import { HANDLER_ENV } from './handler-env.ts';
import type { LambdaContext } from './lambda-handlers.ts';

export { ON_CALL_KEY, onCallTopicArn, topicArnsFor, type TopicArns } from './topic-arns.ts';
import { onCallTopicArn, topicArnsFor, type TopicArns } from './topic-arns.ts';
/** Time kept back from the deadline for the raw fallback page. */
export const NOTIFIER_DEADLINE_RESERVE_MS = 5_000;
/** Events remembered per container, so a retried event neither pages twice nor loses its fallback. */
const REMEMBERED_EVENTS = 100;

/** One state of a "CloudWatch Alarm State Change" event (`detail.state`, `detail.previousState`). */
export interface AlarmEventState {
  value?: string;
  reason?: string;
  reasonData?: string;
  /** `2026-12-01T03:05:00.000+0000` */
  timestamp?: string;
  /** Composite alarms with a suppressor: `Alarm`, `WaitPeriod` or `ExtensionPeriod` while the state's actions are held back. */
  actionsSuppressedBy?: string;
  actionsSuppressedReason?: string;
}

/** The EventBridge event CloudWatch sends when an alarm changes state (metric and composite alike). */
export interface AlarmStateChangeEvent {
  version?: string;
  id?: string;
  'detail-type'?: string;
  source?: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail?: {
    alarmName?: string;
    state?: AlarmEventState;
    previousState?: AlarmEventState;
    configuration?: Record<string, unknown>;
  };
}

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
  published: { topicArn: string; messageId: string }[];
  deliveries: Delivery[];
}

export type NotifierHandler = (event: unknown, context: LambdaContext) => Promise<NotifierResult>;

/** What an event says, read defensively: EventBridge sends what CloudWatch wrote. */
interface AlarmEvent {
  /** Stable across EventBridge's and Lambda's retries of one state change. */
  key: string;
  alarmName: string;
  state: AlarmEventState & { value: string };
  previous: AlarmEventState;
  time: string | undefined;
  region: string | undefined;
}

/**
 * The payload CloudWatch sends a Lambda alarm action (how the stack wires the notifier): the
 * composite's state at the moment CloudWatch runs its actions, so suppression has been applied.
 */
export interface AlarmActionEvent {
  source?: string;
  alarmArn?: string;
  accountId?: string;
  time?: string;
  region?: string;
  alarmData?: {
    alarmName?: string;
    state?: AlarmEventState;
    previousState?: AlarmEventState;
    configuration?: Record<string, unknown>;
  };
}

/** Reads a Lambda alarm action's payload, or an EventBridge "CloudWatch Alarm State Change" (the same fields under `detail`). */
function readEvent(event: unknown): AlarmEvent | { ignored: string } {
  if (!event || typeof event !== 'object') return { ignored: 'not a CloudWatch alarm event' };
  const action = event as AlarmActionEvent;
  const bridge = event as AlarmStateChangeEvent;
  let data: AlarmActionEvent['alarmData'];
  if (action.alarmData && action.source === 'aws.cloudwatch') data = action.alarmData;
  else if (bridge['detail-type'] === 'CloudWatch Alarm State Change') data = bridge.detail;
  else return { ignored: `not an alarm state change (source ${JSON.stringify(action.source)}, detail-type ${JSON.stringify(bridge['detail-type'])})` };
  const alarmName = data?.alarmName;
  const state = data?.state;
  if (typeof alarmName !== 'string' || !state || typeof state.value !== 'string') return { ignored: 'an alarm state change without alarmName or state.value' };
  return {
    key: `${alarmName}|${state.value}|${state.timestamp ?? action.time ?? bridge.id ?? ''}`,
    alarmName,
    state: state as AlarmEventState & { value: string },
    previous: data?.previousState ?? {},
    time: action.time,
    region: action.region,
  };
}

/**
 * Whether a state change asks for a page, as CloudWatch would run the composite's actions: a
 * change to ALARM or OK that is not suppressed, or the end of a suppression that held such a
 * state back (ALARM → ALARM once the wait period passes without a root cause).
 */
export function pageDue(state: AlarmEventState, previous: AlarmEventState): { due: true; kind: Notification['kind'] } | { due: false; reason: string } {
  if (state.value !== 'ALARM' && state.value !== 'OK') return { due: false, reason: `state ${state.value ?? 'unknown'} pages nobody` };
  if (state.actionsSuppressedBy)
    return { due: false, reason: `actions suppressed by ${state.actionsSuppressedBy}${state.actionsSuppressedReason ? ` (${state.actionsSuppressedReason})` : ''}` };
  if (state.value === previous.value && !previous.actionsSuppressedBy) return { due: false, reason: `no change: ${state.value} and ${previous.value} before` };
  return { due: true, kind: state.value === 'ALARM' ? 'trigger' : 'resolve' };
}

/** The member alarms that put a composite into ALARM, by policy id, from the state's `reasonData.triggeringAlarms`; none when it does not say. */
export function firingMembers(state: AlarmEventState, environment: string): string[] {
  try {
    const data = JSON.parse(state.reasonData ?? '{}') as { triggeringAlarms?: { arn?: unknown }[] };
    const prefix = alarmNamePrefix(environment);
    return (data.triggeringAlarms ?? [])
      .map((t) => (typeof t.arn === 'string' ? t.arn.split(':alarm:')[1] : undefined))
      .filter((name): name is string => !!name && name.startsWith(prefix))
      .map((name) => name.slice(prefix.length));
  } catch {
    return [];
  }
}

/** CloudWatch's `2026-12-01T03:05:00.000+0000` (or any ISO time) as a Date; null when it is none. */
export function parseAlarmTime(text: string | undefined): Date | null {
  if (!text) return null;
  const t = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : new Date(t);
}

interface NotifierState {
  config: Config;
  policy: AlarmPolicy;
  latestStore: S3LatestResultsStore | null;
  artifacts: S3ArtifactStore | null;
  /** The run-time maintenance windows (`state/<env>/windows.json`): a page right after one's planned end says it overran. */
  windows: S3WindowStore | null;
  sink: ResultSink;
  diagnostics: Logger;
}

class NotifierFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifierFailure';
  }
}

/** Builds the notifier around one set of dependencies, with its own container state. */
export function createNotifierHandler(deps: NotifierDeps = {}): NotifierHandler {
  const env = deps.env ?? process.env;
  const write = deps.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = deps.now ?? (() => new Date());
  const build = deps.build ?? buildNotification;
  const reserveMs = deps.deadlineReserveMs ?? NOTIFIER_DEADLINE_RESERVE_MS;
  const presignSeconds = Math.min(MAX_PRESIGN_SECONDS, deps.presignExpiresInSeconds ?? MAX_PRESIGN_SECONDS);
  const out = createLogger('info', write);

  const secrets = new Map<string, Promise<string>>();
  const readSecret =
    deps.readSecret ??
    ((name: string): Promise<string> => {
      let p = secrets.get(name);
      if (!p) {
        p = readSecretString({ region: env[HANDLER_ENV.region], secretId: name, endpoint: env[HANDLER_ENV.secretsEndpoint] }).catch((err: unknown) => {
          // A failed read is not kept: the next page asks again.
          secrets.delete(name);
          throw err;
        });
        secrets.set(name, p);
      }
      return p;
    });
  const sendToChannels = deps.sendToChannels ?? createChannelSender({ readSecret });

  let state: Promise<NotifierState> | null = null;
  let sns: SnsPublisher | null = null;
  /** Per state change: the topics that got the full page, and those that got the raw alarm. */
  const reached = new Map<string, { full: Set<string>; raw: Set<string> }>();
  const reachedFor = (key: string) => {
    let r = reached.get(key);
    if (!r) {
      r = { full: new Set(), raw: new Set() };
      reached.set(key, r);
      if (reached.size > REMEMBERED_EVENTS) reached.delete(reached.keys().next().value!);
    }
    return r;
  };

  const monitorFailure = (config: Config | null, summary: string, fields: Record<string, unknown> = {}) =>
    out.error('monitor failure', {
      ...fields,
      environment: config?.environment ?? 'unknown',
      probe: 'monitor:notifier',
      ok: 0,
      class: 'monitor',
      owner: (config?.owners ?? DEFAULT_OWNERS).monitor,
      summary,
      artifacts: [],
    });

  function coldStart(region: string): Promise<NotifierState> {
    if (!state) {
      state = (async () => {
        const config = loadHandlerConfig(env);
        const level = env[HANDLER_ENV.logLevel];
        const diagnostics = createLogger(level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? (level as LogLevel) : 'warn', write);
        const bucket = env[HANDLER_ENV.artifactsBucket];
        const s3 = { region, ...(env[HANDLER_ENV.s3Endpoint] ? { endpoint: env[HANDLER_ENV.s3Endpoint] } : {}) };
        const artifacts = bucket ? createS3ArtifactStore({ ...s3, bucket }) : null;
        const latestStore = bucket ? createLatestResultsStore({ ...s3, bucket }) : null;
        const windows = bucket ? createS3WindowStore({ ...s3, bucket, environment: config.environment }) : null;
        const sink = createCloudWatchSink({ region, logger: diagnostics, ...(env[HANDLER_ENV.cloudWatchEndpoint] ? { endpoint: env[HANDLER_ENV.cloudWatchEndpoint] } : {}) });
        return { config, policy: alarmPolicy(config, { minPeriodSeconds: 60 }), latestStore, artifacts, windows, sink, diagnostics };
      })().catch((err: unknown) => {
        // A failed cold start is not kept: the next event tries again.
        state = null;
        throw err;
      });
    }
    return state;
  }

  return async (event, context) => {
    const requestId = context?.awsRequestId;
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY;
    const deadlineAt = Date.now() + remaining;
    const left = () => deadlineAt - Date.now();
    const ids: Record<string, string> = requestId ? { requestId } : {};

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

    const region = env[HANDLER_ENV.region] ?? alarm.region;
    let onCall: string;
    try {
      if (!region) throw new Error(`${HANDLER_ENV.region} is not set (Lambda sets it)`);
      onCall = onCallTopicArn(env);
      sns ??= createSnsPublisher({ region, ...(env[HANDLER_ENV.snsEndpoint] ? { endpoint: env[HANDLER_ENV.snsEndpoint] } : {}) });
    } catch (err) {
      // Nowhere to publish to: only Lambda's error count (alarmed to on-call by the stack) is left.
      monitorFailure(null, `the notifier cannot publish ${alarm.alarmName} ${alarm.state.value}: ${describeError(err)}`, ids);
      throw err;
    }
    const publisher = sns;
    const links = { region: region!, dashboardName: env[HANDLER_ENV.dashboardName] };

    let st: NotifierState;
    try {
      st = await coldStart(region!);
    } catch (err) {
      // Without the config nobody can tell whose page this is: on-call gets the raw alarm.
      const why = `the notifier could not start: ${describeError(err)}`;
      monitorFailure(null, why, { ...ids, alarmName: alarm.alarmName });
      await publishRaw(publisher, [onCall], alarm, null, why, links, left, reachedFor(alarm.key), out, ids);
      throw err;
    }
    const { config, policy } = st;
    const topics: TopicArns = topicArnsFor(config, onCall);

    const composite = compositeOf(policy, alarm.alarmName);
    if (!composite) {
      const reason = `not a paging composite alarm of the policy (expected ${alarmNamePrefix(config.environment)}<${policy.composites.map((c) => c.id).join(' | ')}>)`;
      out.info('alarm ignored', { ...ids, alarmName: alarm.alarmName, state: alarm.state.value, reason });
      return { action: 'ignored', reason, alarmName: alarm.alarmName, published: [], deliveries: [] };
    }
    // The owner's topic, those of the owners told too (an LPS vendor's page: KiAP's), and on-call's.
    const ownerTopics = [composite.owner, ...(composite.alsoNotify ?? [])].map((owner) => {
      const t = topics.byOwner.get(owner);
      if (!t) monitorFailure(config, `the config names no topic for ${owner} (not among its owners or LPS vendors); ${owner} does not get ${alarm.alarmName} on SNS`, ids);
      return t;
    });
    const targets = [...new Set([...ownerTopics, topics.onCall].filter((t): t is string => !!t))];
    const seen = reachedFor(alarm.key);

    // The page itself: results, message, SNS. Bounded by the deadline less the fallback's reserve.
    const controller = new AbortController();
    const published: NotifierResult['published'] = [];
    let notification: Notification;
    try {
      notification = await withDeadline(
        (async () => {
          const n = await compose(st, alarm, composite, due.kind, links, { signal: controller.signal, build, presignSeconds, now, out, ids });
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
        left() - reserveMs,
        () => new NotifierFailure(`the page for ${alarm.alarmName} was not out with ${reserveMs} ms of the function's time left`),
      );
    } catch (err) {
      controller.abort();
      const why = describeError(err);
      monitorFailure(config, `page for ${alarm.alarmName} ${alarm.state.value} not sent in full (${why}); the raw alarm goes out instead`, { ...ids, alarmName: alarm.alarmName });
      const rest = targets.filter((t) => !seen.full.has(t) && !seen.raw.has(t));
      await publishRaw(publisher, rest, alarm, { config, composite }, why, links, left, seen, out, ids);
      throw err instanceof Error ? err : new NotifierFailure(why);
    }

    // The channels and their metrics: the page is out on SNS by now, so nothing here throws.
    let deliveries: Delivery[];
    try {
      deliveries = await withDeadline(sendToChannels(notification, config, [notification.owner, ...(notification.alsoNotify ?? [])]), left() - 1_000, () => new NotifierFailure('the channels did not answer before the deadline'));
    } catch (err) {
      const why = describeError(err);
      deliveries = channelsFor(namedChannels(config), notification).map((c) => ({ channel: c.name, type: c.type, ok: false, status: null, attempts: 0, durationMs: 0, error: why }));
      monitorFailure(config, `channels not sent ${alarm.alarmName}: ${why}`, ids);
    }
    if (deliveries.length) {
      const at = now().toISOString();
      try {
        await withDeadline(
          st.sink.write(deliveries.map((d) => notificationRecord(config.environment, d.channel, !d.ok, at, config.aws.namespace))),
          left() - 500,
          () => new NotifierFailure('PutMetricData did not answer before the deadline'),
        );
      } catch (err) {
        monitorFailure(config, `NotificationFailed not published for ${alarm.alarmName}: ${describeError(err)}`, ids);
      }
    }
    for (const d of deliveries.filter((x) => !x.ok)) out.warn('channel not delivered', { ...ids, alarmName: alarm.alarmName, channel: d.channel, type: d.type, status: d.status ?? null, attempts: d.attempts, error: d.error ?? null });
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
  };
}

function compositeOf(policy: AlarmPolicy, alarmName: string): CompositeSpec | undefined {
  const prefix = alarmNamePrefix(policy.environment);
  if (!alarmName.startsWith(prefix)) return undefined;
  const id = alarmName.slice(prefix.length);
  return policy.composites.find((c) => c.id === id);
}

/** A placeholder for a pre-signed URL while the message is built (and CPR-masked): a signature's digits must not be taken for a CPR. */
const presignedPlaceholder = (i: number) => `<flp-presigned-${i}>`;

/** Reads the latest results, links the evidence and builds the notification. */
async function compose(
  st: NotifierState,
  alarm: AlarmEvent,
  composite: CompositeSpec,
  kind: Notification['kind'],
  links: { region: string; dashboardName: string | undefined },
  o: { signal: AbortSignal; build: (input: NotificationInput) => Notification; presignSeconds: number; now: () => Date; out: Logger; ids: Record<string, string> },
): Promise<Notification> {
  const { config } = st;
  const at = parseAlarmTime(alarm.state.timestamp) ?? parseAlarmTime(alarm.time) ?? o.now();
  const { results, failing } = await readLatest(st, o);
  const change: AlarmChange = {
    alarmId: composite.id,
    class: composite.class,
    owner: composite.owner,
    severity: composite.severity,
    state: kind === 'trigger' ? 'ALARM' : 'OK',
    at,
    runbook: pageRunbook(st.policy, composite, firingMembers(alarm.state, config.environment)),
    ...(composite.alsoNotify?.length ? { alsoNotify: composite.alsoNotify } : {}),
    ...(composite.incident ? { incident: composite.incident } : {}),
    ...(kind === 'resolve' && parseAlarmTime(alarm.previous.timestamp) ? { alarmSince: parseAlarmTime(alarm.previous.timestamp)! } : {}),
  };

  const pageLinks: { label: string; url: string }[] = [];
  if (links.dashboardName) pageLinks.push({ label: 'Dashboard', url: dashboardConsoleUrl(links.region, links.dashboardName) });
  if (config.notify.dashboardUrl) pageLinks.push({ label: 'Dashboard (yours)', url: config.notify.dashboardUrl });
  pageLinks.push({ label: 'Alarm', url: alarmConsoleUrl(links.region, alarm.alarmName) });
  // The root cause's screenshots and traces: the S3 console and a download that needs no sign-in for a day.
  const presigned: string[] = [];
  for (const r of rootResults(results, composite)) {
    for (const uri of r.artifacts) {
      const where = parseS3Uri(uri);
      if (!where) continue;
      const file = where.key.split('/').pop();
      pageLinks.push({ label: `${r.probe}: ${file} (S3 console)`, url: s3ObjectConsoleUrl(links.region, where.bucket, where.key) });
      if (st.artifacts && where.bucket === st.artifacts.bucket) {
        try {
          presigned.push(await st.artifacts.presignGet(where.key, o.presignSeconds));
          pageLinks.push({ label: `${r.probe}: ${file} (download, ${formatHours(o.presignSeconds)})`, url: presignedPlaceholder(presigned.length - 1) });
        } catch (err) {
          // The console link stays; a page is not held back for a download link.
          o.out.warn('artifact link not signed', { ...o.ids, uri, error: describeError(err) });
        }
      }
    }
  }

  // The artifacts are linked above; buildNotification would add their bare s3:// URIs again.
  const overrun = kind === 'trigger' ? await overrunOf(st, composite, at, results, failing, o) : null;
  const n = o.build({ environment: config.environment, change, results: results.map((r) => ({ ...r, artifacts: [] })), failing, links: pageLinks, ...(overrun ? { overrun } : {}) });
  if (!presigned.length) return n;
  const fill = (text: string) => presigned.reduce((t, url, i) => t.split(presignedPlaceholder(i)).join(url), text);
  return { ...n, text: fill(n.text), links: n.links.map((l) => ({ ...l, url: fill(l.url) })) };
}

/**
 * The planned maintenance window (config or run time) whose end this page follows: CloudWatch
 * runs the composite's actions when its suppressor's extension period has passed after the
 * window's end, with the failure older than that end. Reading the windows never holds a page back.
 */
async function overrunOf(
  st: NotifierState,
  composite: CompositeSpec,
  at: Date,
  results: readonly ClassifiedResult[],
  failing: ReadonlyMap<string, FailingSince>,
  o: { signal: AbortSignal; out: Logger; ids: Record<string, string> },
): Promise<{ reason: string; start: Date; end: Date } | null> {
  const root = rootResults(results, composite).map((r) => failing.get(r.probe)?.firstFailingAt.getTime()).filter((t): t is number => t !== undefined);
  if (!root.length) return null;
  const graceMs = suppressionPeriods(st.policy, composite).extensionSeconds * 1000 + OVERRUN_SLACK_MS;
  let runtime: RuntimeWindow[] = [];
  try {
    runtime = (await st.windows?.list({ abortSignal: o.signal })) ?? [];
  } catch (err) {
    o.out.warn('maintenance windows not read; the page goes out without naming an overrun', { ...o.ids, error: describeError(err) });
  }
  return overranWindow(plannedWindowsBefore(st.config.maintenance, runtime, at, graceMs), at, new Date(Math.min(...root)), graceMs);
}

/** The latest results of every enabled group, stale and missing documents left out (and logged). */
async function readLatest(
  st: NotifierState,
  o: { signal: AbortSignal; now: () => Date; out: Logger; ids: Record<string, string> },
): Promise<{ results: ClassifiedResult[]; failing: Map<string, FailingSince> }> {
  const { config } = st;
  const results: ClassifiedResult[] = [];
  const failing = new Map<string, FailingSince>();
  const store = st.latestStore;
  if (!store) {
    o.out.warn('no latest results', { ...o.ids, reason: `${HANDLER_ENV.artifactsBucket} is not set` });
    return { results, failing };
  }
  const groups = enabledGroups(config);
  const docs = await Promise.all(groups.map((g) => store.read(config.environment, g, { abortSignal: o.signal })));
  const now = o.now().getTime();
  docs.forEach((doc, i) => {
    const group = groups[i] as ProbeGroup;
    if (!isLatestResults(doc)) {
      o.out.warn('no latest results', { ...o.ids, group, uri: store.uri(config.environment, group), reason: doc.absent });
      return;
    }
    const ageMs = now - Date.parse(doc.at);
    if (ageMs > latestMaxAgeMs(config, group)) {
      o.out.warn('latest results too old, left out', { ...o.ids, group, at: doc.at, ageSeconds: Math.round(ageMs / 1000) });
      return;
    }
    results.push(...doc.results);
    for (const [probe, s] of Object.entries((doc as LatestResults).failing)) failing.set(probe, { firstFailingAt: new Date(s.firstFailingAt), runs: s.runs });
  });
  return { results, failing };
}

/**
 * The raw alarm, for when the full page could not be made: what CloudWatch said (name, state,
 * reason, time) and where to look. Published to `topics`; never throws (what fails is logged).
 */
async function publishRaw(
  publisher: SnsPublisher,
  topics: readonly string[],
  alarm: AlarmEvent,
  known: { config: Config; composite: CompositeSpec } | null,
  why: string,
  links: { region: string; dashboardName: string | undefined },
  left: () => number,
  seen: { full: Set<string>; raw: Set<string> },
  out: Logger,
  ids: Record<string, string>,
): Promise<void> {
  const targets = topics.filter((t) => !seen.raw.has(t));
  if (!targets.length) return;
  const c = known?.composite;
  const env = known?.config.environment;
  const subject = `${env ? `[FLP ${env}] ` : ''}${alarm.state.value}: ${alarm.alarmName} (raw alarm, the full page failed)`;
  const lines = [
    `${alarm.state.value}: ${alarm.alarmName}`,
    '',
    `State: ${alarm.state.value} since ${alarm.state.timestamp ?? alarm.time ?? 'unknown'}${alarm.previous.value ? ` (was ${alarm.previous.value})` : ''}`,
    `Reason: ${alarm.state.reason ?? '(none given)'}`,
    ...(c ? [`Class: ${c.class}. Owner: ${c.owner}. Severity: ${c.severity}.`, `Runbook: ${c.runbook}`] : []),
    '',
    `This is the raw alarm: the notifier could not build or send the full page (${why}).`,
    'The evidence is in the probe functions\' logs (CloudWatch Logs Insights) and on the dashboard.',
    '',
    'Links:',
    `  - Alarm: ${alarmConsoleUrl(links.region, alarm.alarmName)}`,
    ...(links.dashboardName ? [`  - Dashboard: ${dashboardConsoleUrl(links.region, links.dashboardName)}`] : []),
  ];
  const page = { subject: maskCpr(subject), message: maskCpr(lines.join('\n')) };
  const signal = AbortSignal.timeout(Math.max(1_000, left() - 500));
  const outcomes = await Promise.allSettled(
    targets.map(async (topicArn) => {
      await publisher.publish(topicArn, page, { abortSignal: signal });
      seen.raw.add(topicArn);
      return topicArn;
    }),
  );
  const failed = outcomes.map((o, i) => (o.status === 'rejected' ? `${targets[i]}: ${describeError(o.reason)}` : null)).filter((x): x is string => !!x);
  if (failed.length) out.error('raw alarm not published', { ...ids, alarmName: alarm.alarmName, failed });
  else out.warn('raw alarm published', { ...ids, alarmName: alarm.alarmName, topics: targets });
}

function formatHours(seconds: number): string {
  return seconds >= 3600 ? `${Math.round(seconds / 3600)} h` : `${Math.max(1, Math.round(seconds / 60))} min`;
}

/** The deployed notifier, with its container state. */
export const notifierHandler: NotifierHandler = createNotifierHandler();
