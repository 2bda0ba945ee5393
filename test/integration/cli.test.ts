/**
 * The command as a user runs it: a separate process, `npx flp-monitor run --once --json`, one
 * JSON document on stdout, the exit code, and the wall time of a healthy run with the journey.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const bin = path.resolve(import.meta.dirname, '../../lib/cli/bin.mjs');
let fx: SandboxFixture;

beforeAll(async () => {
  fx = await startSandboxFixture();
});
afterAll(async () => {
  await fx?.sandbox.close();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; wallMs: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: fx.dir, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, wallMs: performance.now() - t0 });
    });
  });
}

describe('flp-monitor run --once --json (a separate process)', () => {
  it('completes a healthy run with the journey in under 10 s, printing exactly one JSON document', async () => {
    const r = await cli(['run', '--once', '--json', '--config', fx.configFile]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; verdict: unknown; results: { probe: string; ok: boolean }[] };
    expect(doc.ok).toBe(true);
    expect(doc.verdict).toMatchObject({ class: null, owner: null });
    expect(doc.results.find((x) => x.probe === 'journey')?.ok).toBe(true);
    expect(r.wallMs).toBeLessThan(10_000);
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
