/**
 * The CI reporters of `run --once` and `canary`: the same report as JUnit XML (for a CI's test
 * report view) or as GitHub Actions workflow commands (annotations on the run). Pure functions
 * from a report to text; writing the text is the command's business.
 *
 * JUnit: one `<testsuite>` per probe group (`journey`, `nodes`, `sync`) or canary check kind
 * (`release`, `probe`, `latency`), one `<testcase>` per probe or check, in the shape of the
 * Jenkins xUnit plugin's `junit-10.xsd` (the schema CI tools read): a failure of flp-monitor
 * itself (class `monitor`) is an `<error>`, every other failure a `<failure>`, a check that could
 * not judge (a latency check without a baseline) `<skipped>`.
 *
 * GitHub: `::error title=<probe> (<class> · <owner>)::<summary>` per failure, `::warning` per
 * skipped check, and a last `::notice` with the verdict line, escaped as GitHub's toolkit does.
 */
import path from 'node:path';
import { describeStatus } from '../core/format.ts';
import { groupOfProbe, PROBE_GROUPS } from '../core/contract.ts';
import { maskCpr } from '../core/privacy.ts';
import type { ClassifiedResult, Evidence, RunReport } from '../core/result.ts';
import type { CanaryCheck, CanaryReport, CheckKind } from '../reports/canary.ts';
import { UsageError } from './errors.ts';
import { canaryVerdictLine, statusOf, verdictLine } from './output.ts';

export const REPORTERS = ['junit', 'github'] as const;
export type ReporterName = (typeof REPORTERS)[number];

/** What a run report does not carry itself. */
export interface ReportContext {
  /** `config.environment`; a canary report names its own. */
  environment?: string;
  /** `config.artifacts.dir`: artifacts are named with it in a failure's body. */
  artifactsDir?: string;
}

/**
 * The usage rules of `--reporter` and `--out`, before anything runs: `--reporter` excludes
 * `--json`, `--out` needs `--reporter`. Returns the reporter (or null when none was asked for).
 */
export function reporterUsage(opts: { reporter?: string; out?: string; json?: boolean }): { reporter: ReporterName; out?: string } | null {
  if (opts.reporter !== undefined && opts.json) throw new UsageError('--reporter and --json exclude each other: give one');
  if (opts.out !== undefined && opts.reporter === undefined) throw new UsageError('--out needs --reporter junit or --reporter github: it names the file the report goes to');
  if (opts.reporter === undefined) return null;
  if (!(REPORTERS as readonly string[]).includes(opts.reporter)) throw new UsageError(`--reporter must be one of ${REPORTERS.join(', ')}, not "${opts.reporter}"`);
  if (opts.out !== undefined && opts.out.trim() === '') throw new UsageError('--out needs a file name');
  return { reporter: opts.reporter as ReporterName, ...(opts.out !== undefined ? { out: opts.out } : {}) };
}

/** The report in the named format. */
export function renderReport(reporter: ReporterName, report: RunReport | CanaryReport, context: ReportContext = {}): string {
  return reporter === 'junit' ? junitXml(report, context) : githubAnnotations(report);
}

// ---------------------------------------------------------------------------------------------
// JUnit XML

/** One testcase, whatever it came from. */
interface Case {
  classname: string;
  name: string;
  seconds: number;
  outcome: { kind: 'failure' | 'error' | 'skipped'; type?: string; message: string; body: string[] } | null;
}

interface Suite {
  name: string;
  cases: Case[];
  /** The suite's own time; the sum of its cases when absent. */
  seconds?: number;
}

function isCanary(report: RunReport | CanaryReport): report is CanaryReport {
  return 'checks' in report;
}

/**
 * The report as one JUnit XML document (`<testsuites>`), ending in a newline. Every string is
 * masked once more for CPR numbers (the monitor masks results already; this is a second guard).
 */
export function junitXml(report: RunReport | CanaryReport, context: ReportContext = {}): string {
  const canary = isCanary(report);
  const suites = canary ? canarySuites(report) : runSuites(report, context);
  const verdict = canary
    ? { pass: report.verdict.pass, class: report.verdict.failing?.class ?? null, owner: report.verdict.failing?.owner ?? null, line: canaryVerdictLine(report) }
    : { pass: report.ok, class: report.verdict.class, owner: report.verdict.owner, line: verdictLine(report.verdict) };
  const environment = canary ? report.environment : (context.environment ?? 'unknown');
  const properties: [string, string][] = [
    ['environment', environment],
    ...(canary ? ([['version', report.version]] as [string, string][]) : []),
    ['verdict', verdict.pass ? 'pass' : 'fail'],
    ['verdict.class', verdict.class ?? 'none'],
    ['verdict.owner', verdict.owner ?? 'none'],
    ['verdict.summary', verdict.line],
    ['startedAt', report.startedAt],
  ];
  const timestamp = report.startedAt.replace(/\.\d+(?=Z$)/, '');
  const count = (cases: readonly Case[], kind: 'failure' | 'error' | 'skipped') => cases.filter((c) => c.outcome?.kind === kind).length;
  const all = suites.flatMap((s) => s.cases);
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({
      name: canary ? `flp-monitor canary ${report.version} (${environment})` : `flp-monitor run (${environment})`,
      tests: all.length,
      failures: count(all, 'failure'),
      errors: count(all, 'error'),
      time: seconds(report.durationMs / 1000),
    })}>`,
  ];
  for (const suite of suites) {
    const suiteSeconds = suite.seconds ?? suite.cases.reduce((t, c) => t + c.seconds, 0);
    lines.push(
      `  <testsuite${attrs({
        name: suite.name,
        tests: suite.cases.length,
        failures: count(suite.cases, 'failure'),
        errors: count(suite.cases, 'error'),
        skipped: count(suite.cases, 'skipped'),
        time: seconds(suiteSeconds),
        timestamp,
      })}>`,
      '    <properties>',
      ...properties.map(([name, value]) => `      <property${attrs({ name, value })}/>`),
      '    </properties>',
    );
    for (const c of suite.cases) {
      const open = `    <testcase${attrs({ classname: c.classname, name: c.name, time: seconds(c.seconds) })}`;
      if (!c.outcome) {
        lines.push(`${open}/>`);
        continue;
      }
      const o = c.outcome;
      const body = o.body.length ? `${escapeText(o.body.join('\n'))}\n` : '';
      lines.push(`${open}>`, `      <${o.kind}${attrs({ message: o.message, ...(o.type ? { type: o.type } : {}) })}>${body}</${o.kind}>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** Seconds as JUnit readers take them (the schema's SUREFIRE_TIME): `1.234`, never negative or exponential. */
function seconds(s: number): string {
  return (Number.isFinite(s) && s > 0 ? s : 0).toFixed(3);
}

function runSuites(report: RunReport, context: ReportContext): Suite[] {
  const groups = new Map<string, Case[]>();
  for (const g of PROBE_GROUPS) groups.set(g, []);
  for (const r of report.results) {
    const group = groupOfProbe(r.probe) ?? r.kind;
    groups.set(group, [...(groups.get(group) ?? []), probeCase(r, group, context)]);
  }
  return [...groups].filter(([, cases]) => cases.length).map(([name, cases]) => ({ name, cases }));
}

function probeCase(r: ClassifiedResult, group: string, context: ReportContext): Case {
  const base = { classname: group, name: r.probe, seconds: r.durationMs / 1000 };
  if (r.ok) return { ...base, outcome: statusOf(r) === 'skip' ? { kind: 'skipped', message: r.summary, body: [] } : null };
  const cls = r.class ?? 'monitor';
  const owner = r.owner ?? '-';
  return {
    ...base,
    outcome: {
      // A failure of flp-monitor itself is no finding about FLP: the test could not run.
      kind: cls === 'monitor' ? 'error' : 'failure',
      type: cls,
      message: `${cls}, owner ${owner}: ${r.summary}`,
      body: evidenceBody(r, context),
    },
  };
}

/** The failure's body: who and what, the attempts, the failing step, every piece of evidence, versions, artifacts. */
export function evidenceBody(r: ClassifiedResult, context: ReportContext = {}): string[] {
  const lines = [`${r.probe} (${r.kind}) at ${r.target}: ${r.class ?? 'monitor'}, owner ${r.owner ?? '-'}`, `summary: ${r.summary}`];
  if (r.attempts > 1) lines.push(`attempts: ${r.attempts}`);
  for (const s of r.steps) if (s.status === 'failed') lines.push(`step ${s.name} failed after ${s.durationMs} ms${s.error ? `: ${s.error}` : ''}`);
  for (const e of r.evidence) lines.push(evidenceLine(e));
  const o = r.observations;
  if (o.version) lines.push(`version: ${o.version}${o.node ? ` on ${o.node}` : ''}`);
  if (o.syncState) lines.push(`sync state: ${o.syncState}${o.lagSeconds !== undefined ? `, lag ${o.lagSeconds} s` : ''}`);
  if (o.certDaysLeft !== undefined) lines.push(`certificate: ${o.certDaysLeft} days left`);
  for (const a of r.artifacts) lines.push(`artifact: ${context.artifactsDir ? path.join(context.artifactsDir, a) : a}`);
  return lines;
}

/** One line per piece of evidence: the codes, statuses (and who answered them), versions and times a probe recorded. */
export function evidenceLine(e: Evidence): string {
  switch (e.type) {
    case 'network':
      return `network: ${e.code} at ${e.url}${e.message ? `: ${e.message}` : ''}`;
    case 'tls':
      return `tls: ${e.code} at ${e.url}${e.message ? `: ${e.message}` : ''}`;
    case 'timeout':
      return `timeout: ${e.phase === 'first-byte' ? 'no first byte' : e.phase === 'body' ? 'body unfinished' : 'step too slow'} after ${e.afterMs} ms${e.url ? ` at ${e.url}` : ''}`;
    case 'http-status':
      return `http: ${e.url} ${describeStatus(e)}`;
    case 'database-down':
      return `database down: ${e.url}${e.node ? ` (node ${e.node})` : ''}`;
    case 'bad-response':
      return `bad response: ${e.url}: ${e.problem}`;
    case 'page-error':
      return `page error: ${e.message}`;
    case 'request-failed':
      return `request failed: ${e.method} ${e.url}${e.status !== undefined ? ` answered ${e.status}` : ''}${e.failure ? `: ${e.failure}` : ''}`;
    case 'missing-element':
      return `missing element: ${e.selector} (${e.description})`;
    case 'app-error-shown':
      return `application error shown: ${e.text}`;
    case 'sync-failed':
      return `sync failed: ${e.source}${e.lastSuccessfulSync ? `, last success ${e.lastSuccessfulSync}` : ''}${e.error ? `, error ${e.error}` : ''}`;
    case 'sync-stale':
      return `sync stale (${e.where === 'page' ? 'on the page' : 'status'}): ${e.source}, last success ${e.lastSuccessfulSync}, lag ${e.lagSeconds} s, limit ${e.maxLagMinutes} min`;
    case 'sync-malformed':
      return `sync malformed: ${e.source} at ${e.url}: ${e.problem}`;
    case 'version-drift':
      return `versions: ${Object.entries(e.versions)
        .map(([node, v]) => `${node} ${v}`)
        .join(', ')}${e.expected ? ` (expected ${e.expected})` : ''}`;
    case 'launch-refused':
      return `launch refused: ${e.system} (${e.vendor}) answered ${e.status}${e.reason ? ` ${e.reason}` : ''}${e.error ? `: ${e.error}` : ''}`;
    case 'lps-refused':
      return `real launches refused: ${e.system} (${e.vendor}) ${e.rejected} of ${e.launches} in ${e.windowMinutes} min, ${e.percent} % > ${e.maxPercent} %${e.lastRejected ? `, last ${e.lastRejected.status} ${e.lastRejected.reason ?? ''} at ${e.lastRejected.at}` : ''} (${e.scope})`;
    case 'monitor':
      return `monitor: ${e.message}`;
  }
}

const KIND_SUITES: readonly CheckKind[] = ['release', 'probe', 'latency'];

function canarySuites(report: CanaryReport): Suite[] {
  return KIND_SUITES.map((kind) => ({ name: kind, cases: report.checks.filter((c) => c.kind === kind).map(checkCase) })).filter((s) => s.cases.length);
}

/** A check is a judgement over the runs, not a timed step: its time is 0 (the runs' time is the `<testsuites>` time). */
function checkCase(c: CanaryCheck): Case {
  const base = { classname: c.kind, name: c.check, seconds: 0 };
  if (c.result === 'pass') return { ...base, outcome: null };
  if (c.result === 'skip') return { ...base, outcome: { kind: 'skipped', message: `${c.check}: ${c.observed}`, body: [] } };
  const cls = c.class ?? 'monitor';
  const owner = c.owner ?? '-';
  const body = [`${c.check}: ${cls}, owner ${owner}`, `expected: ${c.expected}`, `observed: ${c.observed}`];
  const l = c.latency;
  if (l)
    body.push(
      `canary: p50 ${l.canaryP50Ms ?? '?'} ms, p95 ${l.canaryP95Ms ?? '?'} ms over ${l.canarySamples} samples`,
      `baseline: p50 ${l.baselineP50Ms ?? '?'} ms, p95 ${l.baselineP95Ms ?? '?'} ms over ${l.baselineSamples} samples`,
      `ratio: p50 ${l.ratioP50 ?? '?'}, p95 ${l.ratioP95 ?? '?'}`,
    );
  return {
    ...base,
    outcome: { kind: cls === 'monitor' ? 'error' : 'failure', type: cls, message: `${cls}, owner ${owner}: expected ${c.expected}, observed ${c.observed}`, body },
  };
}

// XML 1.0 allows tab, newline, carriage return and the characters from U+0020 on, less the
// surrogates (unless paired) and U+FFFE/U+FFFF; anything else cannot be written at all, not even
// as a character reference, and becomes U+FFFD.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content: `&`, `<` and `>` (the last so `]]>` never appears). */
export function escapeText(s: string): string {
  return maskCpr(s).replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes: also both quotes, and tab and line breaks as references (a parser would turn them into spaces). */
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions workflow commands

/** A command's message (GitHub's toolkit `escapeData`): `%`, CR and LF. */
export function escapeData(s: string): string {
  return maskCpr(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value (the toolkit's `escapeProperty`): also `:` and `,`, which end a property. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(name: 'error' | 'warning' | 'notice', title: string, message: string): string {
  return `::${name} title=${escapeProperty(title)}::${escapeData(message)}`;
}

/**
 * The report as workflow commands, one per line, ending in a newline: an `::error` per failing
 * probe or check, a `::warning` per skipped one, then the verdict as a `::notice`.
 */
export function githubAnnotations(report: RunReport | CanaryReport): string {
  const lines: string[] = [];
  if (isCanary(report)) {
    for (const c of report.checks) {
      if (c.result === 'fail') lines.push(command('error', `${c.check} (${c.class ?? 'monitor'} · ${c.owner ?? '-'})`, `expected ${c.expected}, observed ${c.observed}`));
      else if (c.result === 'skip') lines.push(command('warning', `${c.check} (not judged)`, c.observed));
    }
    lines.push(command('notice', `flp-monitor canary ${report.version} (${report.environment})`, canaryVerdictLine(report)));
  } else {
    for (const r of report.results) {
      if (!r.ok) lines.push(command('error', `${r.probe} (${r.class ?? 'monitor'} · ${r.owner ?? '-'})`, r.summary));
      else if (statusOf(r) === 'skip') lines.push(command('warning', `${r.probe} (skipped)`, r.summary));
    }
    lines.push(command('notice', 'flp-monitor verdict', `${verdictLine(report.verdict)} (${(report.durationMs / 1000).toFixed(1)} s)`));
  }
  return `${lines.join('\n')}\n`;
}
