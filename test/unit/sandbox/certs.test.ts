import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority, type CertificateAuthority, type KeyPairPem } from '../../../sandbox/certs.ts';

const DAY = 86_400_000;
const servers: https.Server[] = [];

async function serve(leaf: KeyPairPem): Promise<number> {
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('hello'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function get(port: number, ca: string, servername = 'flp-1.sandbox.test'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', servername, ca, headers: { host: servername } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('sandbox certificates', () => {
  let ca: CertificateAuthority;
  const now = Date.now();

  beforeAll(async () => {
    ca = await createCertificateAuthority('FLP Sandbox CA');
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('issues a leaf that a client trusting only the CA accepts, by DNS name and by IP', async () => {
    const leaf = await issueCertificate(ca, {
      commonName: 'flp-1.sandbox.test',
      dnsNames: ['flp-1.sandbox.test'],
      ipAddresses: ['127.0.0.1'],
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 30 * DAY),
    });
    const port = await serve(leaf);
    expect(await get(port, ca.certPem)).toEqual({ status: 200, body: 'hello' });
    // No servername: Node checks the IP SAN.
    const byIp = await new Promise<number>((resolve, reject) =>
      https.get({ host: '127.0.0.1', port, ca: ca.certPem }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject),
    );
    expect(byIp).toBe(200);
  });

  it('rejects a leaf for another host name with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const leaf = await issueCertificate(ca, { commonName: 'flp-1.sandbox.test', dnsNames: ['flp-1.sandbox.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + DAY) });
    const port = await serve(leaf);
    await expect(get(port, ca.certPem, 'flp-2.sandbox.test')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('rejects an expired leaf with CERT_HAS_EXPIRED', async () => {
    const leaf = await issueCertificate(ca, { commonName: 'flp-1.sandbox.test', dnsNames: ['flp-1.sandbox.test'], notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - DAY) });
    const port = await serve(leaf);
    await expect(get(port, ca.certPem)).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
  });

  it('rejects a self-signed leaf as untrusted', async () => {
    const leaf = await issueCertificate(null, { commonName: 'flp-1.sandbox.test', dnsNames: ['flp-1.sandbox.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + DAY) });
    const port = await serve(leaf);
    await expect(get(port, ca.certPem)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('signs with a CA loaded back from its PEM files', async () => {
    const loaded = await loadCertificateAuthority(ca.certPem, ca.keyPem);
    expect(loaded.commonName).toBe('FLP Sandbox CA');
    const leaf = await issueCertificate(loaded, { commonName: 'flp-1.sandbox.test', dnsNames: ['flp-1.sandbox.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + DAY) });
    const port = await serve(leaf);
    expect((await get(port, ca.certPem)).status).toBe(200);
  });
});
