/**
 * A load balancer behind an internal PKI: the sandbox's plain-HTTP load balancer fronted by a
 * loopback TLS terminator whose leaf is signed by the sandbox CA (the CA that also signs the
 * nodes), reached as `https://flp.sandbox.test:<port>` through the sandbox DNS. Chromium does
 * not know that CA; with it in `target.caFile` the journey must pass, and an unknown, foreign
 * or expired certificate must still fail as infrastructure: in `run --once`, in a warm monitor
 * whose certificate changes under it, and in the Lambda handler with the Lambda Chromium.
 */
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { BrowserProvider, spkiListArg } from '../../lib/adapters/browser.ts';
import { createLambdaBrowser, type LambdaBrowserProvider } from '../../lib/adapters/lambda-browser.ts';
import { spkiSha256 } from '../../lib/adapters/tls-trust.ts';
import { loadConfig } from '../../lib/core/config.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import { Monitor } from '../../lib/runtime/monitor.ts';
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority, type CertificateAuthority, type KeyPairPem } from '../../sandbox/certs.ts';
import { FakeAws } from '../support/fake-aws.ts';
import { deploy } from '../support/deployed.ts';
import { configFor, startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';
import { DAY_MS, listen, type RunningServer } from '../support/tls.ts';

const LB_HOST = 'flp.sandbox.test';

let fx: SandboxFixture;
let sandboxCa: CertificateAuthority;
let otherCa: CertificateAuthority;
let otherCaFile: string;
let leaves: { valid: KeyPairPem; expired: KeyPairPem; foreign: KeyPairPem };
let terminator: RunningServer<tls.Server>;
let httpsBaseUrl: string;

/** TLS in front of the sandbox's HTTP load balancer, bytes passed through both ways. */
async function startTlsTerminator(leaf: KeyPairPem, upstreamPort: number): Promise<RunningServer<tls.Server>> {
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (clear) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    clear.pipe(upstream).pipe(clear);
    clear.on('error', () => upstream.destroy());
    upstream.on('error', () => clear.destroy());
    clear.on('close', () => upstream.destroy());
    upstream.on('close', () => clear.destroy());
  });
  // Handshakes Chromium aborts (a refused certificate) are expected here.
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

const present = (leaf: KeyPairPem) => terminator.server.setSecureContext({ cert: leaf.certPem, key: leaf.keyPem });

async function writeConfig(name: string, target: Record<string, unknown>): Promise<string> {
  const raw = configFor(fx.sandbox, fx.dir);
  const file = path.join(fx.dir, `${name}.config.json`);
  await writeFile(file, JSON.stringify({ ...raw, target: { ...(raw.target as object), baseUrl: httpsBaseUrl, ...target } }, null, 2));
  return file;
}

interface JsonReport {
  ok: boolean;
  verdict: { class: string | null };
  results: { probe: string; ok: boolean; class: string | null; summary: string; evidence: { type: string; code?: string }[] }[];
}

async function runOnce(configFile: string): Promise<{ code: number; doc: JsonReport }> {
  let out = '';
  let err = '';
  const code = await main(['run', '--once', '--json', '--config', configFile], { out: (s) => (out += s), err: (s) => (err += s) });
  expect(out, err).not.toBe('');
  return { code, doc: JSON.parse(out) as JsonReport };
}

const journeyOf = (doc: JsonReport) => doc.results.find((r) => r.probe === 'journey')!;

beforeAll(async () => {
  fx = await startSandboxFixture();
  const certDir = path.join(fx.dir, 'certs');
  [sandboxCa, otherCa] = await Promise.all([
    loadCertificateAuthority(await readFile(path.join(certDir, 'ca.pem'), 'utf8'), await readFile(path.join(certDir, 'ca-key.pem'), 'utf8')),
    createCertificateAuthority('Some other internal CA'),
  ]);
  otherCaFile = path.join(fx.dir, 'other-ca.pem');
  await writeFile(otherCaFile, otherCa.certPem);
  const now = Date.now();
  const names = { commonName: LB_HOST, dnsNames: [LB_HOST] };
  leaves = {
    valid: await issueCertificate(sandboxCa, { ...names, notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 30 * DAY_MS) }),
    expired: await issueCertificate(sandboxCa, { ...names, notBefore: new Date(now - 60 * DAY_MS), notAfter: new Date(now - 2 * DAY_MS) }),
    foreign: await issueCertificate(otherCa, { ...names, notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 30 * DAY_MS) }),
  };
  terminator = await startTlsTerminator(leaves.valid, Number(new URL(fx.sandbox.baseUrl).port));
  httpsBaseUrl = `https://${LB_HOST}:${terminator.port}`;
}, 60_000);

afterAll(async () => {
  await terminator?.close();
  await fx?.sandbox.close();
});

describe('run --once against an HTTPS load balancer signed by a private CA', () => {
  it('passes the journey (and every other probe) with that CA in target.caFile', async () => {
    present(leaves.valid);
    const { code, doc } = await runOnce(await writeConfig('private-ca', { caFile: fx.sandbox.caFile }));
    expect(journeyOf(doc), journeyOf(doc).summary).toMatchObject({ ok: true, class: null });
    expect(doc.results.filter((r) => !r.ok).map((r) => `${r.probe}: ${r.summary}`)).toEqual([]);
    expect(code).toBe(0);
  }, 60_000);

  it('fails the journey as infrastructure without target.caFile: Chromium does not know the CA', async () => {
    present(leaves.valid);
    const { code, doc } = await runOnce(await writeConfig('no-ca', { caFile: undefined }));
    expect(code).toBe(1);
    expect(doc.verdict.class).toBe('infrastructure');
    expect(journeyOf(doc)).toMatchObject({ ok: false, class: 'infrastructure' });
    expect(journeyOf(doc).evidence).toContainEqual(expect.objectContaining({ type: 'tls', code: 'net::ERR_CERT_AUTHORITY_INVALID' }));
  }, 60_000);

  it('fails the journey as infrastructure when target.caFile is a different CA', async () => {
    present(leaves.valid);
    const { doc } = await runOnce(await writeConfig('other-ca', { caFile: otherCaFile }));
    expect(doc.verdict.class).toBe('infrastructure');
    expect(journeyOf(doc)).toMatchObject({ ok: false, class: 'infrastructure' });
    expect(journeyOf(doc).evidence).toContainEqual(expect.objectContaining({ type: 'tls' }));
  }, 60_000);

  it('fails the journey as infrastructure when the leaf of the right CA has expired', async () => {
    present(leaves.expired);
    try {
      const { doc } = await runOnce(await writeConfig('expired', { caFile: fx.sandbox.caFile }));
      expect(doc.verdict.class).toBe('infrastructure');
      expect(journeyOf(doc)).toMatchObject({ ok: false, class: 'infrastructure' });
      expect(journeyOf(doc).evidence).toContainEqual(expect.objectContaining({ type: 'tls' }));
      // The HTTP probe of the load balancer names the real reason.
      expect(doc.results.find((r) => r.probe === 'lb')?.evidence).toContainEqual(expect.objectContaining({ type: 'tls', code: 'CERT_HAS_EXPIRED' }));
    } finally {
      present(leaves.valid);
    }
  }, 60_000);

  it('fails the journey as infrastructure when the load balancer presents a leaf of another CA', async () => {
    present(leaves.foreign);
    try {
      const { doc } = await runOnce(await writeConfig('foreign', { caFile: fx.sandbox.caFile }));
      expect(journeyOf(doc)).toMatchObject({ ok: false, class: 'infrastructure' });
      expect(journeyOf(doc).evidence).toContainEqual(expect.objectContaining({ type: 'tls' }));
    } finally {
      present(leaves.valid);
    }
  }, 60_000);
});

describe('a warm monitor whose load balancer certificate changes', () => {
  it('restarts its browser with the new set: valid passes, expired fails as infrastructure, renewed passes again', async () => {
    const monitor = new Monitor(await loadConfig(await writeConfig('warm', { caFile: fx.sandbox.caFile })));
    try {
      present(leaves.valid);
      expect((await monitor.runGroup('journey'))[0]).toMatchObject({ ok: true });
      present(leaves.expired);
      expect((await monitor.runGroup('journey'))[0]).toMatchObject({ ok: false, class: 'infrastructure' });
      present(leaves.valid);
      expect((await monitor.runGroup('journey'))[0]).toMatchObject({ ok: true });
    } finally {
      present(leaves.valid);
      await monitor.close();
    }
  }, 90_000);
});

/*
 * What the flag does in Chromium (Debian's, here), which is why the check before it exists: a
 * listed leaf key is accepted whatever is wrong with its certificate, expiry included; a
 * listed root key matches nothing, because servers do not send their root.
 */
describe("Chromium's --ignore-certificate-errors-spki-list", () => {
  async function status(spkis: string[]): Promise<number | string> {
    const browser = new BrowserProvider({ hostResolverRules: { [LB_HOST]: '127.0.0.1' }, trustedSpkis: spkis });
    try {
      const page = await (await (await browser.get()).newContext()).newPage();
      const response = await page.goto(`${httpsBaseUrl}/lps/launch?clinic=012345&cpr=2512489996&system=test-journal`).catch((e: Error) => e);
      return response instanceof Error ? (/net::ERR_\w+/.exec(response.message)?.[0] ?? response.message) : (response?.status() ?? 'no response');
    } finally {
      await browser.close();
    }
  }

  it("accepts an expired leaf whose key is listed (so the Node check is what keeps expiry failing), and matches nothing by the root's key", async () => {
    present(leaves.expired);
    try {
      expect(await status([spkiSha256(leaves.expired.certPem)])).toBe(200);
      expect(await status([spkiSha256(sandboxCa.certPem)])).toBe('net::ERR_CERT_AUTHORITY_INVALID');
      expect(await status([])).toBe('net::ERR_CERT_AUTHORITY_INVALID');
    } finally {
      present(leaves.valid);
    }
    expect(spkiListArg([spkiSha256(leaves.valid.certPem)])).toBe(`--ignore-certificate-errors-spki-list=${spkiSha256(leaves.valid.certPem)}`);
  }, 60_000);
});

describe('the journey handler in the Lambda Chromium, with the CA shipped beside the bundle', () => {
  let aws: FakeAws;
  let browser: LambdaBrowserProvider | undefined;
  let saved: NodeJS.ProcessEnv;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    aws = await FakeAws.start();
    // The AWS SDK takes its credentials from the process environment, as in Lambda.
    saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: aws.clientConfig.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.clientConfig.credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await browser?.close();
    await aws?.close();
  });
  afterEach(() => expect(aws.denials, 'calls the deployed role does not allow').toEqual([]));

  const context = (): LambdaContext => {
    const deadline = Date.now() + 120_000;
    return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, getRemainingTimeInMillis: () => deadline - Date.now() };
  };

  it('reads the CA from the code directory and hands Chromium the verified leaf key; an expired leaf fails as infrastructure', async () => {
    const raw = configFor(fx.sandbox, fx.dir);
    // As the stack ships it: the config and the CA beside index.mjs in the code directory, target.caFile relative to it.
    const journey = await (await deploy({ ...raw, target: { ...(raw.target as object), baseUrl: httpsBaseUrl } }, aws)).fn('journey');
    const task = journey.taskRoot;
    expect(JSON.parse(await readFile(path.join(task, 'flp-config.json'), 'utf8')).target.caFile).toBe('flp-ca.pem');
    const handlers = createHandlers({
      env: journey.env,
      tmpDir: path.join(fx.dir, 'lambda-tmp'),
      write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>),
      createBrowser: async () => (browser = await createLambdaBrowser()),
    });

    present(leaves.valid);
    const passed = await handlers.journey({}, context());
    expect(passed.results[0], passed.results[0]?.summary).toMatchObject({ probe: 'journey', ok: true });
    expect(browser!.args).toContain(spkiListArg([spkiSha256(leaves.valid.certPem)]));

    present(leaves.expired);
    try {
      const failed = await handlers.journey({}, context());
      expect(failed.results[0]).toMatchObject({ probe: 'journey', ok: false, class: 'infrastructure' });
      expect(browser!.args.some((a) => a.startsWith('--ignore-certificate-errors-spki-list'))).toBe(false);
      // On-call reads the real reason in the log, not only the browser's "authority invalid".
      expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', code: 'CERT_HAS_EXPIRED', host: LB_HOST }));
    } finally {
      present(leaves.valid);
    }
  }, 180_000);
});
