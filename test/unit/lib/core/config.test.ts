import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { allOwners, ConfigError, configJsonSchema, configSchema, DEFAULT_OWNERS, journeyProfile, loadConfig, parseConfig } from '../../../../lib/core/config.ts';
import { main } from '../../../../lib/cli/main.ts';
import { rawConfig } from '../../../support/config.ts';

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, { baseDir: '/tmp' });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

async function runCli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

async function writeTemp(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-config-'));
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

describe('config validation', () => {
  it('accepts the minimal config and fills in the documented defaults', () => {
    const c = parseConfig(rawConfig(), { baseDir: '/srv/flp' });
    expect(c.owners).toEqual(DEFAULT_OWNERS);
    expect(c.store.dir).toBe('/srv/flp/.flp-monitor');
    expect(c.schedule).toEqual({ journeySeconds: 60, journeyRecheckSeconds: 60, syncSeconds: 60, nodesSeconds: 60 });
    expect(c.retry.retries).toBe(2);
    expect(c.journey.enabled).toBe(true);
    expect(c.journey.selectors.createPlan).toBe('[data-testid="create-plan"]');
  });

  it('re-checks a failing journey after 60 s, or after journeySeconds when that is shorter, and never later than the next journey', () => {
    const schedule = (s: Record<string, number>) => parseConfig(rawConfig({ schedule: s }), { baseDir: '/tmp' }).schedule;
    expect(schedule({ journeySeconds: 300 })).toMatchObject({ journeySeconds: 300, journeyRecheckSeconds: 60 });
    expect(schedule({ journeySeconds: 15 })).toMatchObject({ journeySeconds: 15, journeyRecheckSeconds: 15 });
    expect(schedule({ journeySeconds: 300, journeyRecheckSeconds: 120 })).toMatchObject({ journeyRecheckSeconds: 120 });
    expect(problemsOf(rawConfig({ schedule: { journeySeconds: 120, journeyRecheckSeconds: 180 } }))).toEqual([
      'schedule.journeyRecheckSeconds: must be at most schedule.journeySeconds (a re-check comes sooner than the next scheduled journey)',
    ]);
    expect(problemsOf(rawConfig({ schedule: { journeyRecheckSeconds: 0 } }))).toEqual([expect.stringMatching(/^schedule\.journeyRecheckSeconds: /)]);
  });

  it('names a missing required key by its full property path', () => {
    const raw = rawConfig();
    delete (raw.target as Record<string, unknown>).baseUrl;
    expect(problemsOf(raw)).toEqual(['target.baseUrl: is required']);
  });

  it('names a wrong type with the property and what it must be', () => {
    const problems = problemsOf(rawConfig({ timeouts: { requestMs: 'fast', stepMs: 4000 } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^timeouts\.requestMs: must be a number/);
  });

  it('rejects an unknown failure class in owners and lists the valid ones', () => {
    const problems = problemsOf(rawConfig({ owners: { infrastructure: 'PLSP', hosting: 'PLSP' } }));
    expect(problems).toEqual(['owners.hosting: unknown property (failure classes are infrastructure, sync, application, release, lps, monitor)']);
  });

  it('reports every problem together, not just the first', () => {
    const raw = rawConfig({ environment: 7, sync: [{ source: 'lab', url: 'ftp://x', maxLagMinutes: -1 }] });
    (raw.journey as Record<string, unknown>).cpr = '12345';
    const problems = problemsOf(raw);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^environment: /),
        expect.stringMatching(/^journey\.cpr: must be 10 digits/),
        expect.stringMatching(/^sync\[0\]\.url: must be an http:\/\/ or https:\/\/ URL/),
        expect.stringMatching(/^sync\[0\]\.maxLagMinutes: must be greater than 0/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('rejects a misspelt key instead of silently ignoring it', () => {
    expect(problemsOf(rawConfig({ timeout: { requestMs: 1 } }))).toEqual(['timeout: unknown property']);
  });

  it('rejects duplicate node names and a request timeout longer than a step', () => {
    const raw = rawConfig({ timeouts: { requestMs: 9000, stepMs: 4000 } });
    (raw.target as { nodes: unknown[] }).nodes.push({ name: 'flp-1', url: 'https://other.example.test' });
    const problems = problemsOf(raw);
    expect(problems).toEqual([
      'target.nodes[2].name: "flp-1" is also the name of target.nodes[0]',
      'timeouts.requestMs: 9000 is longer than timeouts.stepMs (4000); a step must outlast its requests',
    ]);
  });
});

describe('config errors on the command line', () => {
  it('exits 2 naming the property when a key is missing', async () => {
    const raw = rawConfig();
    delete (raw as Record<string, unknown>).environment;
    const file = await writeTemp('missing.json', JSON.stringify(raw));
    const r = await runCli(['run', '--once', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('environment: is required');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  it('exits 2 naming the property when a type is wrong', async () => {
    const file = await writeTemp('type.json', JSON.stringify(rawConfig({ sync: 'lab' })));
    const r = await runCli(['run', '--once', '--json', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('sync: must be a list of { source, url, maxLagMinutes }');
  });

  it('exits 2 for an unknown class in owners', async () => {
    const file = await writeTemp('owners.json', JSON.stringify(rawConfig({ owners: { network: 'PLSP' } })));
    const r = await runCli(['run', '--once', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('owners.network: unknown property');
  });

  it('exits 2 saying why an unreadable file cannot be read', async () => {
    const r = await runCli(['run', '--once', '--config', '/nonexistent/flp.json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot read /nonexistent/flp.json: no such file');
  });

  it('exits 2 pointing at broken JSON', async () => {
    const file = await writeTemp('broken.json', '{ "environment": "x", ');
    await expect(loadConfig(file)).rejects.toThrow(/not valid JSON/);
    const r = await runCli(['run', '--once', '--config', file]);
    expect(r.code).toBe(2);
  });

  it('exits 2 for an unknown command or option', async () => {
    expect((await runCli(['runn'])).code).toBe(2);
    expect((await runCli(['run', '--twice'])).code).toBe(2);
  });
});

describe('config: DNS servers', () => {
  it('accepts IP addresses with ports and rejects a DNS server given by name', () => {
    const target = (dnsServers: string[]) => ({ ...(rawConfig().target as object), dnsServers });
    expect(parseConfig(rawConfig({ target: target(['127.0.0.1:8753', '[::1]:53', '10.0.0.2']) })).target.dnsServers).toHaveLength(3);
    expect(problemsOf(rawConfig({ target: target(['ns1.example.test:53']) }))).toEqual([
      'target.dnsServers[0]: must be an IP address with an optional port, e.g. "127.0.0.1:8753" or "[::1]:53"',
    ]);
  });
});

describe('config: SLA service hours', () => {
  it('accepts 24:00 as the end of the day and rejects later times', () => {
    const hours = (end: string) => rawConfig({ sla: { serviceHours: { days: ['mon'], start: '08:00', end } } });
    expect(parseConfig(hours('24:00'), { baseDir: '/tmp' }).sla.serviceHours?.end).toBe('24:00');
    expect(problemsOf(hours('24:30'))).toEqual(['sla.serviceHours.end: must be a local time "HH:MM" (24:00 allowed)']);
  });
});

describe('config: "$schema" for editors', () => {
  it('accepts a "$schema" key and leaves it out of the validated config', () => {
    const c = parseConfig(rawConfig({ $schema: './flp-monitor.schema.json' }), { baseDir: '/tmp' });
    expect(c.environment).toBe('test');
    expect('$schema' in c).toBe(false);
  });

  it('still rejects every other unknown key, and a "$schema" that is not a string', () => {
    expect(problemsOf(rawConfig({ $schema: 'x.json', $comment: 'hi' }))).toEqual(['$comment: unknown property']);
    expect(problemsOf(rawConfig({ $schema: 42 }))).toEqual(['$schema: must be a string: the path or URL of the JSON Schema, for editors']);
  });
});

/** Ajv, strict (an unknown keyword is an error), draft-07 as the schema says; `uri` and friends from ajv-formats. */
function validate(schema: Record<string, unknown>, value: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  // ajv-formats is CommonJS: its plugin is the module's `default` under Node's ESM loader and TypeScript alike.
  formatsPlugin.default(ajv);
  const check = ajv.compile(schema);
  if (check(value)) return [];
  return (check.errors ?? []).map((e: ErrorObject) => {
    const at = `(root)${e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
    if (e.keyword === 'required') return `${at}.${(e.params as { missingProperty: string }).missingProperty}: is required`;
    if (e.keyword === 'additionalProperties') return `${at}.${(e.params as { additionalProperty: string }).additionalProperty}: not allowed`;
    if (e.keyword === 'pattern') return `${at}: does not match ${(e.params as { pattern: string }).pattern}`;
    if (e.keyword === 'maximum') return `${at}: above ${(e.params as { limit: number }).limit}`;
    return `${at}: ${e.message}`;
  });
}

describe('config: the JSON Schema (flp-monitor config schema)', () => {
  const schema = configJsonSchema();
  const root = path.resolve(import.meta.dirname, '../../../..');
  const props = schema.properties as Record<string, Record<string, unknown>>;

  it('is a draft-07 schema of a closed object that allows "$schema"', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(props.$schema).toEqual({ type: 'string' });
  });

  it('makes keys with a default optional and shows the default (the input, not the output)', () => {
    expect(schema.required).toEqual(['environment', 'target', 'journey']);
    expect(props.timeouts!.required).toBeUndefined();
    expect((props.timeouts!.properties as Record<string, unknown>).requestMs).toMatchObject({ type: 'integer', default: 5000, exclusiveMinimum: 0 });
    expect(props.retry).toMatchObject({ default: { retries: 2 } });
  });

  it('carries what a refinement checks as a pattern, so editors flag an ftp:// URL or a time without zone', () => {
    const target = props.target!.properties as Record<string, Record<string, unknown>>;
    expect(target.baseUrl).toMatchObject({ type: 'string', format: 'uri', pattern: '^https?://' });
    expect(validate(schema, rawConfig({ sync: [{ source: 'lab', url: 'ftp://x', maxLagMinutes: 5 }] }))).toEqual(['(root).sync[0].url: does not match ^https?://']);
    expect(validate(schema, rawConfig({ maintenance: { windows: [{ start: '2026-12-01T22:00', end: '2026-12-01T23:00:00Z', reason: 'patch' }] } }))).toEqual([
      expect.stringMatching(/^\(root\)\.maintenance\.windows\[0\]\.start: does not match/),
    ]);
  });

  it('accepts the bundled config and the production fixture, each carrying "$schema"', async () => {
    for (const file of ['flp-monitor.config.json', 'test/cdk/fixtures/production.config.json']) {
      const raw = { $schema: './flp-monitor.schema.json', ...(JSON.parse(await readFile(path.join(root, file), 'utf8')) as object) };
      expect(validate(schema, raw), file).toEqual([]);
      expect(() => parseConfig(raw, { baseDir: root }), file).not.toThrow();
    }
  });

  it('rejects what flp-monitor rejects by structure: a misspelt key, a missing key, a wrong type', () => {
    const raw = rawConfig({ timeout: { requestMs: 1 }, retry: { retries: 9 } });
    delete (raw as Record<string, unknown>).environment;
    expect(validate(schema, raw).sort()).toEqual(['(root).environment: is required', '(root).retry.retries: above 3', '(root).timeout: not allowed']);
    expect(validate(schema, rawConfig({ owners: { hosting: 'PLSP' } }))).toEqual(['(root).owners.hosting: not allowed']);
  });

  it('describes every key the zod schema has, and no other', () => {
    const keysOf = (s: Record<string, unknown>, prefix: string): string[] => {
      if (s.type === 'array' && s.items) return keysOf(s.items as Record<string, unknown>, `${prefix}[]`);
      if (s.type !== 'object' || !s.properties) return [prefix];
      return Object.entries(s.properties as Record<string, Record<string, unknown>>).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k));
    };
    const zodKeys: string[] = [];
    const walk = (z: unknown, prefix: string) => {
      let d = (z as { def: { type: string; innerType?: unknown; in?: unknown; element?: unknown; shape?: Record<string, unknown> } }).def;
      // A transformed block (schedule fills in its re-check default) is described by its input.
      while (d.type === 'optional' || d.type === 'default' || d.type === 'pipe') d = ((d.type === 'pipe' ? d.in : d.innerType) as { def: typeof d }).def;
      if (d.type === 'array') return walk(d.element, `${prefix}[]`);
      if (d.type === 'object' && d.shape) return Object.entries(d.shape).forEach(([k, v]) => walk(v, prefix ? `${prefix}.${k}` : k));
      zodKeys.push(prefix);
    };
    walk(configSchema, '');
    const keys = keysOf(schema, '');
    expect(keys).toEqual(zodKeys);
    expect(keys).toEqual(expect.arrayContaining(['$schema', 'target.nodes[].url', 'journey.selectors.printPlan', 'maintenance.weekly[].day', 'sandbox.adminPort']));
  });
});

describe('lps: the vendors\' launch profiles', () => {
  const journey = { clinic: '012345', cpr: '2512489996', lpsSystem: 'medsign' };
  // A signed profile without a key, a key on a query profile, a system listed twice.
  const mistaken = [
    { system: 'medsign', vendor: 'MedSign ApS', style: 'signed' },
    { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query', key: 'k' },
    { system: 'medsign', vendor: 'Other', style: 'form' },
  ];
  it('names every mistake in the profiles with the property it concerns', () => {
    const problems = problemsOf(
      rawConfig({
        journey: { ...journey, lpsSystem: 'xmo' },
        lps: {
          profiles: [...mistaken, { system: 'bad system', vendor: '', style: 'soap' }],
          maxRejectedPercent: 120,
          statsMinutes: 90,
        },
      }),
    );
    expect(problems).toEqual([
      'lps.profiles[3].system: must be letters, digits, ".", "_" or "-"',
      'lps.profiles[3].vendor: must name the vendor',
      'lps.profiles[3].style: must be one of query, form, signed',
      'lps.statsMinutes: must be 1 to 60',
      'lps.maxRejectedPercent: must be 0 to 100',
    ]);
    const cross = problemsOf(
      rawConfig({
        journey: { ...journey, lpsSystem: 'xmo' },
        lps: {
          profiles: mistaken,
        },
      }),
    );
    expect(cross).toEqual([
      'lps.profiles[0]: a signed profile needs key, keySecretName, or lpsKeys.medsign in the journey secret (aws.journeySecretName): the vendor\'s shared HMAC key',
      'lps.profiles[1]: only a signed profile takes a key (this one is query)',
      'lps.profiles[2].system: "medsign" is listed twice (also lps.profiles[0])',
      'journey.lpsSystem: "xmo" is not one of lps.profiles (medsign, nordjournal); the journey launches with one of them',
    ]);
  });

  it('applies the defaults, lets a vendor own channels, and takes a signed key from the journey secret in AWS', () => {
    const c = parseConfig(
      rawConfig({
        journey,
        lps: { profiles: [{ system: 'medsign', vendor: 'MedSign ApS', style: 'signed' }] },
        aws: { journeySecretName: 'flp/journey' },
        notify: { channels: [{ type: 'webhook', owners: ['MedSign ApS'], url: 'https://hooks.example.test/x' }] },
      }),
      { baseDir: '/tmp' },
    );
    expect(c.lps).toMatchObject({ statsMinutes: 15, maxRejectedPercent: 20, minLaunches: 5 });
    expect(allOwners(c)).toEqual(['PLSP', 'KiAP', 'monitor-owner', 'MedSign ApS']);
    expect(journeyProfile(c)).toMatchObject({ system: 'medsign', style: 'signed' });
    expect(journeyProfile({ ...c, lps: { ...c.lps, profiles: [] } })).toEqual({ system: 'medsign', vendor: 'the LPS vendor', style: 'query' });
  });
});
