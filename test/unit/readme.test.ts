/**
 * The README and docs/ stay true. The generated parts: docs/alarms.md's alarm table is the
 * policy's and its metric count is what the bundled config publishes, and docs/configuration.md
 * documents every config key. Beyond them: every command the README and docs/ write names a
 * package.json script or a flp-monitor command, subcommand, option and sandbox fault that exist;
 * every relative link resolves, anchor included; the README stays short enough for a newcomer;
 * and every heading the README had before it was split into docs/ still has a home.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alarmPolicy } from '../../lib/alarms/policy.ts';
import { main } from '../../lib/cli/main.ts';
import { policyMarkdown } from '../../lib/cli/alarms.ts';
import { configSchema, loadConfig } from '../../lib/core/config.ts';
import { customMetricCount, DIMENSIONS, METRICS } from '../../lib/core/metric-names.ts';
import { metricRecords, heartbeatRecord, journeyRunSkippedRecord, maintenanceRecord } from '../../lib/core/records.ts';
import { JOURNEY_STEPS } from '../../lib/core/contract.ts';
import { FAILURE_CLASSES, type ClassifiedResult, type FailureClass, type ProbeKind } from '../../lib/core/result.ts';
import { FAULT_NAMES } from '../../sandbox/faults.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
/** README.md and every docs/*.md, by path from the repository root. */
const DOCS = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const text = new Map(DOCS.map((file) => [file, read(file)]));
const readme = text.get('README.md')!;
const alarmsDoc = read('docs/alarms.md');
const configurationDoc = read('docs/configuration.md');
const config = await loadConfig(path.join(root, 'flp-monitor.config.json'));
const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);

/** The headings `grep -n '^#' README.md` found before the README was split into docs/ (2026-12-07). */
const OLD_README_HEADINGS = [
  'flp-monitor', 'Quick start', 'Try a fault', 'Commands', 'Architecture', 'What each fault is reported as',
  'Configuration', 'Metrics and alarms', 'Notifications', 'Maintenance windows', 'Deploy', 'Post-release canary',
  'Vendors', 'SLA reports', 'Performance', 'In CI', 'Testing',
];
/** What that grep also found that is no heading: a line of `sla`'s sample output inside a code block. */
const OLD_README_CODE_LINES = ['### MedSign ApS'];

function counts() {
  return {
    journeyEnabled: config.journey.enabled,
    steps: JOURNEY_STEPS.length,
    nodes: config.target.nodes.length,
    httpsNodes: config.target.nodes.filter((n) => n.url.startsWith('https:')).length,
    sources: config.sync.length,
    classes: FAILURE_CLASSES.length,
    profiles: config.lps.profiles.length,
  };
}

// ---- Markdown, as much of it as these checks need ----------------------------------------------

interface Parsed {
  /** Heading texts, outside code blocks. */
  headings: string[];
  /** Prose lines, outside code blocks. */
  prose: string[];
  /** Every code block's lines and every inline code span. */
  code: string[];
}

function parse(markdown: string): Parsed {
  const out: Parsed = { headings: [], prose: [], code: [] };
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f && (fence === null || f[1]!.startsWith(fence))) {
      fence = fence === null ? f[1]! : null;
      continue;
    }
    if (fence !== null) {
      out.code.push(line);
      continue;
    }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) out.headings.push(h[2]!);
    out.prose.push(line);
    for (const span of line.matchAll(/`([^`]+)`/g)) out.code.push(span[1]!);
  }
  return out;
}

/** GitHub's anchor for a heading (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(headings: string[]): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings) {
    const base = h.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

const parsed = new Map(DOCS.map((file) => [file, parse(text.get(file)!)]));

// ---- The command line, as its own --help tells it -----------------------------------------------

interface Help {
  commands: string[];
  options: string[];
}

const helps = new Map<string, Help>();

/** What `flp-monitor <words> --help` lists: its subcommands and its options. */
async function help(words: string[]): Promise<Help> {
  const key = words.join(' ');
  if (!helps.has(key)) {
    let out = '';
    const code = await main([...words, '--help'], { out: (s) => (out += s), err: (s) => (out += s) });
    if (code !== 0) throw new Error(`flp-monitor ${key} --help exited ${code}: ${out}`);
    const section = (name: string) => (out.split(`\n${name}:\n`)[1] ?? '').split('\n\n')[0]!.split('\n').filter((l) => /^ {2}\S/.test(l));
    helps.set(key, {
      commands: section('Commands').map((l) => l.trim().split(/\s+/)[0]!).filter((c) => c !== 'help'),
      options: section('Options').flatMap((l) => [...l.matchAll(/(?<=^ {2}|, )(--?[\w-]+)/g)].map((m) => m[1]!)),
    });
  }
  return helps.get(key)!;
}

/** A word that stands for a value the reader fills in (`<name>`, `[ID]`, `F`, `…`), not a literal. */
const placeholder = (w: string) => /^[[<(…]|^[A-Z][A-Z0-9_-]*\]?$/.test(w);

/** What is wrong with the command `flp-monitor <rest>` as written, or null. */
async function problemOf(rest: string): Promise<string | null> {
  // A table cell's `\|` is an alternative, not a pipe; a quoted value holds no options; a comment is no command.
  const command = rest.replace(/\\\|/g, ' ').replace(/"[^"]*"/g, '""').split(/\s\||\s>|&&|;|\s#/)[0]!;
  const words = command.split(/\s+/).filter((w) => w && w !== '[' && w !== '/');
  const names: string[] = [];
  let h = await help([]);
  for (const w of words) {
    const bare = w.replace(/^\[|\]$/g, '');
    if (bare.startsWith('-') || !h.commands.length) break;
    if (!h.commands.includes(bare)) return placeholder(bare) ? null : `no command "${[...names, bare].join(' ')}"`;
    names.push(bare);
    h = await help(names);
  }
  if (names.join(' ') === 'sandbox fault') {
    const fault = words[2]?.replace(/^\[|\]$/g, '');
    if (fault && !placeholder(fault) && !(FAULT_NAMES as readonly string[]).includes(fault)) return `no sandbox fault "${fault}"`;
  }
  const flags = [...command.matchAll(/(?<![\w-])(--[a-z][\w-]*|-[A-Za-z])(?![\w-])/g)].map((m) => m[1]!);
  const unknown = flags.filter((f) => !h.options.includes(f));
  return unknown.length ? `flp-monitor ${names.join(' ')} has no ${unknown.join(', ')}` : null;
}

/** Every `flp-monitor …` and `npm …` command in the file's code, and what is wrong with each. */
async function commandProblems(file: string): Promise<string[]> {
  const problems: string[] = [];
  for (const code of parsed.get(file)!.code) {
    for (const m of code.matchAll(/(?<![\w./-])flp-monitor\s+(.+)/g)) {
      const problem = await problemOf(m[1]!);
      if (problem) problems.push(`${file}: \`${m[0]}\`: ${problem}`);
    }
    for (const m of code.matchAll(/(?<![\w./-])npm\s+(?:run\s+(?:-s\s+)?([\w:-]+)|(start|test)\b)/g)) {
      const script = m[1] ?? m[2]!;
      if (!scripts.includes(script)) problems.push(`${file}: \`${m[0]}\`: no script "${script}" in package.json`);
    }
  }
  return problems;
}

/** Every relative link in the file's prose that names no existing file, or no heading of it. */
function linkProblems(file: string): string[] {
  const problems: string[] = [];
  for (const line of parsed.get(file)!.prose) {
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const link = m[1]!;
      if (/^[a-z][a-z+.-]*:|^\/\//i.test(link)) continue;
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const to = target ? path.posix.normalize(path.posix.join(path.posix.dirname(file), target)) : file;
      if (!existsSync(path.join(root, to))) problems.push(`${file}: (${link}): no file ${to}`);
      else if (anchor !== undefined && !anchors(parse(read(to)).headings).has(anchor)) problems.push(`${file}: (${link}): no heading #${anchor} in ${to}`);
    }
  }
  return problems;
}

// ---- The checks ----------------------------------------------------------------------------------

describe('docs/alarms.md', () => {
  it('shows the alarm policy of the bundled config exactly as the policy module renders it', () => {
    const table = alarmsDoc.split(/<!-- alarms:start[^>]*-->/)[1]?.split('<!-- alarms:end -->')[0]?.trim();
    expect(table).toBe(policyMarkdown(alarmPolicy(config, { minPeriodSeconds: 60 }).alarms));
  });

  it('states the custom metric count the bundled config can publish', () => {
    // Every probe passing and failing in every class, every step, every source and node.
    const result = (probe: string, kind: ProbeKind, cls: FailureClass | null, obs: ClassifiedResult['observations'] = {}): ClassifiedResult => ({
      probe, kind, target: probe, ok: !cls, startedAt: '2026-11-22T10:00:00Z', durationMs: 1, attempts: 1, evidence: [], error: null, artifacts: [],
      steps: kind === 'journey' ? JOURNEY_STEPS.map((name) => ({ name, status: 'passed' as const, startedAt: '', durationMs: 1 })) : [],
      observations: obs, class: cls, owner: null, summary: '',
    });
    const probes: [string, ProbeKind, ClassifiedResult['observations']][] = [
      ['journey', 'journey', {}],
      ['lb', 'node', {}],
      ['release', 'release', {}],
      ...config.target.nodes.map((n): [string, ProbeKind, ClassifiedResult['observations']] => [`node:${n.name}`, 'node', { node: n.name, certDaysLeft: 80 }]),
      ...config.sync.map((s): [string, ProbeKind, ClassifiedResult['observations']] => [`sync:${s.source}`, 'sync', { source: s.source, lagSeconds: 5 }]),
      ...config.lps.profiles.map((p): [string, ProbeKind, ClassifiedResult['observations']] => [`launch:${p.system}`, 'launch', { system: p.system }]),
      ...config.lps.profiles.map((p): [string, ProbeKind, ClassifiedResult['observations']] => [`lps:${p.system}`, 'lps', { system: p.system, launches: 10, rejected: 1, rejectedPercent: 10 }]),
    ];
    // What each kind can fail as: a launch check as the hosting's or the application's, the real launches as lps or the application's (or not judged).
    const classesOf = (k: ProbeKind): (FailureClass | null)[] => (k === 'lps' ? [null, 'lps', 'application', 'monitor'] : k === 'launch' ? [null, 'infrastructure', 'application', 'monitor'] : [null, ...FAILURE_CLASSES]);
    const records = probes.flatMap(([p, k, o]) => classesOf(k).flatMap((cls) => metricRecords(result(p, k, cls, o), 'sandbox')));
    records.push(heartbeatRecord('sandbox', '2026-11-22T10:00:00Z'), maintenanceRecord('sandbox', '2026-11-22T10:00:00Z', false), journeyRunSkippedRecord('sandbox', '2026-11-22T10:00:00Z'));
    const distinct = new Set(records.map((r) => `${r.name} ${JSON.stringify(r.dimensions)}`));
    expect(distinct.size).toBe(customMetricCount(counts()));
    expect(alarmsDoc).toContain(`**${distinct.size} custom metrics**`);
    expect(Object.values(DIMENSIONS).every((d) => alarmsDoc.includes(d))).toBe(true);
    // Every metric has its row in the metric table, with its unit.
    const rows = alarmsDoc.split('\n').filter((l) => l.startsWith('| `'));
    expect(Object.values(METRICS).filter((m) => !rows.some((r) => r.startsWith(`| \`${m.name}\` | ${m.unit} |`))).map((m) => m.name)).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  it('documents every config key in the configuration table', () => {
    const keys: string[] = [];
    const walk = (schema: unknown, prefix: string) => {
      let s = schema as { def?: { type: string; innerType?: unknown; in?: unknown; element?: unknown; shape?: Record<string, unknown> } };
      // Through optional and default, and through a transform to the object it reads (`schedule`).
      while (s.def && (s.def.type === 'optional' || s.def.type === 'default' || s.def.type === 'pipe')) s = (s.def.type === 'pipe' ? s.def.in : s.def.innerType) as typeof s;
      if (s.def?.type === 'array') return walk(s.def.element, `${prefix}[]`);
      if (s.def?.type === 'object' && s.def.shape) {
        for (const [k, v] of Object.entries(s.def.shape)) walk(v, prefix ? `${prefix}.${k}` : k);
        return;
      }
      keys.push(prefix);
    };
    walk(configSchema, '');
    // A key is documented by its own row, or by a row for a list or map it belongs to
    // (`sync[]`, `owners.<class>`, `journey.selectors.<name>`, or an object row naming its keys).
    const documented = (key: string) => {
      const k = key.replace(/\[\]$/, '');
      if (configurationDoc.includes(`\`${k}\``)) return true;
      const parts = k.split('.');
      return parts.some((_, i) => {
        const p = parts.slice(0, i + 1).join('.');
        const row = configurationDoc.split('\n').find((l) => l.startsWith(`| \`${p}\` |`));
        const leaf = parts.at(-1)!.replace(/\[\]$/, '');
        return configurationDoc.includes(`\`${p.replace(/\[\]$/, '')}[]\``) || configurationDoc.includes(`\`${p}.<`) || (row !== undefined && row.includes(leaf));
      });
    };
    expect(keys.filter((k) => !documented(k))).toEqual([]);
  });
});

describe('README.md and docs/', () => {
  it('keeps the README to at most 300 lines, a read of minutes', () => {
    expect(readme.replace(/\n$/, '').split('\n').length).toBeLessThanOrEqual(300);
  });

  it('keeps the quick start to its two commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });

  it('gives every heading the README had before the split a home in the README or docs/', () => {
    const headings = new Set(DOCS.flatMap((file) => parsed.get(file)!.headings));
    expect(OLD_README_HEADINGS.filter((h) => !headings.has(h))).toEqual([]);
    const lines = new Set(DOCS.flatMap((file) => text.get(file)!.split('\n')));
    expect(OLD_README_CODE_LINES.filter((l) => !lines.has(l))).toEqual([]);
  });

  it('writes only commands that exist: package.json scripts, and flp-monitor commands, options and faults', async () => {
    const problems = (await Promise.all(DOCS.map(commandProblems))).flat();
    expect(problems).toEqual([]);
  });

  it('catches a command, an option or a fault that does not exist', async () => {
    expect(await problemOf('window add --start now --end +2h --reason "x" --release 2026.4.2')).toBeNull();
    expect(await problemOf('sandbox fault <name> [--node N] [--source S] [--ms N] [--system S]')).toBeNull();
    expect(await problemOf('windows add')).toBe('no command "windows"');
    expect(await problemOf('sandbox fault db-gone')).toBe('no sandbox fault "db-gone"');
    expect(await problemOf('run --once --reporter junit --output F')).toBe('flp-monitor run has no --output');
  });

  it('links only to files and headings that exist', () => {
    expect(DOCS.flatMap(linkProblems)).toEqual([]);
  });

  it('indexes every page of docs/ in docs/README.md and the README', () => {
    const pages = DOCS.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md').map((f) => path.posix.basename(f));
    expect(pages.filter((p) => !text.get('docs/README.md')!.includes(`](${p})`))).toEqual([]);
    expect(pages.filter((p) => !readme.includes(`](docs/${p})`))).toEqual([]);
  });
});
