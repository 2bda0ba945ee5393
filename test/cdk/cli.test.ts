/**
 * THE REAL CLI, as a child process: `npx cdk synth` from the repository root, offline, exactly
 * as the README's Deploy section runs it. Slower than the in-process tests (esbuild bundling and CDK's built-in CloudFormation
 * schema check run here), and the proof that the documented command synthesizes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support.ts';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cdk(args: string[], timeoutMs = 290_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['cdk', ...args],
      {
        cwd: ROOT,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        // Offline: no telemetry sent, no instance metadata asked for credentials.
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const made: string[] = [];
const outDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-synth-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const violations = (dir: string) =>
  (JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: { ruleName: string }[] }[] }).pluginReports.flatMap(
    (r) => r.violations ?? [],
  );

describe.concurrent('npx cdk synth (the real CLI, offline)', () => {
  it('synthesizes the default config and exits 0, with no cdk-nag or CloudFormation finding', async () => {
    const out = outDir();
    const result = await cdk(['synth', '--quiet', '--no-notices', '-o', out]);
    expect(result.stderr).not.toMatch(/\bERROR\b/);
    expect(result.code, result.stderr).toBe(0);
    const template = JSON.parse(readFileSync(path.join(out, 'FlpMonitor-sandbox.template.json'), 'utf8'));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(40);
    expect(violations(out)).toEqual([]);
  }, 300_000);

  it('fails on a bad config with the config\'s message, naming each property', async () => {
    const dir = outDir();
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ environment: 'x', target: { baseUrl: 'nope', nodes: [] } }));
    const result = await cdk(['synth', '--quiet', '--no-notices', '-o', path.join(dir, 'out'), '-c', `config=${bad}`], 140_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`config ${bad} is not valid`);
    expect(result.stderr).toContain('target.baseUrl: must be an http:// or https:// URL');
    expect(result.stderr).toContain('target.nodes: must list at least one node');
    expect(result.stderr).toContain('journey: is required');
  }, 150_000);
});
