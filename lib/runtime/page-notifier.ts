/**
 * Pages from a local monitor (`run`, `npm start`): watches the local evaluation of the alarm
 * policy, and when a paging composite starts paging (in ALARM, not suppressed) sends the
 * trigger, and when it returns to OK sends the resolve under the same key, through the
 * configured channels, as the deployed notifier does. Every notification is kept in the store
 * (`<store.dir>/notifications/`) with what each channel answered, and each channel's delivery
 * becomes a `NotificationFailed` point, so a channel that keeps failing raises the monitor's own
 * alarm. Open incidents are read back from the store, so a restart mid-incident still resolves.
 */
import type { ChannelConfig, Config } from '../core/config.ts';
import { notificationRecord, type MetricRecord } from '../core/records.ts';
import type { ClassifiedResult } from '../core/result.ts';
import type { CompositeStatus, Evaluation } from '../alarms/evaluator.ts';
import { pageRunbook, type AlarmPolicy } from '../alarms/policy.ts';
import { localArtifactLink } from '../alarms/preview.ts';
import { ActionGate } from '../alarms/suppression.ts';
import { FailingStretches } from '../alarms/failing.ts';
import { buildNotification, notificationKey, OVERRUN_SLACK_MS, overranWindow, type Notification } from '../alarms/notification.ts';
import { plannedWindowsBefore, type RuntimeWindow } from '../core/windows.ts';
import { channelsFor, dispatch, namedChannels, resolveChannel, type ChannelTarget, type Delivery, type DispatchOptions } from '../alarms/channels.ts';
import { NotificationStore } from '../adapters/notification-store.ts';

/** One notification as sent: the message, what each channel answered, where the store keeps it. */
export interface SentNotification {
  notification: Notification;
  deliveries: Delivery[];
  file: string;
}

export interface PageNotifierDeps {
  /** Sends to the channels' targets. Default: {@link dispatch}. */
  send?: (n: Notification, targets: readonly ChannelTarget[], options?: DispatchOptions) => Promise<Delivery[]>;
  /** Receives each delivery's `NotificationFailed` point (the local store, the evaluator). */
  record?: (records: MetricRecord[]) => Promise<void>;
  /** Delivery timing (tests make retries quick). */
  dispatchOptions?: DispatchOptions;
  /** The run-time maintenance windows (the local store), read when a page goes out: a page right after a window's planned end says it overran. */
  windows?: { list(): Promise<RuntimeWindow[]> };
}

export class PageNotifier {
  readonly #config: Config;
  readonly #store: NotificationStore;
  readonly #deps: PageNotifierDeps;
  readonly #stretches = new FailingStretches();
  readonly #gate: ActionGate;
  readonly #policy: AlarmPolicy;
  /** Open incidents: key → when the trigger went out. */
  readonly #open = new Map<string, Date>();
  /** One evaluation at a time: two probe groups finishing together must not page twice. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(config: Config, policy: AlarmPolicy, store: NotificationStore, deps: PageNotifierDeps) {
    this.#config = config;
    this.#policy = policy;
    // Locally an evaluation follows every run: it sees a period at most one tick of the fastest schedule late.
    this.#gate = new ActionGate(policy, Math.min(config.schedule.syncSeconds, config.schedule.nodesSeconds));
    this.#store = store;
    this.#deps = deps;
  }

  /** A notifier for `config` and the policy the local evaluator runs, its open incidents read back from the store. */
  static async create(config: Config, policy: AlarmPolicy, deps: PageNotifierDeps = {}): Promise<PageNotifier> {
    const store = new NotificationStore(config.store.dir);
    const notifier = new PageNotifier(config, policy, store, deps);
    for (const [key, e] of await store.open()) notifier.#open.set(key, new Date(e.notification.at));
    return notifier;
  }

  /** Takes a probe group's results: how long each probe has failed goes into the next page. */
  observe(results: readonly ClassifiedResult[]): void {
    this.#stretches.observe(results);
  }

  /** Sends what the evaluation's changes call for; returns what was sent. */
  evaluate(evaluation: Evaluation, latest: readonly ClassifiedResult[]): Promise<SentNotification[]> {
    const next = this.#queue.then(() => this.#evaluate(evaluation, latest));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #evaluate(evaluation: Evaluation, latest: readonly ClassifiedResult[]): Promise<SentNotification[]> {
    const sent: SentNotification[] = [];
    const actions = this.#gate.update(evaluation);
    for (const c of evaluation.composites) {
      // An LPS vendor's composite is an incident of its own (`flp-<env>-lps-<vendor>`), one per vendor.
      const key = notificationKey(this.#config.environment, c.spec.class, c.spec.severity, c.spec.incident);
      const paging = actions.get(c.spec.id) === 'paging';
      const since = this.#open.get(key);
      if (paging && !since) {
        sent.push(await this.#send(c, 'ALARM', evaluation.at, latest));
        this.#open.set(key, evaluation.at);
      } else if (c.state === 'OK' && since) {
        sent.push(await this.#send(c, 'OK', evaluation.at, latest, since));
        this.#open.delete(key);
      }
    }
    return sent;
  }

  async #send(c: CompositeStatus, state: 'ALARM' | 'OK', at: Date, latest: readonly ClassifiedResult[], alarmSince?: Date): Promise<SentNotification> {
    const config = this.#config;
    const overrun = state === 'ALARM' ? await this.#overrun(c, at) : null;
    const notification = buildNotification({
      environment: config.environment,
      change: {
        alarmId: c.spec.id,
        class: c.spec.class,
        owner: c.spec.owner,
        severity: c.spec.severity,
        state,
        at,
        runbook: pageRunbook(this.#policy, c.spec, c.firing),
        ...(alarmSince ? { alarmSince } : {}),
        // The owners told too (an LPS vendor's page: KiAP): their channels carry it beside the owner's.
        ...(c.spec.alsoNotify?.length ? { alsoNotify: c.spec.alsoNotify } : {}),
        ...(c.spec.incident ? { incident: c.spec.incident } : {}),
      },
      results: latest,
      failing: this.#stretches.current,
      links: config.notify.dashboardUrl ? [{ label: 'dashboard', url: config.notify.dashboardUrl }] : [],
      artifactLink: localArtifactLink(config),
      ...(overrun ? { overrun } : {}),
    });
    return this.#keepAndDeliver(notification);
  }

  /** The planned window this page comes right after (its end plus the extension period), the failure older than its end. */
  async #overrun(c: CompositeStatus, at: Date): Promise<{ reason: string; start: Date; end: Date } | null> {
    const since = this.#gate.alarmSince(c.spec.id) ?? at;
    const graceMs = this.#gate.extensionMs(c.spec.id) + OVERRUN_SLACK_MS;
    let runtime: RuntimeWindow[] = [];
    try {
      runtime = (await this.#deps.windows?.list()) ?? [];
    } catch {
      // A page is never held back for the windows: it goes out without the word.
    }
    return overranWindow(plannedWindowsBefore(this.#config.maintenance, runtime, at, graceMs), at, since, graceMs);
  }

  async #keepAndDeliver(notification: Notification, channels?: readonly (ChannelConfig & { name: string })[]): Promise<SentNotification> {
    // Kept before it is sent: a process stopped mid-delivery still has the page in its store.
    const file = await this.#store.append({ notification, deliveries: [] });
    const deliveries = await this.deliver(notification, channels);
    await this.#store.append({ notification, deliveries });
    return { notification, deliveries, file };
  }

  /**
   * Sends a notification that no composite raised (a release verdict) to the channels of each
   * of `owners`, keeping it like any page. A trigger opens its incident; a notice for an open
   * incident resolves it first, under the same key.
   */
  async notify(notification: Notification, owners: readonly string[]): Promise<SentNotification[]> {
    const next = this.#queue.then(async () => {
      const all = namedChannels(this.#config);
      const chosen = all.filter((c) => owners.some((owner) => channelsFor([c], { owner, severity: notification.severity }).length));
      const sent: SentNotification[] = [];
      if (notification.kind !== 'trigger' && this.#open.has(notification.key)) {
        const since = this.#open.get(notification.key)!;
        const lasted = Math.round((Date.parse(notification.at) - since.getTime()) / 60_000);
        const resolve: Notification = { ...notification, kind: 'resolve', subject: `[FLP ${this.#config.environment}] resolved: ${notification.class} · ${notification.owner} · lasted ${lasted} min`.slice(0, 100) };
        sent.push(await this.#keepAndDeliver(resolve, chosen));
        this.#open.delete(notification.key);
      }
      if (notification.kind === 'trigger') this.#open.set(notification.key, new Date(notification.at));
      if (notification.kind !== 'resolve') sent.push(await this.#keepAndDeliver(notification, chosen));
      return sent;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Sends one notification through the channels that carry it (or those given) and records each
   * delivery's metric. A channel that cannot be used here (its URL only in a secret) is a failed delivery
   * that says so.
   */
  async deliver(notification: Notification, channels: readonly (ChannelConfig & { name: string })[] = channelsFor(namedChannels(this.#config), notification)): Promise<Delivery[]> {
    const targets: ChannelTarget[] = [];
    const unusable: Delivery[] = [];
    for (const ch of channels) {
      try {
        targets.push(resolveChannel(ch));
      } catch (err) {
        const why = ch.secretName && !ch.url && !ch.routingKey ? `${(err as Error).message}: the secret is read only in AWS; set url${ch.type === 'pagerduty' ? ' or routingKey' : ''} for local use` : (err as Error).message;
        unusable.push({ channel: ch.name, type: ch.type, ok: false, status: null, attempts: 0, durationMs: 0, error: why });
      }
    }
    const send = this.#deps.send ?? dispatch;
    const deliveries = [...(targets.length ? await send(notification, targets, this.#deps.dispatchOptions) : []), ...unusable];
    // At the page's own time: the evaluation that sent it and the channel's alarm see the same period.
    const { environment, aws } = this.#config;
    await this.#deps.record?.(deliveries.map((d) => notificationRecord(environment, d.channel, !d.ok, notification.at, aws.namespace)));
    return deliveries;
  }
}
