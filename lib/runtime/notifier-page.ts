/**
 * The notifier's build step: the page for a paging composite's change of state, from the
 * latest results every probe function left in S3 (stale and missing documents left out), the
 * links (the dashboard, the alarm, and each root cause's screenshot and trace: the S3 console
 * and a pre-signed download valid at most a day, the bucket staying private), and a maintenance
 * window it follows when one overran. The words come from the one place that words a page
 * (lib/alarms/notification.ts).
 */
import { OVERRUN_SLACK_MS, overranWindow, rootResults, type AlarmChange, type FailingSince, type Notification, type NotificationInput } from '../alarms/notification.ts';
import { pageRunbook, type AlarmPolicy, type CompositeSpec } from '../alarms/policy.ts';
import { suppressionPeriods } from '../alarms/suppression.ts';
import { alarmConsoleUrl, dashboardConsoleUrl, parseS3Uri, s3ObjectConsoleUrl } from '../core/console-links.ts';
import type { Logger } from '../core/context.ts';
import { alarmNamePrefix, enabledGroups, type ProbeGroup } from '../core/contract.ts';
import { describeError } from '../core/format.ts';
import { latestMaxAgeMs, type LatestResults } from '../core/latest-results.ts';
import type { ClassifiedResult } from '../core/result.ts';
import { plannedWindowsBefore, type RuntimeWindow } from '../core/windows.ts';
import { isLatestResults } from '../adapters/latest-results-s3.ts';
import { HANDLER_ENV } from './handler-env.ts';
import { firingMembers, parseAlarmTime, type AlarmEvent } from './notifier-event.ts';
import type { NotifierState } from './notifier-state.ts';

/** Where a page's links point: the function's region and the stack's dashboard, if it has one. */
export interface PageLinks {
  region: string;
  dashboardName: string | undefined;
}

/** The paging composite of the policy an alarm name is, if any. */
export function compositeOf(policy: AlarmPolicy, alarmName: string): CompositeSpec | undefined {
  const prefix = alarmNamePrefix(policy.environment);
  if (!alarmName.startsWith(prefix)) return undefined;
  const id = alarmName.slice(prefix.length);
  return policy.composites.find((c) => c.id === id);
}

/** A placeholder for a pre-signed URL while the message is built (and CPR-masked): a signature's digits must not be taken for a CPR. */
const presignedPlaceholder = (i: number) => `<flp-presigned-${i}>`;

/** Reads the latest results, links the evidence and builds the notification. */
export async function compose(
  st: NotifierState,
  alarm: AlarmEvent,
  composite: CompositeSpec,
  kind: Notification['kind'],
  links: PageLinks,
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

function formatHours(seconds: number): string {
  return seconds >= 3600 ? `${Math.round(seconds / 3600)} h` : `${Math.max(1, Math.round(seconds / 60))} min`;
}
