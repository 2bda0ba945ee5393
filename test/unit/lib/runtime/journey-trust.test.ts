import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../../lib/core/config.ts';
import type { Logger, Resolve } from '../../../../lib/core/context.ts';
import { loadHandlerConfig } from '../../../../lib/runtime/lambda-handlers.ts';
import { shippedConfig } from '../../../support/lambda-env.ts';
import { journeyBrowserTarget, journeyTrustedSpkis, readTargetCa } from '../../../../lib/runtime/journey-trust.ts';
import { issueCertificate, type KeyPairPem } from '../../../../sandbox/certs.ts';
import { rawConfig } from '../../../support/config.ts';
import { DAY_MS, createTestPki, keySpki, startHttpsServer, type RunningServer, type TestPki } from '../../../support/tls.ts';

const HOST = 'flp.internal.test';

let pki: TestPki;
let dir: string;
const servers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  dir = mkdtempSync(path.join(tmpdir(), 'flp-journey-trust-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  pki.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(leaf: KeyPairPem): Promise<number> {
  const s = await startHttpsServer(leaf, (_req, res) => res.end('ok'));
  servers.push(s);
  return s.port;
}


function configFor(baseUrl: string, target: Record<string, unknown> = {}): Config {
  const raw = rawConfig();
  return parseConfig({ ...raw, target: { ...(raw.target as object), baseUrl, caFile: pki.caFile, ...target } }, { baseDir: dir });
}

const resolveTo =
  (...addresses: string[]): Resolve =>
  async () =>
    addresses.map((address) => ({ address, family: 4 as const }));
const noDns: Resolve = async (host) => {
  throw Object.assign(new Error(`${host} does not resolve`), { code: 'ENOTFOUND' });
};

function recordingLogger(): Logger & { lines: [string, string, Record<string, unknown> | undefined][] } {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push([level, message, fields]);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('journeyTrustedSpkis', () => {
  it("trusts the load balancer's leaf when it verifies against target.caFile, at the address the resolver gives", async () => {
    const leaf = await pki.leaf(HOST);
    const port = await serve(leaf);
    const config = configFor(`https://${HOST}:${port}`);
    expect(await journeyTrustedSpkis(config, resolveTo('127.0.0.1'), {}, readTargetCa(config))).toEqual([keySpki(leaf)]);
  });

  it('checks at the address of the host-resolver rules, which is where Chromium goes, and asks no resolver', async () => {
    const leaf = await pki.leaf(HOST);
    const port = await serve(leaf);
    const config = configFor(`https://${HOST}:${port}`);
    expect(await journeyTrustedSpkis(config, noDns, { [HOST]: '127.0.0.1' }, readTargetCa(config))).toEqual([keySpki(leaf)]);
  });

  it('adds nothing for an expired leaf, and says why in a warning', async () => {
    const port = await serve(await pki.leaf(HOST, { fromDays: -60, toDays: -1 }));
    const config = configFor(`https://${HOST}:${port}`);
    const logger = recordingLogger();
    expect(await journeyTrustedSpkis(config, resolveTo('127.0.0.1'), {}, readTargetCa(config), logger)).toEqual([]);
    expect(logger.lines).toContainEqual(['warn', expect.stringContaining('does not verify against target.caFile'), expect.objectContaining({ host: HOST, code: 'CERT_HAS_EXPIRED' })]);
  });

  it('adds nothing and checks nothing for plain HTTP, without a CA, or when the name does not resolve', async () => {
    const port = await serve(await pki.leaf(HOST));
    const https = configFor(`https://${HOST}:${port}`);
    const ca = readTargetCa(https);
    expect(await journeyTrustedSpkis(configFor(`http://${HOST}:${port}`), resolveTo('127.0.0.1'), {}, ca)).toEqual([]);
    expect(await journeyTrustedSpkis(https, resolveTo('127.0.0.1'), {}, null)).toEqual([]);
    expect(await journeyTrustedSpkis(https, noDns, {}, ca)).toEqual([]);
  });

  it('checks an IP literal base URL against the IP addresses in the certificate', async () => {
    const now = Date.now();
    const names = { commonName: HOST, dnsNames: [HOST], notBefore: new Date(now - DAY_MS), notAfter: new Date(now + DAY_MS) };
    const withIp = await issueCertificate(pki.ca, { ...names, ipAddresses: ['127.0.0.1'] });
    const withoutIp = await issueCertificate(pki.ca, names);
    const [port, otherPort] = await Promise.all([serve(withIp), serve(withoutIp)]);
    const config = configFor(`https://127.0.0.1:${port}`);
    expect(await journeyTrustedSpkis(config, noDns, {}, readTargetCa(config))).toEqual([keySpki(withIp)]);
    expect(await journeyTrustedSpkis(configFor(`https://127.0.0.1:${otherPort}`), noDns, {}, readTargetCa(config))).toEqual([]);
  });
});

describe('journeyBrowserTarget', () => {
  it('gives the host-resolver rules of target.dnsServers and the leaf keys checked at the mapped address', async () => {
    const leaf = await pki.leaf(HOST);
    const port = await serve(leaf);
    const config = configFor(`https://${HOST}:${port}`, { dnsServers: ['127.0.0.1:53'] });
    expect(await journeyBrowserTarget(config, resolveTo('127.0.0.1'), readTargetCa(config))).toEqual({
      hostResolverRules: { [HOST]: '127.0.0.1' },
      trustedSpkis: [keySpki(leaf)],
    });
  });
});

describe('loadHandlerConfig and the CA shipped beside the bundle', () => {
  it('reads a relative target.caFile from the function code directory (LAMBDA_TASK_ROOT), an absolute one as it is', () => {
    const task = mkdtempSync(path.join(dir, 'task-'));
    writeFileSync(path.join(task, 'flp-ca.pem'), pki.ca.certPem);
    const raw = rawConfig();
    const env = (caFile: string) => shippedConfig({ ...raw, target: { ...(raw.target as object), caFile } }, task);
    const config = loadHandlerConfig(env('flp-ca.pem'), path.join(dir, 'tmp'));
    expect(config.target.caFile).toBe(path.join(task, 'flp-ca.pem'));
    expect(readTargetCa(config)).toEqual([pki.ca.certPem.trim()]);
    expect(loadHandlerConfig(env(pki.caFile), path.join(dir, 'tmp')).target.caFile).toBe(pki.caFile);
    expect(loadHandlerConfig(shippedConfig(raw), path.join(dir, 'tmp')).target.caFile).toBeUndefined();
  });

  it('names the file when the code directory has no config, or one that is not JSON', () => {
    const task = mkdtempSync(path.join(dir, 'task-'));
    expect(() => loadHandlerConfig({ LAMBDA_TASK_ROOT: task }, path.join(dir, 'tmp'))).toThrow(/flp-config\.json is not valid:\n {2}- \(file\): no such file; the stack ships the config beside the bundle/);
    expect(() => loadHandlerConfig(shippedConfig('{"environment":', task), path.join(dir, 'tmp'))).toThrow(/flp-config\.json is not valid:\n {2}- \(file\): not valid JSON/);
  });
});
