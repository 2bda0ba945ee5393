/**
 * The conventions a Node user expects of `npx flp-monitor`: `--version`, one JSON document
 * for `--json`, exit 2 only for usage and config.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../../../lib/cli/main.ts';
import { alarmPolicy } from '../../../../lib/alarms/policy.ts';
import { configJsonSchema, loadConfig } from '../../../../lib/core/config.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const bundled = path.join(root, 'flp-monitor.config.json');
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** The bundled config with its store in an empty temporary directory. */
async function emptyStoreConfig(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-main-'));
  const raw = JSON.parse(readFileSync(bundled, 'utf8')) as Record<string, unknown>;
  const file = path.join(dir, 'flp-monitor.config.json');
  await writeFile(file, JSON.stringify({ ...raw, target: { ...(raw.target as object), caFile: undefined }, store: { dir: path.join(dir, 'store') } }));
  return file;
}

describe('flp-monitor --version', () => {
  it('prints the package version and exits 0, as --version and as -V', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r).toEqual({ code: EXIT.ok, out: `${version}\n`, err: '' });
    }
  });

  it('lists --version in the help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/-V, --version +print the version and exit/);
  });
});

describe('flp-monitor config schema', () => {
  it('prints the JSON Schema of the config as exactly one JSON document', async () => {
    const r = await cli('config', 'schema');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual(configJsonSchema());
  });
});

describe('flp-monitor alarms --json', () => {
  it('prints the policy as deployed as one JSON document', async () => {
    const r = await cli('alarms', '--json', '--config', bundled);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { environment: string; alarms: { id: string }[]; composites: unknown[] };
    expect(doc).toEqual(JSON.parse(JSON.stringify(alarmPolicy(await loadConfig(bundled), { minPeriodSeconds: 60 }))));
    expect(doc.alarms.length).toBeGreaterThan(3);
  });

  it('prints each alarm\'s state with --evaluate, and exits 1 as the table does when something would page', async () => {
    // An empty store has no heartbeat: the monitor itself is down, which pages its owner.
    const r = await cli('alarms', '--evaluate', '--json', '--config', await emptyStoreConfig());
    expect(r.code, r.err).toBe(1);
    const doc = JSON.parse(r.out) as { at: string; paging: boolean; alarms: { id: string; state: string; owner: string; reason: string }[]; composites: { id: string; state: string; paging: boolean; owner: string; firing: string[] }[] };
    expect(Object.keys(doc)).toEqual(['at', 'paging', 'alarms', 'composites']);
    expect(doc.paging).toBe(true);
    expect(doc.alarms.find((a) => a.id === 'monitor-heartbeat')).toMatchObject({ state: 'ALARM', owner: 'monitor-owner' });
    expect(doc.alarms.find((a) => a.id === 'infrastructure-failures')).toMatchObject({ state: 'OK', owner: 'PLSP' });
    expect(doc.composites.filter((c) => c.paging)).toEqual([expect.objectContaining({ id: 'monitor-page', owner: 'monitor-owner', firing: ['monitor-heartbeat'] })]);
  });

  it('refuses --json with --markdown as a usage error', async () => {
    const r = await cli('alarms', '--json', '--markdown', '--config', bundled);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe('');
    expect(r.err).toContain('--json and --markdown exclude each other');
  });
});

describe('flp-monitor sandbox status', () => {
  it('is a usage error, not a crash, when the config has no sandbox', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-main-'));
    const file = path.join(dir, 'c.json');
    const raw = JSON.parse(readFileSync(bundled, 'utf8')) as Record<string, unknown>;
    delete raw.sandbox;
    await writeFile(file, JSON.stringify(raw));
    const r = await cli('sandbox', 'status', '--json', '--config', file);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/has no "sandbox" section/);
  });
});
