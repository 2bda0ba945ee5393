/**
 * A deployment behind an internal PKI: `target.caFile` is read at synth and shipped beside each
 * function's bundle (bundle.test.ts checks the file in the asset), and the shipped config names it
 * where the handler reads it, so the functions trust the CA instead of the stack warning that
 * they cannot.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { SHIPPED_CA_FILE } from '../../cdk/probe-functions.ts';
import { PROBE_GROUPS } from '../../lib/core/contract.ts';
import { readTargetCa } from '../../lib/runtime/journey-trust.ts';
import { createCertificateAuthority } from '../../sandbox/certs.ts';
import { DEFAULT_CONFIG, handlerConfigOf, PRODUCTION_CONFIG, removeAssembly, shippedConfigOf, synthesize, type Synthesized } from './support.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-ca-'));
let bundlePem: string;
let s: Synthesized;

function configWith(base: string, name: string, target: Record<string, unknown>): string {
  const raw = JSON.parse(readFileSync(base, 'utf8')) as { target: Record<string, unknown> };
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ ...raw, target: { ...raw.target, ...target } }));
  return file;
}


beforeAll(async () => {
  // A bundle (roots and intermediates; these are small ECDSA ones) can outgrow Lambda's whole 4 KB of environment.
  const cas = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => createCertificateAuthority(`Internal CA ${i}`)));
  bundlePem = cas.map((c) => c.certPem).join('');
  expect(Buffer.byteLength(bundlePem)).toBeGreaterThan(4096);
  writeFileSync(path.join(dir, 'internal-ca.pem'), bundlePem);
  s = await synthesize(configWith(PRODUCTION_CONFIG, 'prod-ca.config.json', { caFile: 'internal-ca.pem' }));
}, 60_000);
afterAll(() => {
  removeAssembly(s);
  rmSync(dir, { recursive: true, force: true });
});

describe('target.caFile in the deployment', () => {
  it('reaches every function: the shipped config names the copy beside the bundle, which the handler reads from its code directory', () => {
    for (const group of PROBE_GROUPS) {
      expect(JSON.parse(shippedConfigOf(s, group)).target.caFile, group).toBe(SHIPPED_CA_FILE);
      // As in Lambda: the config and the CA beside index.mjs in LAMBDA_TASK_ROOT.
      const task = mkdtempSync(path.join(dir, 'task-'));
      writeFileSync(path.join(task, SHIPPED_CA_FILE), bundlePem);
      const config = handlerConfigOf(s, group, task);
      expect(config.target.caFile).toBe(path.join(task, SHIPPED_CA_FILE));
      expect(readTargetCa(config)).toHaveLength(8);
    }
  });

  it('no longer warns that the functions cannot read it', () => {
    Annotations.fromStack(s.stack).hasNoWarning('*', Match.stringLikeRegexp('target\\.caFile'));
  });

  it('stops the synth when the file cannot be read or holds no certificate', async () => {
    await expect(synthesize(configWith(PRODUCTION_CONFIG, 'missing.config.json', { caFile: 'no-such-ca.pem' }))).rejects.toThrow(
      /target\.caFile: cannot read .*no-such-ca\.pem \(no such file\)/,
    );
    writeFileSync(path.join(dir, 'not-a-cert.pem'), 'hello');
    await expect(synthesize(configWith(PRODUCTION_CONFIG, 'empty.config.json', { caFile: 'not-a-cert.pem' }))).rejects.toThrow(/holds no PEM certificate/);
  });

  it("only warns for a sandbox config whose CA the sandbox has not written yet, and ships none", async () => {
    const sandbox = await synthesize(configWith(DEFAULT_CONFIG, 'sandbox.config.json', { caFile: 'sandbox-not-started/ca.pem' }));
    try {
      Annotations.fromStack(sandbox.stack).hasWarning('*', Match.stringLikeRegexp('target\\.caFile .*sandbox-not-started/ca\\.pem.*the sandbox writes its CA'));
      for (const group of PROBE_GROUPS) expect(JSON.parse(shippedConfigOf(sandbox, group)).target).not.toHaveProperty('caFile');
    } finally {
      removeAssembly(sandbox);
    }
  });
});
