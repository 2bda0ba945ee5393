/**
 * What is actually shipped: the esbuild bundle of the handlers and the Chromium layer, staged
 * at synth time without Docker, and that they load when laid out as Lambda lays them out
 * (function in /var/task, layers under /opt, NODE_PATH=/opt/nodejs/node_modules).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_LAYER_PACKAGES, PROJECT_ROOT, SHIPPED_CA_FILE, UNBUNDLED_PACKAGES } from '../../cdk/probe-functions.ts';
import { createCertificateAuthority } from '../../sandbox/certs.ts';
import { runtimeClosure } from '../../cdk/node-modules.ts';
import { SHIPPED_CONFIG_FILE } from '../../lib/runtime/handler-env.ts';
import { DEFAULT_CONFIG, logicalId, removeAssembly, resourcesOf, shippedConfigOf, synthesize, type Synthesized } from './support.ts';

const run = promisify(execFile);

let s: Synthesized;
let assetDir: (hash: string) => string;
let caPem: string;
const configDir = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-bundle-'));
beforeAll(async () => {
  // The repository's config with a CA that exists (the sandbox's own is only written when the sandbox first runs).
  caPem = (await createCertificateAuthority('flp-monitor bundle test CA')).certPem;
  writeFileSync(path.join(configDir, 'ca.pem'), caPem);
  const raw = JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as { target: Record<string, unknown> };
  const configFile = path.join(configDir, 'flp-monitor.config.json');
  writeFileSync(configFile, JSON.stringify({ ...raw, target: { ...raw.target, caFile: 'ca.pem' } }));
  s = await synthesize(configFile, { bundle: true });
  const manifest = JSON.parse(readFileSync(path.join(s.assembly.directory, `${s.stack.artifactId}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  assetDir = (hash) => path.join(s.assembly.directory, manifest.files[hash]!.source.path);
}, 120_000);
afterAll(() => {
  removeAssembly(s);
  rmSync(configDir, { recursive: true, force: true });
});

const codeDir = (code: { S3Key: string }) => assetDir(code.S3Key.replace(/\.zip$/, ''));
const functionDir = (group: 'journey' | 'sync' | 'nodes') => codeDir(s.json.Resources[logicalId(s, s.stack.probes.functions[group]!)]!.Properties!.Code);
const layerDir = () => codeDir(resourcesOf(s, 'AWS::Lambda::LayerVersion')[0]![1].Content);

describe('the bundle and the layer', () => {
  it('bundles the handlers into one ES module, with playwright beside the journey only and Chromium left out', () => {
    for (const group of ['journey', 'sync', 'nodes'] as const) {
      const dir = functionDir(group);
      const bundle = path.join(dir, 'index.mjs');
      expect(existsSync(bundle), group).toBe(true);
      // The AWS SDK and our code, not a browser: Chromium comes from the layer.
      expect(statSync(bundle).size).toBeLessThan(5 * 1024 * 1024);
      expect(readFileSync(bundle, 'utf8')).toMatch(/^import\{createRequire as __flpCreateRequire\}|^import \{ createRequire as __flpCreateRequire \}/);
      // Playwright loads on first use; only the journey ever gets there.
      for (const pkg of runtimeClosure(UNBUNDLED_PACKAGES, PROJECT_ROOT)) expect(existsSync(path.join(dir, pkg.relative, 'package.json')), `${group} ${pkg.name}`).toBe(group === 'journey');
      expect(existsSync(path.join(dir, 'node_modules', '@sparticuz'))).toBe(false);
    }
  });

  it('ships the config and target.caFile beside every bundle, the config naming the CA\'s copy', () => {
    for (const group of ['journey', 'sync', 'nodes'] as const) {
      expect(readFileSync(path.join(functionDir(group), SHIPPED_CA_FILE), 'utf8'), group).toBe(caPem);
      const shipped = readFileSync(path.join(functionDir(group), SHIPPED_CONFIG_FILE), 'utf8');
      expect(shipped, group).toBe(shippedConfigOf(s, group));
      expect(JSON.parse(shipped).target.caFile, group).toBe(SHIPPED_CA_FILE);
      const fn = s.json.Resources[logicalId(s, s.stack.probes.functions[group]!)]!.Properties!;
      expect(JSON.stringify(fn.Environment.Variables), group).not.toContain('"environment"');
    }
  });

  it('lays the Chromium layer out as nodejs/node_modules/@sparticuz/chromium with everything it requires', () => {
    const dir = layerDir();
    expect(existsSync(path.join(dir, 'nodejs', 'node_modules', '@sparticuz', 'chromium', 'bin', 'chromium.br'))).toBe(true);
    for (const pkg of runtimeClosure(CHROMIUM_LAYER_PACKAGES, PROJECT_ROOT)) expect(existsSync(path.join(dir, 'nodejs', pkg.relative, 'package.json')), pkg.name).toBe(true);
  });

  it('loads as Lambda loads it: the handlers from /var/task, @sparticuz/chromium from the layer', async () => {
    const task = functionDir('journey');
    const opt = layerDir();
    const script = `
      const m = await import(${JSON.stringify(path.join(task, 'index.mjs'))});
      const { createRequire } = await import('node:module');
      const require = createRequire(${JSON.stringify(path.join(task, 'index.js'))});
      const chromium = require('@sparticuz/chromium');
      console.log(JSON.stringify({
        handlers: ['journeyHandler', 'syncHandler', 'nodesHandler'].map((h) => typeof m[h]),
        chromium: require.resolve('@sparticuz/chromium'),
        executablePath: typeof (chromium.default ?? chromium).executablePath,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: task,
      env: { PATH: process.env.PATH, NODE_PATH: path.join(opt, 'nodejs', 'node_modules') },
      timeout: 60_000,
    });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(seen.handlers).toEqual(['function', 'function', 'function']);
    expect(seen.chromium.startsWith(path.join(opt, 'nodejs', 'node_modules', '@sparticuz', 'chromium'))).toBe(true);
    expect(seen.executablePath).toBe('function');
  }, 60_000);

  it('bundles the notifier from its own entry: small, no Playwright beside it, loading as Lambda loads it', async () => {
    const task = codeDir(s.json.Resources[logicalId(s, s.stack.notifier.function)]!.Properties!.Code);
    const bundle = path.join(task, 'index.mjs');
    const bytes = statSync(bundle).size;
    // The AWS SDK clients it uses and our code: no probe, no browser.
    expect(bytes).toBeLessThan(3 * 1024 * 1024);
    const text = readFileSync(bundle, 'utf8');
    expect(text).not.toMatch(/playwright-core|chromium\.launch|probeJourney/);
    expect(existsSync(path.join(task, 'node_modules'))).toBe(false);
    const script = `
      const m = await import(${JSON.stringify(bundle)});
      console.log(JSON.stringify({ handler: typeof m.notifierHandler, probes: ['journeyHandler', 'syncHandler', 'nodesHandler'].filter((k) => k in m) }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: task, env: { PATH: process.env.PATH }, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ handler: 'function', probes: [] });
    console.log(`notifier bundle: ${(bytes / 1024).toFixed(0)} KiB`);
  }, 60_000);

  it('loads the sync and node functions without Playwright or the layer', async () => {
    for (const group of ['sync', 'nodes'] as const) {
      const task = functionDir(group);
      const script = `
        const m = await import(${JSON.stringify(path.join(task, 'index.mjs'))});
        const { createRequire } = await import('node:module');
        let playwright = 'absent';
        try { createRequire(${JSON.stringify(path.join(task, 'index.js'))}).resolve('playwright'); playwright = 'found'; } catch {}
        console.log(JSON.stringify({ handler: typeof m[${JSON.stringify(`${group}Handler`)}], playwright }));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: task, env: { PATH: process.env.PATH }, timeout: 60_000 });
      const seen = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(seen, group).toEqual({ handler: 'function', playwright: 'absent' });
    }
  }, 60_000);
});
