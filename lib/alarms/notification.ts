/**
 * The message a page carries, built in one place: from the paging alarm that changed state and
 * the latest classified result of every probe, a notification that says what broke and whose job
 * it is — a subject naming environment, class, owner and the cause in words, since when, the
 * evidence of the root cause one line per failing probe, the symptoms it holds back by class —
 * and, when the alarm returns to OK, the resolved message under the same key. Channels (e-mail,
 * PagerDuty, Slack, Teams) render this one object; none of them words a cause of its own.
 * Everything in it has passed through the CPR mask.
 */
import { PRECEDENCE } from '../core/classify.ts';
import { describeNetworkCode, formatAge } from '../core/format.ts';
import { maskCpr } from '../core/privacy.ts';
import type { ClassifiedResult, Evidence, FailureClass } from '../core/result.ts';

/** The longest subject: a pager's summary line, a mail's subject, a chat header. */
export const SUBJECT_MAX = 100;

/** A paging composite alarm's change of state, as CloudWatch or the local evaluator reports it. */
export interface AlarmChange {
  /** The composite's id in the alarm policy (`infrastructure-page`). */
  alarmId: string;
  class: FailureClass;
  owner: string;
  severity: 'page' | 'warning';
  state: 'ALARM' | 'OK';
  /** When the state changed. */
  at: Date;
  /** What to check first (the alarm's runbook text). */
  runbook?: string;
  /** When the alarm went into ALARM: on a resolve, how long it lasted. */
  alarmSince?: Date;
  /** Owners told too, besides `owner` (an LPS vendor's page: KiAP). */
  alsoNotify?: readonly string[];
  /** The composite's own incident, when it is not its class's (`lps-medsign-aps`). */
  incident?: string;
}

/** How long a probe has been failing, from the record of its runs. */
export interface FailingSince {
  /** The first failing run of the current stretch. */
  firstFailingAt: Date;
  /** Failing runs in the stretch. */
  runs: number;
}

export interface NotificationInput {
  environment: string;
  change: AlarmChange;
  /** The latest classified result of every probe. */
  results: readonly ClassifiedResult[];
  /** Per probe id, its current failing stretch, where the record knows it. */
  failing?: ReadonlyMap<string, FailingSince>;
  /** Links a deployment adds: the dashboard. */
  links?: readonly { label: string; url: string }[];
  /** The planned maintenance window whose end this page comes right after, with FLP still failing: the page says it overran. */
  overrun?: { reason: string; start: Date; end: Date };
  /** The links of one artifact as a result names it (a local path, an `s3://` URI): a file path, a console link and a pre-signed URL. Default: the artifact as it is. */
  artifactLink?: (artifact: string) => { label: string; url: string }[];
}

export interface Notification {
  /** One incident per environment and class: a trigger and its resolve share it (PagerDuty's dedup_key). */
  key: string;
  /** `notice`: news that opens no incident (a release verified); PagerDuty gets it as a change event. */
  kind: 'trigger' | 'resolve' | 'notice';
  severity: 'page' | 'warning';
  class: FailureClass;
  owner: string;
  /** Owners told too: their channels carry the page beside the owner's (an LPS vendor's page: KiAP). */
  alsoNotify?: string[];
  environment: string;
  subject: string;
  /** The cause in words, as in the subject. */
  cause: string;
  at: string;
  since?: { first: string; copenhagen: string; utc: string; runs: number };
  /** Root cause: one line per failing probe of the alarm's class. */
  evidence: string[];
  /** What the root cause holds back, by class, in precedence order. */
  symptoms: { class: FailureClass; lines: string[] }[];
  links: { label: string; url: string }[];
  runbook?: string;
  /** "maintenance 'release 2026.4.2' planned 01:00–04:00 overran: FLP still failing at 04:05", when the page comes at a window's end. */
  overrun?: string;
  /** The whole message as plain text (e-mail, the store, a terminal). */
  text: string;
}

/**
 * The incident a notification belongs to: one per environment and class (`flp-prod-sync`), a
 * trigger and its resolve sharing it. Warnings of a class are an incident of their own
 * (`flp-prod-application-warning`): a slow step is not the failing application. A composite
 * that names its own incident has that key: an LPS vendor's page is one incident per vendor
 * (`flp-prod-lps-medsign-aps`), never one for every vendor.
 */
export function notificationKey(environment: string, cls: FailureClass, severity: 'page' | 'warning', incident?: string): string {
  if (incident) return `flp-${environment}-${incident}`;
  return `flp-${environment}-${cls}${severity === 'warning' ? '-warning' : ''}`;
}

/** The results a page is about: the failures of its class, and of an `lps` page only its own vendor's. */
export function rootResults(results: readonly ClassifiedResult[], change: Pick<AlarmChange, 'class' | 'owner'>): ClassifiedResult[] {
  return results.filter((r) => !r.ok && r.class === change.class && (change.class !== 'lps' || r.owner === change.owner));
}

/** Builds the trigger (alarm in ALARM) or resolve (back to OK) notification. */
export function buildNotification(input: NotificationInput): Notification {
  const { environment, change } = input;
  const failing = input.results.filter((r) => !r.ok && r.class);
  const root = rootResults(failing, change);
  const alsoNotify = [...new Set(change.alsoNotify ?? [])].filter((o) => o !== change.owner);
  const cause = root.length ? causeOf(root) : `no ${change.class} failure in the latest runs`;
  const kind = change.state === 'ALARM' ? 'trigger' : 'resolve';
  const lasted = change.alarmSince ? formatAge((change.at.getTime() - change.alarmSince.getTime()) / 1000) : null;
  const overrun = kind === 'trigger' && input.overrun ? overrunWords(input.overrun, change.at) : null;
  // Class and owner lead even then: the window's name and hours are the words that get cut.
  const overranLead = input.overrun ? `'${input.overrun.reason}' overran ${CPH_TIME.format(input.overrun.end)}: ` : '';
  const subject =
    kind === 'trigger'
      ? clip(`[FLP ${environment}] ${change.class} · ${change.owner} · ${overrun ? overranLead : ''}${cause}`)
      : clip(`[FLP ${environment}] resolved: ${change.class} · ${change.owner}${lasted ? ` · lasted ${lasted}` : ''}`);
  const since = sinceOf(root, input.failing);
  const evidence = [...root].sort((a, b) => probeOrder(a) - probeOrder(b)).map(evidenceLine);
  const symptoms = PRECEDENCE.filter((c) => c !== change.class)
    .map((c) => ({ class: c, lines: failing.filter((r) => r.class === c).map(evidenceLine) }))
    .filter((s) => s.lines.length);
  const artifactLink = input.artifactLink ?? ((a: string) => [{ label: a.split('/').pop()!, url: a }]);
  const links = [...(input.links ?? []), ...root.flatMap((r) => r.artifacts.flatMap((a) => artifactLink(a).map((l) => ({ label: `${r.probe}: ${l.label}`, url: l.url }))))];
  const notification: Omit<Notification, 'text'> = {
    key: notificationKey(environment, change.class, change.severity, change.incident),
    kind,
    severity: change.severity,
    class: change.class,
    owner: change.owner,
    ...(alsoNotify.length ? { alsoNotify } : {}),
    environment,
    subject,
    cause,
    at: change.at.toISOString(),
    ...(since ? { since } : {}),
    evidence,
    symptoms,
    links,
    ...(change.runbook ? { runbook: change.runbook } : {}),
    ...(overrun ? { overrun } : {}),
  };
  return mask({ ...notification, text: textOf(notification, lasted) });
}

/**
 * The message `notify test` sends through each channel: a page of the monitor's owner that says
 * it is a test and that nothing is broken, under a key of its own (`flp-<env>-test`).
 */
export function testNotification(environment: string, owner: string, at: Date, kind: 'trigger' | 'resolve' = 'trigger'): Notification {
  const n: Omit<Notification, 'text'> = {
    key: `flp-${environment}-test`,
    kind,
    severity: 'page',
    class: 'monitor',
    owner,
    environment,
    subject: kind === 'trigger' ? `[FLP ${environment}] test · ${owner} · a test page from flp-monitor notify test: nothing is broken` : `[FLP ${environment}] resolved: test · ${owner}`,
    cause: 'a test page from flp-monitor notify test: nothing is broken',
    at: at.toISOString(),
    evidence: [`sent by flp-monitor notify test at ${at.toISOString()}; if you read this, the channel works`],
    symptoms: [],
    links: [],
  };
  return { ...n, subject: clip(n.subject), text: textOf(n, null) };
}

/**
 * The cause in words: the same finding on several probes is said once with their names
 * ("database down on flp-1, flp-2, flp-3"), different findings are joined with "; ".
 */
export function causeOf(results: readonly ClassifiedResult[]): string {
  // The direct checks say it most plainly (and name the servers); the journey's own finding is
  // the cause only when it alone saw it (stale data on the page, a broken print). Its line stays
  // in the evidence either way.
  const direct = results.filter((r) => r.kind !== 'journey');
  const byFinding = new Map<string, string[]>();
  for (const r of [...(direct.length ? direct : results)].sort((a, b) => probeOrder(a) - probeOrder(b))) {
    const finding = findingOf(r);
    byFinding.set(finding, [...(byFinding.get(finding) ?? []), subjectName(r)]);
  }
  return [...byFinding.entries()].map(([finding, where]) => (finding.includes('{where}') ? finding.replace('{where}', where.join(', ')) : finding)).join('; ');
}

/** Servers first, then the load balancer, sync sources, the release check, the journey last: the most direct evidence leads. */
function probeOrder(r: ClassifiedResult): number {
  return ['node', 'sync', 'release', 'launch', 'lps', 'journey'].indexOf(r.kind) * 2 + (r.probe === 'lb' ? 1 : 0);
}

/** The root cause's own finding for one failed probe, `{where}` standing for the probes that saw it. */
function findingOf(r: ClassifiedResult): string {
  const e = rootEvidence(r);
  if (!e) return `${r.probe} failed`;
  switch (e.type) {
    case 'database-down':
      return 'database down on {where}';
    case 'network':
      return `${describeNetworkCode(e.code, e.message)} (${e.code}) on {where}`;
    case 'tls':
      return `TLS certificate refused (${e.code}) on {where}`;
    case 'timeout':
      return e.phase === 'first-byte' ? 'no answer on {where}' : e.phase === 'body' ? 'answers that never finish on {where}' : `a step too slow on {where}`;
    case 'http-status':
      if (r.kind === 'sync') return `{where} sync status answered ${e.status}`;
      const who = e.origin === 'proxy' ? 'the gateway' : 'the application';
      return r.kind === 'journey' ? `${stepWords(r)}: ${e.status} from ${who}` : `${e.status} from ${who} on {where}`;
    case 'sync-failed':
      return `{where} sync failed${e.error ? `: ${e.error}` : ''}`;
    case 'sync-stale':
      return e.where === 'page' ? `${stepWords(r)}: ${e.source} data ${formatAge(e.lagSeconds)} old on the page (limit ${e.maxLagMinutes} min)` : `{where} data ${formatAge(e.lagSeconds)} old (limit ${e.maxLagMinutes} min)`;
    case 'sync-malformed':
      return '{where} sync status malformed';
    case 'version-drift':
      return `versions differ: ${versionsWords(e.versions, e.expected)}`;
    case 'launch-refused':
      return `FLP refuses ${e.vendor}'s certified ${e.system} launch: ${e.status}${e.reason ? ` ${e.reason}` : ''}`;
    case 'lps-refused':
      return e.scope === 'system'
        ? `${e.vendor}'s ${e.system} launches refused: ${e.rejected} of ${e.launches} in ${e.windowMinutes} min (${e.percent} %)${e.lastRejected?.reason ? `, last ${e.lastRejected.status} ${e.lastRejected.reason}` : ''}; its certified launch is accepted`
        : e.scope === 'every-system'
          ? `every LPS system's real launches refused (${e.system} ${e.percent} %)`
          : `${e.system} real launches refused along with its certified launch (${e.percent} %)`;
    case 'monitor':
      return `the monitor failed: ${e.message}`;
    case 'missing-element':
      return `${stepWords(r)}: ${e.description} missing`;
    case 'app-error-shown':
      return `${stepWords(r)}: the app showed "${e.text.slice(0, 60)}"`;
    case 'page-error':
      return `${stepWords(r)}: script error "${e.message.slice(0, 60)}"`;
    case 'request-failed':
      return `${stepWords(r)}: ${e.status ? `${e.status} from ${e.method} ${pathOf(e.url)}` : `${e.method} ${pathOf(e.url)} ${e.failure ?? 'failed'}`}`;
    case 'bad-response':
      return `${stepWords(r)}: ${e.problem}`;
    default:
      return `${stepWords(r)} failed`;
  }
}

/** The evidence that decided the probe's class (the first of that class). */
function rootEvidence(r: ClassifiedResult): Evidence | undefined {
  const order: Evidence['type'][] = ['database-down', 'tls', 'network', 'version-drift', 'launch-refused', 'lps-refused', 'sync-failed', 'sync-stale', 'sync-malformed', 'http-status', 'timeout', 'bad-response', 'request-failed', 'missing-element', 'app-error-shown', 'page-error', 'monitor'];
  return [...r.evidence].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type))[0];
}

/** How a probe is named in a cause: a node or source by its own name, the load balancer as such. */
function subjectName(r: ClassifiedResult): string {
  if (r.probe === 'lb') return 'the load balancer';
  if (r.kind === 'journey') return 'the journey';
  const [, name] = r.probe.split(':');
  return name ?? r.probe;
}

function failedStep(r: ClassifiedResult): string | undefined {
  return r.steps.find((s) => s.status === 'failed')?.name;
}

/** The journey's failing step, short enough for a subject ("journey print"), or the probe. */
function stepWords(r: ClassifiedResult): string {
  const step = failedStep(r) ?? (r.kind === 'journey' ? r.summary.match(/^([a-z-]+):/)?.[1] : undefined);
  return step ? `journey ${step}` : r.kind === 'journey' ? 'the journey' : r.probe;
}

/** A request's path without its query (a query may carry a patient's identifiers). */
function pathOf(url: string): string {
  return URL.canParse(url) ? new URL(url).pathname : url.split('?')[0]!;
}

function versionsWords(versions: Record<string, string>, expected?: string): string {
  const byVersion = new Map<string, string[]>();
  for (const [node, v] of Object.entries(versions)) byVersion.set(v, [...(byVersion.get(v) ?? []), node]);
  // The nodes off the expected version lead: they are the ones to fix.
  const off = [...byVersion.entries()].filter(([v]) => v !== expected);
  const parts = off.map(([v, nodes]) => `${nodes.join(', ')} on ${v}`);
  if (!expected) return parts.join('; ');
  const on = byVersion.get(expected);
  return `${parts.join('; ')}, not ${expected}${on ? ` (${on.join(', ')} ${on.length === 1 ? 'is' : 'are'})` : ''}`;
}

/** One line of evidence: the probe, its summary (status codes with who answered, codes, lag, versions, the failing step). */
function evidenceLine(r: ClassifiedResult): string {
  const attempts = r.attempts > 1 ? ` (after ${r.attempts} attempts)` : '';
  return `${r.probe}: ${r.summary}${attempts}`;
}

function sinceOf(root: readonly ClassifiedResult[], failing?: ReadonlyMap<string, FailingSince>): Notification['since'] | undefined {
  const stretches = root.map((r) => failing?.get(r.probe)).filter((s): s is FailingSince => !!s);
  if (!stretches.length) return undefined;
  const first = new Date(Math.min(...stretches.map((s) => s.firstFailingAt.getTime())));
  return { first: first.toISOString(), copenhagen: copenhagen(first), utc: `${first.toISOString().slice(0, 16).replace('T', ' ')} UTC`, runs: Math.max(...stretches.map((s) => s.runs)) };
}

const COPENHAGEN = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' });

/** `2026-12-01 03:05 CET`: the time on-call's own clock shows. */
function copenhagen(at: Date): string {
  const p = Object.fromEntries(COPENHAGEN.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

const CPH_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Copenhagen', hour: '2-digit', minute: '2-digit', hour12: false });

/** `maintenance 'release 2026.4.2' planned 01:00–04:00 overran: FLP still failing at 04:05` (Copenhagen time). */
function overrunWords(w: { reason: string; start: Date; end: Date }, at: Date): string {
  return `maintenance '${w.reason}' planned ${CPH_TIME.format(w.start)}–${CPH_TIME.format(w.end)} overran: FLP still failing at ${CPH_TIME.format(at)}`;
}

/** How late after a window's end plus the extension period a page still counts as its overrun (an evaluation's own pace). */
export const OVERRUN_SLACK_MS = 5 * 60_000;

/**
 * The planned window a page overran: one whose planned end has passed within `graceMs` of
 * `at`, while the failure began before that end. Windows closed early by hand are not overrun.
 */
export function overranWindow<W extends { start: Date; end: Date }>(windows: readonly W[], at: Date, failingSince: Date, graceMs: number): W | null {
  return windows.filter((w) => w.end <= at && at.getTime() - w.end.getTime() <= graceMs && failingSince < w.end).at(-1) ?? null;
}

/** `text` cut to `max` characters (default {@link SUBJECT_MAX}), ending in "…" when cut. */
export function clip(text: string, max: number = SUBJECT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The line that says how many lines a list left out: "… and 12 more", "… and 3 more links". */
export function moreWords(count: number, noun?: string): string {
  return `… and ${count} more${noun ? ` ${noun}` : ''}`;
}

const MORE_LINE = /^… and (\d+) more(?: [a-z]+)?$/;

/**
 * A list's own lines, and how many it already left out: a list may end in its own "… and N
 * more" line (a release notice is cut at 100 checks), which a channel that cuts the list further
 * adds to its own count rather than show as a line, so the reader gets one count and the right one.
 */
export function countedLines(list: readonly string[]): { lines: readonly string[]; left: number } {
  const m = MORE_LINE.exec(list.at(-1) ?? '');
  return m ? { lines: list.slice(0, -1), left: Number(m[1]) } : { lines: list, left: 0 };
}

/**
 * How every list of a message is cut: its first `max` lines, each cut at `lineMax` characters
 * (default: not cut), and a last line saying how many were left out ({@link moreWords}), counting
 * those the list had already left out ({@link countedLines}).
 */
export function capLines(list: readonly string[], max: number, lineMax = Infinity, noun?: string): string[] {
  const { lines, left } = countedLines(list);
  const shown = lines.slice(0, max).map((l) => clip(l, lineMax));
  const more = left + lines.length - shown.length;
  return more ? [...shown, moreWords(more, noun)] : shown;
}

function textOf(n: Omit<Notification, 'text'>, lasted: string | null): string {
  const lines = [n.subject, ''];
  if (n.kind === 'resolve') lines.push(`Resolved at ${n.at}${lasted ? ` after ${lasted}` : ''}. Was: ${n.cause}.`, '');
  else {
    if (n.overrun) lines.push(`Maintenance overran: ${n.overrun}. The page is no longer held back.`, '');
    lines.push(`What broke: ${n.cause}`, `Whose job: ${n.owner} (${n.class})${n.alsoNotify?.length ? `; told too: ${n.alsoNotify.join(', ')}` : ''}`);
    if (n.since) lines.push(`Since: ${n.since.copenhagen} (${n.since.utc}), ${n.since.runs} failing ${n.since.runs === 1 ? 'run' : 'runs'}`);
    lines.push('', 'Evidence:', ...n.evidence.map((l) => `  - ${l}`));
    if (n.symptoms.length) lines.push('', 'Held back as symptoms of it:', ...n.symptoms.flatMap((s) => s.lines.map((l) => `  - ${s.class}: ${l}`)));
  }
  if (n.links.length) lines.push('', 'Links:', ...n.links.map((l) => `  - ${l.label}: ${l.url}`));
  if (n.runbook) lines.push('', `Runbook: ${n.runbook}`);
  return lines.join('\n');
}

/** Every string through the CPR mask: a summary may quote a URL that carried it. */
function mask<T>(value: T): T {
  return JSON.parse(maskCpr(JSON.stringify(value))) as T;
}

