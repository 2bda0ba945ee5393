import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLeaf, readCaPems, spkiSha256, verifiedLeafSpkis } from '../../../../lib/adapters/tls-trust.ts';
import { createCertificateAuthority, type CertificateAuthority, type KeyPairPem } from '../../../../sandbox/certs.ts';
import { createTestPki, keySpki, listen, startHttpsServer, type RunningServer, type TestPki } from '../../../support/tls.ts';

const HOST = 'flp.internal.test';

let pki: TestPki;
let other: CertificateAuthority;
let dir: string;
const servers: RunningServer<net.Server>[] = [];

beforeAll(async () => {
  [pki, other] = await Promise.all([createTestPki(), createCertificateAuthority('some other CA')]);
  dir = mkdtempSync(path.join(tmpdir(), 'flp-tls-trust-'));
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


const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('spkiSha256', () => {
  it('is the base64 SHA-256 of the certificate key, as Chromium\'s SPKI list wants it', async () => {
    const leaf = await pki.leaf(HOST);
    expect(spkiSha256(leaf.certPem)).toBe(keySpki(leaf));
    expect(spkiSha256(leaf.certPem)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe('readCaPems', () => {
  it('reads one certificate or a bundle of them', () => {
    expect(readCaPems(pki.caFile)).toEqual([pki.ca.certPem.trim()]);
    expect(readCaPems(file('bundle.pem', `# two CAs\n${pki.ca.certPem}\n${other.certPem}`))).toHaveLength(2);
  });

  it('names the file when it is missing or holds no certificate', () => {
    expect(() => readCaPems(path.join(dir, 'missing.pem'))).toThrow(/cannot read the CA file .*missing\.pem/);
    expect(() => readCaPems(file('key.pem', pki.ca.keyPem))).toThrow(/key\.pem holds no PEM certificate/);
  });
});

describe('checkLeaf', () => {
  const check = (port: number, ca: readonly string[] = [pki.ca.certPem], host = HOST) => checkLeaf({ host, address: '127.0.0.1', port, ca, timeoutMs: 2_000 });

  it("gives the leaf's key when the chain verifies against the CA, at the address given, for the host name asked", async () => {
    const leaf = await pki.leaf(HOST);
    const result = await check(await serve(leaf));
    expect(result).toMatchObject({ ok: true, address: '127.0.0.1', spki: keySpki(leaf) });
  });

  it('trusts a CA in a bundle as well', async () => {
    const leaf = await pki.leaf(HOST);
    expect(await check(await serve(leaf), [other.certPem, pki.ca.certPem])).toMatchObject({ ok: true, spki: keySpki(leaf) });
  });

  it('refuses an expired or not yet valid leaf of the right CA', async () => {
    expect(await check(await serve(await pki.leaf(HOST, { fromDays: -60, toDays: -1 })))).toMatchObject({ ok: false, code: 'CERT_HAS_EXPIRED', certificate: true });
    expect(await check(await serve(await pki.leaf(HOST, { fromDays: 1, toDays: 30 })))).toMatchObject({ ok: false, code: 'CERT_NOT_YET_VALID', certificate: true });
  });

  it('refuses a leaf of another CA, a self-signed one and one for another name', async () => {
    const port = await serve(await pki.leaf(HOST));
    expect(await check(port, [other.certPem])).toMatchObject({ ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', certificate: true });
    expect(await check(await serve(await pki.leaf(HOST, { selfSigned: true })))).toMatchObject({ ok: false, code: 'DEPTH_ZERO_SELF_SIGNED_CERT', certificate: true });
    expect(await check(port, [pki.ca.certPem], 'other.internal.test')).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID', certificate: true });
  });

  it('trusts only the CA it is given, not the public roots beside it', async () => {
    const port = await serve(await pki.leaf(HOST));
    expect(await check(port, tls.rootCertificates)).toMatchObject({ ok: false, certificate: true });
  });

  it('tries once more when the connection is reset before the certificate is seen', async () => {
    const leaf = await pki.leaf(HOST);
    let connections = 0;
    const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem });
    server.prependListener('connection', (s: net.Socket) => {
      connections += 1;
      if (connections === 1) s.resetAndDestroy();
    });
    const running = await listen(server);
    servers.push(running);
    expect(await check(running.port)).toMatchObject({ ok: true, spki: keySpki(leaf) });
    expect(connections).toBe(2);
  });

  it('reports a refused connection and a silent server as connection failures, not certificate verdicts', async () => {
    const closed = await listen(net.createServer());
    const port = closed.port;
    await closed.close();
    expect(await check(port)).toMatchObject({ ok: false, code: 'ECONNREFUSED', certificate: false });

    let connections = 0;
    const silent = await listen(net.createServer(() => void (connections += 1)));
    servers.push(silent);
    const t0 = performance.now();
    expect(await checkLeaf({ host: HOST, address: '127.0.0.1', port: silent.port, ca: [pki.ca.certPem], timeoutMs: 300 })).toMatchObject({ ok: false, code: 'ETIMEDOUT', certificate: false });
    expect(performance.now() - t0).toBeLessThan(2_000);
    // A timeout is not tried again: it would only double the wait.
    expect(connections).toBe(1);
  });
});

describe('verifiedLeafSpkis', () => {
  it('collects the keys of the addresses whose leaf verifies, once each, and reports the others', async () => {
    const leaf = await pki.leaf(HOST);
    const port = await serve(leaf);
    // 127.0.0.2 is loopback too, but nothing listens there.
    const { spkis, checks } = await verifiedLeafSpkis({ host: HOST, port, addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.1'], ca: [pki.ca.certPem], timeoutMs: 2_000 });
    expect(spkis).toEqual([keySpki(leaf)]);
    expect(checks.map((c) => [c.address, c.ok])).toEqual([
      ['127.0.0.1', true],
      ['127.0.0.2', false],
      ['127.0.0.1', true],
    ]);
  });
});
