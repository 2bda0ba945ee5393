/**
 * The command as a user runs it: a separate process, `npx flp-monitor run --once --json`, one
 * JSON document on stdout, the exit code, and the wall time of a healthy run with the journey;
 * and the conventions a Node user expects: `--version`, `config schema`, whole lines on a pipe,
 * a terminal's width and NO_COLOR on a terminal (a pseudo-terminal from `script`).
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';
import { startStallMeter } from '../support/stall-meter.ts';

const bin = path.resolve(import.meta.dirname, '../../lib/cli/bin.mjs');
let fx: SandboxFixture;

beforeAll(async () => {
  fx = await startSandboxFixture();
});
afterAll(async () => {
  await fx?.sandbox.close();
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string; wallMs: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: fx.dir, timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, wallMs: performance.now() - t0 });
    });
  });
}

// Each case spawns Node with tsx (a second or two before anything runs) and may run Chromium.
describe('flp-monitor run --once --json (a separate process)', { timeout: 60_000 }, () => {
  it('completes a healthy run with the journey in under 10 s, printing exactly one JSON document', async () => {
    const stall = startStallMeter();
    const r = await cli(['run', '--once', '--json', '--config', fx.configFile]);
    const stalledMs = stall.stop();
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; verdict: unknown; results: { probe: string; ok: boolean }[] };
    expect(doc.ok).toBe(true);
    expect(doc.verdict).toMatchObject({ class: null, owner: null });
    expect(doc.results.find((x) => x.probe === 'journey')?.ok).toBe(true);
    // (plus the time this machine kept the test process from running, measured)
    expect(r.wallMs).toBeLessThan(10_000 + stalledMs);
    expect(r.stdout).not.toMatch(/2512489996/);
  });

  it('exits 1 with the class and owner when a failure is found', async () => {
    fx.sandbox.setFault('sync-failed');
    try {
      const r = await cli(['run', '--once', '--json', '--config', fx.configFile]);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { verdict: { class: string; owner: string; summary: string } };
      expect(doc.verdict.class).toBe('sync');
      expect(doc.verdict.owner).toBe('PLSP');
      expect(doc.verdict.summary).toMatch(/lab sync failed: state failed, last success 6 h 1\d min ago/);
    } finally {
      fx.sandbox.clearFaults();
    }
  });

  it('prints the table with the verdict line for people', async () => {
    fx.sandbox.setFault('version-drift');
    try {
      const r = await cli(['run', '--once', '--config', fx.configFile]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^probe +status +class +owner +duration +summary$/m);
      expect(r.stdout).toMatch(/^release +FAIL +release +KiAP /m);
      expect(r.stdout).toMatch(/^FAIL release \/ KiAP: version drift: flp-3 runs /m);
    } finally {
      fx.sandbox.clearFaults();
    }
  });
});

/** A config for the fixture without the journey (no browser): quick runs of the HTTP probes. */
async function httpOnlyConfig(name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(fx.dir, name);
  await writeFile(file, JSON.stringify({ ...fx.raw, journey: { ...(fx.raw.journey as object), enabled: false }, retry: { retries: 0 }, ...overrides }, null, 2));
  return file;
}

describe('flp-monitor as a Node user expects it (a separate process)', { timeout: 90_000 }, () => {
  it('prints the package version for --version and -V, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('prints the config\'s JSON Schema for "config schema", one JSON document', async () => {
    const r = await cli(['config', 'schema']);
    expect(r.code, r.stderr).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown>; required: string[] };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['$schema', 'environment', 'target', 'journey', 'sandbox']));
    expect(schema.required).toEqual(['environment', 'target', 'journey']);
  });

  it('runs a config that names its "$schema"', async () => {
    const file = await httpOnlyConfig('with-schema.json', { $schema: './flp-monitor.schema.json' });
    const r = await cli(['run', '--once', '--json', '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it('keeps a 300-character summary whole in the table when stdout is a pipe', async () => {
    // A sync source with a very long name: its failure summary names it.
    const lab = (fx.raw.sync as { source: string; url: string; maxLagMinutes: number }[]).find((x) => x.source === 'lab')!;
    const source = `lab-${'x'.repeat(300)}`;
    const file = await httpOnlyConfig('long-summary.json', { sync: [{ ...lab, source }] });
    fx.sandbox.setFault('sync-failed');
    try {
      const table = await cli(['run', '--once', '--config', file]);
      const json = await cli(['run', '--once', '--json', '--config', file]);
      expect(table.code, table.stderr).toBe(1);
      const summary = (JSON.parse(json.stdout) as { results: { probe: string; summary: string }[] }).results.find((x) => x.probe === `sync:${source}`)!.summary;
      expect(summary.length).toBeGreaterThanOrEqual(300);
      const row = table.stdout.split('\n').find((l) => l.startsWith(`sync:${source} `))!;
      expect(row.endsWith(summary.replace(/\s+/g, ' '))).toBe(true);
      expect(table.stdout).not.toContain('…');
    } finally {
      fx.sandbox.clearFaults();
    }
  });

  it('prints "sandbox status --json" as one JSON document of the active faults and the fault names', async () => {
    const file = await httpOnlyConfig('with-sandbox.json', { sandbox: { adminPort: Number(new URL(fx.sandbox.adminUrl).port) } });
    fx.sandbox.setFault('version-drift');
    try {
      const r = await cli(['sandbox', 'status', '--json', '--config', file]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { active: { name: string }[]; faults: string[] };
      expect(Object.keys(doc)).toEqual(['active', 'faults']);
      expect(doc.active.map((f) => f.name)).toEqual(['version-drift']);
      expect(doc.faults).toEqual(expect.arrayContaining(['db-down', 'version-drift', 'sync-failed']));
    } finally {
      fx.sandbox.clearFaults();
    }
  });

  /** The scheduled `run` on a 100-column pseudo-terminal, until a live frame shows the release check. */
  function liveFrame(file: string, env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
      const command = `stty cols 100 rows 50; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} run --config ${JSON.stringify(file)}`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: fx.dir, env: { ...process.env, TERM: 'xterm-256color', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const timer = setTimeout(() => {
        process.kill(-child.pid!, 'SIGKILL');
        reject(new Error(`no live frame within 30 s:\n${out}`));
      }, 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // Each group redraws the screen when it finishes; wait for a whole frame with the release check.
        const frame = out.split('\x1b[H\x1b[2J').at(-1)!;
        if (/\nrelease /.test(frame) && /schedule: journey every/.test(frame)) {
          clearTimeout(timer);
          process.kill(-child.pid!, 'SIGTERM');
        }
      });
      child.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
  }

  it('colours the live verdict on a terminal, not under NO_COLOR, and fits the table to the terminal', async () => {
    const file = await httpOnlyConfig('live.json');
    fx.sandbox.setFault('version-drift');
    try {
      const coloured = await liveFrame(file, {});
      expect(coloured).toContain('\x1b[H\x1b[2J');
      expect(coloured).toContain('\x1b[1;31mFAIL release / KiAP');

      const plain = await liveFrame(file, { NO_COLOR: '1' });
      expect(plain).toContain('\x1b[H\x1b[2J');
      expect(plain).toMatch(/^FAIL release \/ KiAP/m);
      expect(plain.replaceAll('\x1b[H\x1b[2J', '')).not.toMatch(/\x1b\[[\d;]*m/);
      const rows = plain.split(/\r?\n/).filter((l) => /^(release|node:|lb|sync:)/.test(l));
      expect(rows.length).toBeGreaterThan(3);
      for (const l of rows) expect(l.length).toBeLessThanOrEqual(100);
      expect(rows.find((l) => l.startsWith('release '))).toMatch(/…$/);
    } finally {
      fx.sandbox.clearFaults();
    }
  });
});
