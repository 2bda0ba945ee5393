/**
 * Test PKI and loopback HTTPS servers: a private CA written to a temp file (for the client's
 * `caFile`), leaves valid, expired, self-signed or for another host, and servers that use them.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCertificateAuthority, issueCertificate, type CertificateAuthority, type KeyPairPem } from '../../sandbox/certs.ts';

export const DAY_MS = 86_400_000;

export interface TestPki {
  ca: CertificateAuthority;
  /** The CA certificate as a PEM file. */
  caFile: string;
  /** A leaf for `host` signed by the CA (or self-signed with `selfSigned`), valid `from`..`to` days from now. */
  leaf(host: string, options?: { fromDays?: number; toDays?: number; selfSigned?: boolean }): Promise<KeyPairPem>;
  dispose(): void;
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await createCertificateAuthority('flp-monitor test CA');
  const dir = mkdtempSync(path.join(tmpdir(), 'flp-monitor-pki-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  return {
    ca,
    caFile,
    leaf: (host, { fromDays = -1, toDays = 30, selfSigned = false } = {}) => {
      const now = Date.now();
      return issueCertificate(selfSigned ? null : ca, {
        commonName: host,
        dnsNames: [host],
        notBefore: new Date(now + fromDays * DAY_MS),
        notAfter: new Date(now + toDays * DAY_MS),
      });
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RunningServer<S> {
  server: S;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 on a free port; `close` also drops open connections. */
export async function listen<S extends Server>(server: S): Promise<RunningServer<S>> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTPS server on loopback presenting `leaf`. */
export function startHttpsServer(leaf: KeyPairPem, handler: http.RequestListener): Promise<RunningServer<https.Server>> {
  return listen(https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, handler));
}

/** The SPKI hash (base64 SHA-256, as Chromium's spki list takes it) computed from the leaf's private key, independently of its certificate. */
export function keySpki(leaf: KeyPairPem): string {
  return createHash('sha256').update(createPublicKey(leaf.keyPem).export({ type: 'spki', format: 'der' })).digest('base64');
}
