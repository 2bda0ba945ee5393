import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_OWNERS, loadConfig, parseConfig } from '../../../../lib/core/config.ts';
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
    expect(c.schedule).toEqual({ journeySeconds: 300, syncSeconds: 60, nodesSeconds: 60 });
    expect(c.retry.retries).toBe(1);
    expect(c.journey.enabled).toBe(true);
    expect(c.journey.selectors.createPlan).toBe('[data-testid="create-plan"]');
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
    expect(problems).toEqual(['owners.hosting: unknown property (failure classes are infrastructure, sync, application, release, monitor)']);
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
