/**
 * Config fuzz: 520 invalid configs generated from a valid one by a seeded, reproducible PRNG
 * (dropped required keys, wrong types, out-of-range numbers, bad URLs and values, unknown keys,
 * unknown owner classes, duplicate names, garbage JSON), one to three mutations each. Every one
 * goes through the real CLI entry, `run --once --config <file>`, in this process, and a sample
 * of 20 through `node lib/cli/bin.mjs` as a user runs it. Each must exit 2 with a message
 * naming every mutated property, no stack trace, and nothing on stdout.
 */
import { seededRandom } from '../support/seeded-random.ts';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { ConfigError, parseConfig } from '../../lib/core/config.ts';

const SEED = 0x5eed_f1b;
const CASES = 520;
const CHILD_SAMPLE = 20;
const bin = path.resolve(import.meta.dirname, '../../lib/cli/bin.mjs');

type Key = string | number;
type Path = Key[];

/** A valid config that uses every section, so that every section can be broken. Loopback only. */
const BASE = {
  environment: 'fuzz',
  target: {
    baseUrl: 'http://127.0.0.1:9',
    nodes: [
      { name: 'flp-1', url: 'https://127.0.0.1:9' },
      { name: 'flp-2', url: 'https://127.0.0.1:9' },
    ],
    expectedVersion: '2026.4.1',
    dnsServers: ['127.0.0.1:53'],
  },
  journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal', selectors: { root: '[data-testid="forloebsplan"]' } },
  sync: [
    { source: 'lab', url: 'http://127.0.0.1:9/sync/lab/status', maxLagMinutes: 120 },
    { source: 'diagnoses', url: 'http://127.0.0.1:9/sync/diagnoses/status', maxLagMinutes: 1440 },
  ],
  timeouts: { requestMs: 2000, stepMs: 4000 },
  schedule: { journeySeconds: 300, syncSeconds: 60, nodesSeconds: 60 },
  retry: { retries: 1 },
  owners: { infrastructure: 'PLSP', application: 'KiAP' },
  store: { dir: 'store' },
  artifacts: { dir: 'artifacts' },
  alarms: { stepLatencyMs: 2000, certWarningDays: 21, datapointsToAlarm: 2 },
  maintenance: {
    windows: [{ start: '2026-12-01T22:00:00+01:00', end: '2026-12-02T02:00:00+01:00', reason: 'release 2026.4' }],
    weekly: [{ day: 'sun', start: '02:00', durationMinutes: 60, reason: 'backup' }],
  },
  canary: { latencyRegressionRatio: 1.5, baselineDays: 7, minBaselineSamples: 5 },
  sla: { targetPercent: 99.5, serviceHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '16:00' } },
  aws: {
    namespace: 'FLP/Synthetics',
    vpc: { vpcId: 'vpc-0abc', subnetIds: ['subnet-0abc'], securityGroupIds: ['sg-0abc'], availabilityZones: ['eu-central-1a'] },
    journeySecretName: 'flp/journey',
    artifactsRetentionDays: 30,
    journeyMemoryMb: 2048,
    httpMemoryMb: 256,
  },
  sandbox: { adminPort: 9999, version: '2026.4.1' },
};

/** Properties without a default: dropping one must be reported as required. */
const REQUIRED: Path[] = [
  ['environment'],
  ['target'],
  ['target', 'baseUrl'],
  ['target', 'nodes'],
  ['target', 'nodes', 0, 'name'],
  ['target', 'nodes', 1, 'url'],
  ['journey'],
  ['journey', 'clinic'],
  ['journey', 'cpr'],
  ['journey', 'lpsSystem'],
  ['sync', 0, 'source'],
  ['sync', 1, 'url'],
  ['sync', 0, 'maxLagMinutes'],
  ['maintenance', 'windows', 0, 'start'],
  ['maintenance', 'windows', 0, 'end'],
  ['maintenance', 'windows', 0, 'reason'],
  ['maintenance', 'weekly', 0, 'day'],
  ['maintenance', 'weekly', 0, 'start'],
  ['maintenance', 'weekly', 0, 'durationMinutes'],
  ['maintenance', 'weekly', 0, 'reason'],
  ['sla', 'serviceHours', 'days'],
  ['sla', 'serviceHours', 'start'],
  ['sla', 'serviceHours', 'end'],
  ['aws', 'vpc', 'vpcId'],
  ['aws', 'vpc', 'subnetIds'],
  ['aws', 'vpc', 'availabilityZones'],
  ['sandbox', 'adminPort'],
];

/** Numbers outside what each property allows (zero, negative, fractional, too big). */
const OUT_OF_RANGE: [Path, unknown[]][] = [
  [['timeouts', 'requestMs'], [0, -1, 1.5, -2000]],
  [['timeouts', 'stepMs'], [0, -5, 2.5]],
  [['schedule', 'journeySeconds'], [0, -60, 0.5]],
  [['schedule', 'syncSeconds'], [0, -1, 59.9]],
  [['schedule', 'nodesSeconds'], [0, -30]],
  [['retry', 'retries'], [-1, 4, 1.5, 99]],
  [['sync', 0, 'maxLagMinutes'], [0, -1, -0.5]],
  [['alarms', 'stepLatencyMs'], [0, -100, 12.5]],
  [['alarms', 'certWarningDays'], [0, -1]],
  [['alarms', 'datapointsToAlarm'], [0, 11, 2.5]],
  [['canary', 'latencyRegressionRatio'], [0.5, -1, 0]],
  [['canary', 'baselineDays'], [0, -7]],
  [['canary', 'minBaselineSamples'], [0, 0.5]],
  [['sla', 'targetPercent'], [-1, 100.5, 1000]],
  [['aws', 'artifactsRetentionDays'], [0, -30]],
  [['aws', 'journeyMemoryMb'], [512, 20_000, 2048.5]],
  [['aws', 'httpMemoryMb'], [64, 99_999]],
  [['sandbox', 'adminPort'], [0, 70_000, -1, 80.5]],
  [['maintenance', 'weekly', 0, 'durationMinutes'], [0, -60]],
];

const BAD_URLS = ['ftp://127.0.0.1/x', 'not a url', '127.0.0.1:8080', '', 'http//127.0.0.1', 'javascript:alert(1)', 'file:///etc/passwd', 'mailto:a@b.c', 'http://', 'https://', 'http://[::1', 'http://exa mple.test'];
const URL_PATHS: Path[] = [
  ['target', 'baseUrl'],
  ['target', 'nodes', 0, 'url'],
  ['target', 'nodes', 1, 'url'],
  ['sync', 0, 'url'],
  ['sync', 1, 'url'],
];

/** Values of the right type that break a format rule. */
const BAD_VALUES: [Path, unknown[]][] = [
  [['environment'], ['']],
  [['journey', 'cpr'], ['251248999', '25124899961', '251248-9996', 'cpr', '']],
  [['journey', 'clinic'], ['abc', '01 23 45', '']],
  [['journey', 'lpsSystem'], ['']],
  [['journey', 'selectors', 'root'], ['']],
  [['target', 'nodes', 0, 'name'], ['flp 1', 'flp/1', '', 'ø']],
  [['target', 'nodes'], [[]]],
  [['target', 'dnsServers'], [[], ['dns.example.test'], ['127.0.0.1:53:53']]],
  [['target', 'dnsServers', 0], ['localhost', '1.2.3', 'fe80::1']],
  [['target', 'expectedVersion'], ['']],
  [['sync', 1, 'source'], ['lab/x', 'lab status', '']],
  [['maintenance', 'windows', 0, 'start'], ['2026-12-01 22:00', '2026-12-01T22:00:00', 'tomorrow', '2026-13-01T22:00:00Z']],
  [['maintenance', 'windows', 0, 'reason'], ['']],
  [['maintenance', 'weekly', 0, 'day'], ['monday', 'Sun', '7']],
  [['maintenance', 'weekly', 0, 'start'], ['25:00', '2:00', '02:60', 'noon']],
  [['sla', 'serviceHours', 'days'], [[]]],
  [['sla', 'serviceHours', 'days', 0], ['Monday', 'weekday']],
  // ("24:30" passes the schema's "24:00 allowed" pattern: reported, not fuzzed.)
  [['sla', 'serviceHours', 'end'], ['25:00', '8', '16.00']],
  [['aws', 'vpc', 'vpcId'], ['vpc-XYZ', 'vpc_0abc', '0abc']],
  [['aws', 'vpc', 'subnetIds', 0], ['subnet-XYZ', 'sn-0abc']],
  [['aws', 'vpc', 'securityGroupIds', 0], ['sg_0abc', 'group']],
  [['aws', 'vpc', 'subnetIds'], [[]]],
  [['aws', 'namespace'], ['']],
  [['aws', 'journeySecretName'], ['']],
  [['store', 'dir'], ['']],
  [['artifacts', 'dir'], ['']],
  [['owners', 'infrastructure'], ['']],
  [['sandbox', 'version'], ['']],
];

const UNKNOWN_KEYS = ['timeout', 'baseURL', 'node', 'retires', 'enable', 'stepMS', 'Owner', 'secret', 'password', 'url2', 'constructor', 'extra'];
const UNKNOWN_OWNERS = ['plsp', 'kiap', 'network', 'Infrastructure', 'database', 'dns', 'ops'];

/** Garbage files: not JSON at all (reported against "(file)"), or JSON that is no object ("(root)"). */
const GARBAGE: { text: string | Buffer; where: string }[] = [
  { text: '', where: '(file)' },
  { text: '{', where: '(file)' },
  { text: '{"environment": "fuzz",}', where: '(file)' },
  { text: "{'environment': 'fuzz'}", where: '(file)' },
  { text: '{"environment": "fuzz" // a comment\n}', where: '(file)' },
  { text: '{"timeouts": {"requestMs": NaN}}', where: '(file)' },
  { text: 'environment: fuzz\ntarget:\n  baseUrl: http://127.0.0.1:9\n', where: '(file)' },
  { text: Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"environment":"fuzz"}')]), where: '(file)' },
  { text: Buffer.from([0x00, 0xff, 0x13, 0x37, 0x7b]), where: '(file)' },
  { text: 'null', where: '(root)' },
  { text: '[]', where: '(root)' },
  { text: '"flp-monitor.config.json"', where: '(root)' },
  { text: '42', where: '(root)' },
  { text: 'true', where: '(root)' },
];


const clone = <T>(v: T): T => structuredClone(v);
const describePath = (p: Path) => p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${k}`)).join('') || '(root)';
const isPrefix = (a: Path, b: Path) => a.length <= b.length && a.every((k, i) => b[i] === k);

function at(obj: unknown, p: Path): unknown {
  return p.reduce<unknown>((o, k) => (o as Record<Key, unknown>)?.[k], obj);
}
function setAt(obj: unknown, p: Path, value: unknown): void {
  const parent = at(obj, p.slice(0, -1)) as Record<Key, unknown>;
  parent[p[p.length - 1] as Key] = value;
}
function dropAt(obj: unknown, p: Path): void {
  const parent = at(obj, p.slice(0, -1)) as Record<Key, unknown>;
  delete parent[p[p.length - 1] as Key];
}

/** Every property path in BASE, containers and leaves. */
function allPaths(v: unknown, p: Path = []): Path[] {
  if (Array.isArray(v)) return [p, ...v.flatMap((x, i) => allPaths(x, [...p, i]))].filter((q) => q.length);
  if (v && typeof v === 'object') return [p, ...Object.entries(v).flatMap(([k, x]) => allPaths(x, [...p, k]))].filter((q) => q.length);
  return [p];
}
const OBJECT_PATHS: Path[] = [[], ...allPaths(BASE).filter((p) => { const v = at(BASE, p); return v !== null && typeof v === 'object' && !Array.isArray(v); })];

function wrongTypeFor(v: unknown, pick: <T>(xs: readonly T[]) => T): unknown {
  if (typeof v === 'string') return pick([42, true, null, [], {}, ['x'], 0]);
  if (typeof v === 'number') return pick([String(v), true, null, [], {}, [v]]);
  if (typeof v === 'boolean') return pick([String(v), 1, 0, null, []]);
  if (Array.isArray(v)) return pick(['x', 42, {}, null, true]);
  return pick(['x', 42, [], null, true]);
}

interface Mutation {
  kind: string;
  path: Path;
  apply(config: Record<string, unknown>): void;
}

interface FuzzCase {
  id: number;
  kinds: string[];
  text: string | Buffer;
  /** The property each problem must be reported against, as the message writes it. */
  expect: string[];
}

function generate(seed: number, count: number): FuzzCase[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const leafPaths = allPaths(BASE);

  const schemaMutation = (): Mutation => {
    const r = rnd();
    if (r < 0.16) {
      const p = pick(REQUIRED);
      return { kind: 'drop required', path: p, apply: (c) => dropAt(c, p) };
    }
    if (r < 0.36) {
      const p = pick(leafPaths);
      const value = wrongTypeFor(at(BASE, p), pick);
      return { kind: 'wrong type', path: p, apply: (c) => setAt(c, p, clone(value)) };
    }
    if (r < 0.52) {
      const [p, values] = pick(OUT_OF_RANGE);
      const value = pick(values);
      return { kind: 'out of range', path: p, apply: (c) => setAt(c, p, value) };
    }
    if (r < 0.64) {
      const p = pick(URL_PATHS);
      const value = pick(BAD_URLS);
      return { kind: 'bad URL', path: p, apply: (c) => setAt(c, p, value) };
    }
    if (r < 0.8) {
      const [p, values] = pick(BAD_VALUES);
      const value = pick(values);
      return { kind: 'bad value', path: p, apply: (c) => setAt(c, p, clone(value)) };
    }
    if (r < 0.92) {
      const where = pick(OBJECT_PATHS);
      const existing = Object.keys(at(BASE, where) as object);
      const key = pick(UNKNOWN_KEYS.filter((k) => !existing.includes(k)));
      return { kind: 'unknown key', path: [...where, key], apply: (c) => setAt(c, [...where, key], pick(['x', 1, true, null, {}])) };
    }
    const key = pick(UNKNOWN_OWNERS);
    return { kind: 'unknown owner class', path: ['owners', key], apply: (c) => setAt(c, ['owners', key], 'PLSP') };
  };

  /** Problems found only once the schema passes: each alone in its config. */
  const crossMutation = (): { kind: string; path: Path; apply: (c: Record<string, unknown>) => void } =>
    pick([
      { kind: 'duplicate node name', path: ['target', 'nodes', 1, 'name'], apply: (c: Record<string, unknown>) => setAt(c, ['target', 'nodes', 1, 'name'], 'flp-1') },
      { kind: 'duplicate sync source', path: ['sync', 1, 'source'], apply: (c: Record<string, unknown>) => setAt(c, ['sync', 1, 'source'], 'lab') },
      { kind: 'window ends before it starts', path: ['maintenance', 'windows', 0, 'end'], apply: (c: Record<string, unknown>) => setAt(c, ['maintenance', 'windows', 0, 'end'], '2026-12-01T21:00:00+01:00') },
      { kind: 'request outlasts its step', path: ['timeouts', 'requestMs'], apply: (c: Record<string, unknown>) => setAt(c, ['timeouts', 'requestMs'], 4001 + Math.floor(rnd() * 10_000)) },
    ]);

  const cases: FuzzCase[] = [];
  for (let id = 0; id < count; id++) {
    const r = rnd();
    if (r < 0.1) {
      const g = pick(GARBAGE);
      cases.push({ id, kinds: ['garbage JSON'], text: g.text, expect: [g.where] });
      continue;
    }
    if (r < 0.14) {
      // Valid JSON cut short somewhere: a file half written.
      const full = JSON.stringify(BASE, null, 2);
      cases.push({ id, kinds: ['truncated JSON'], text: full.slice(0, 1 + Math.floor(rnd() * (full.length - 2))), expect: ['(file)'] });
      continue;
    }
    const config = clone(BASE) as Record<string, unknown>;
    if (r < 0.24) {
      const m = crossMutation();
      m.apply(config);
      cases.push({ id, kinds: [m.kind], text: JSON.stringify(config, null, 2), expect: [describePath(m.path)] });
      continue;
    }
    // One to three schema problems on unrelated properties: all must be reported together.
    const wanted = 1 + Math.floor(rnd() * 3);
    const chosen: Mutation[] = [];
    for (let tries = 0; chosen.length < wanted && tries < 20; tries++) {
      const m = schemaMutation();
      if (chosen.some((c) => isPrefix(c.path, m.path) || isPrefix(m.path, c.path))) continue;
      chosen.push(m);
    }
    for (const m of chosen) m.apply(config);
    cases.push({ id, kinds: chosen.map((m) => m.kind), text: JSON.stringify(config, null, 2), expect: chosen.map((m) => describePath(m.path)) });
  }
  return cases;
}

let dir: string;
let cases: FuzzCase[];
const fileOf = (c: FuzzCase) => path.join(dir, `case-${String(c.id).padStart(3, '0')}.json`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flp-robust-fuzz-'));
  cases = generate(SEED, CASES);
  await Promise.all(cases.map((c) => writeFile(fileOf(c), c.text)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectRejected(c: FuzzCase, result: { code: number; stdout: string; stderr: string }): void {
  const what = `case ${c.id} (${c.kinds.join(', ')}):\n${result.stderr}`;
  expect(result.code, what).toBe(2);
  expect(result.stdout, what).toBe('');
  expect(result.stderr, what).toMatch(/^flp-monitor: config .* is not valid:\n/);
  // The property itself, or one inside it (a list given with a bad element is reported at the element).
  for (const p of c.expect) expect(result.stderr, what).toMatch(new RegExp(`\\n  - ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(: |\\[|\\.)`));
  expect(result.stderr, what).not.toMatch(/\n\s+at /);
  expect(result.stderr, what).not.toMatch(/unexpected failure/);
}

describe('config fuzz', () => {
  it('generates the same 520 invalid configs from the seed, each invalid for the reasons it was made', () => {
    expect(generate(SEED, CASES).map((c) => c.text.toString())).toEqual(cases.map((c) => c.text.toString()));
    expect(parseConfig(BASE)).toBeTruthy();
    const kinds = new Set(cases.flatMap((c) => c.kinds));
    const tally = new Map<string, number>();
    for (const k of cases.flatMap((c) => c.kinds)) tally.set(k, (tally.get(k) ?? 0) + 1);
    console.log(`config fuzz: ${cases.length} configs, ${cases.filter((c) => c.expect.length > 1).length} with several problems; mutations: ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    for (const k of ['drop required', 'wrong type', 'out of range', 'bad URL', 'bad value', 'unknown key', 'unknown owner class', 'duplicate node name', 'duplicate sync source', 'garbage JSON', 'truncated JSON'])
      expect(kinds).toContain(k);
    expect(cases.filter((c) => c.expect.length > 1).length).toBeGreaterThan(100);
    for (const c of cases) {
      if (c.expect[0] === '(file)') continue;
      // None of them may be valid: a valid one would run the monitor.
      expect(() => parseConfig(JSON.parse(c.text.toString())), `case ${c.id}`).toThrow(ConfigError);
    }
  });

  it('rejects every one through `run --once --config`: exit 2, every mutated property named, no stack trace, nothing on stdout', { timeout: 60_000 }, async () => {
    const t0 = performance.now();
    for (const c of cases) {
      let stdout = '';
      let stderr = '';
      const code = await main(['run', '--once', '--config', fileOf(c)], { out: (s) => (stdout += s), err: (s) => (stderr += s) });
      expectRejected(c, { code, stdout, stderr });
    }
    // Fast enough to run on every commit.
    const ms = performance.now() - t0;
    console.log(`config fuzz: ${cases.length} configs through main() in ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(10_000);
  });

  // Each process pays for starting Node and tsx (0.7 s here on a quiet machine, several times that on a busy one).
  it('rejects a sample of 20 the same way in a separate process (`node lib/cli/bin.mjs`)', { timeout: 90_000 }, async () => {
    const step = Math.floor(cases.length / CHILD_SAMPLE);
    const sample = Array.from({ length: CHILD_SAMPLE }, (_, i) => cases[i * step] as FuzzCase);
    const run = (c: FuzzCase) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [bin, 'run', '--once', '--config', fileOf(c)], { cwd: dir, timeout: 80_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
        });
      });
    // Four at a time.
    const queue = [...sample];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) expectRejected(c, await run(c));
      }),
    );
  });

  it('rejects a config file that is missing or is a directory, naming the file', async () => {
    await mkdir(path.join(dir, 'a-directory.json'));
    for (const file of [path.join(dir, 'no-such-file.json'), path.join(dir, 'a-directory.json')]) {
      let stdout = '';
      let stderr = '';
      const code = await main(['run', '--once', '--config', file], { out: (s) => (stdout += s), err: (s) => (stderr += s) });
      expectRejected({ id: -1, kinds: ['unreadable file'], text: '', expect: ['(file)'] }, { code, stdout, stderr });
      expect(stderr).toContain(file);
    }
  });
});
