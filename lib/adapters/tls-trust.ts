/**
 * Trusting a private CA in Chromium without trusting anything else. Chromium ignores Node's
 * `NODE_EXTRA_CA_CERTS`, and Lambda has no `certutil` to write an NSS database, but Chromium
 * takes `--ignore-certificate-errors-spki-list=<base64 SHA-256 of a SubjectPublicKeyInfo>`: it
 * accepts any chain the server sends that contains one of those keys, whatever else is wrong
 * with it (expiry and name included). So the flag is only as strict as what decides its
 * contents: this module's check. It shakes hands with the server itself, with Node's TLS
 * trusting exactly the configured CA (not the public roots), and verifies chain, validity
 * period and host name strictly; only a leaf that passes is handed to Chromium, by its key.
 * A leaf that fails adds nothing, and Chromium refuses it as it would have.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { certificatesInPem } from '../core/pem.ts';
import { errorEvidence } from './http.ts';

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what Chromium's SPKI list takes. */
export function spkiSha256(cert: X509Certificate | string | Buffer): string {
  const x509 = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * The certificates of a PEM file (one CA or a bundle), each as its own PEM. Throws, naming the
 * file, when it cannot be read or holds no certificate that parses.
 */
export function readCaPems(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the CA file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return certificatesInPem(text, `the CA file ${file}`);
}

/** What one handshake found: the leaf's key when the chain verifies, otherwise why not. */
export type LeafCheck =
  | { ok: true; address: string; spki: string; subject: string; validTo: string }
  | {
      ok: false;
      address: string;
      /** Node's code: a certificate verdict (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, …) or a connection failure (`ECONNREFUSED`, `ETIMEDOUT`, …). */
      code: string;
      message: string;
      /** True when the certificate was judged (and found wanting), false when no handshake completed. */
      certificate: boolean;
    };

export interface LeafCheckOptions {
  /** The host name the browser will ask for: SNI and the name the certificate must carry. */
  host: string;
  port: number;
  /** Where to connect (an address from the resolver or the host-resolver rules); default `host`. */
  address?: string;
  /** The CA certificates to trust, and nothing else. */
  ca: readonly string[];
  /** How long the connection and handshake may take. Default 5000. */
  timeoutMs?: number;
}

const bare = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

function handshake(o: LeafCheckOptions): Promise<LeafCheck> {
  const host = bare(o.host);
  const address = bare(o.address ?? host);
  const url = `https://${o.host}:${o.port}/`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: LeafCheck) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const failed = (err: unknown) => {
      const e = errorEvidence(err, url);
      finish({ ok: false, address, code: e.type === 'tls' || e.type === 'network' ? e.code : 'ERR_UNKNOWN', message: 'message' in e ? e.message : String(err), certificate: false });
    };
    const socket = tls.connect({
      host: address,
      port: o.port,
      // SNI carries names only; an IP literal in the URL is checked against the certificate's IP addresses.
      servername: net.isIP(host) ? undefined : host,
      ca: [...o.ca],
      // Judged below, so that the verdict names what was wrong rather than just closing.
      rejectUnauthorized: false,
      checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`no TLS handshake with ${address}:${o.port} within ${o.timeoutMs ?? 5000} ms`), { code: 'ETIMEDOUT' });
      failed(err);
    }, o.timeoutMs ?? 5000);
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      const leaf = socket.getPeerX509Certificate();
      if (!socket.authorized || !leaf) {
        const e = errorEvidence(Object.assign(new Error(String(socket.authorizationError ?? 'CERT_UNTRUSTED')), { code: String(socket.authorizationError ?? 'CERT_UNTRUSTED') }), url);
        const code = e.type === 'tls' ? e.code : String(socket.authorizationError ?? 'CERT_UNTRUSTED');
        return finish({ ok: false, address, code, message: 'message' in e ? e.message : code, certificate: true });
      }
      finish({ ok: true, address, spki: spkiSha256(leaf), subject: leaf.subject.replace(/\n/g, ', '), validTo: new Date(leaf.validTo).toISOString() });
    });
  });
}

/**
 * Shakes hands with `host` at `address:port` trusting exactly `ca`, and returns the leaf's
 * SPKI hash when the chain verifies (signed by that CA, within its validity period, naming
 * `host`). Never throws. A connection that fails before the certificate is seen (a reset, a
 * refusal) is tried once more, since a missed check would make Chromium report a certificate
 * error that is not there; a timeout is not, it would only double the wait.
 */
export async function checkLeaf(options: LeafCheckOptions): Promise<LeafCheck> {
  const first = await handshake(options);
  if (first.ok || first.certificate || first.code === 'ETIMEDOUT') return first;
  return handshake(options);
}

/**
 * The SPKI hashes of the leaves that verify, one handshake per address (concurrently), in a
 * stable order and without repeats, with every check for the caller to log.
 */
export async function verifiedLeafSpkis(options: Omit<LeafCheckOptions, 'address'> & { addresses: readonly string[] }): Promise<{ spkis: string[]; checks: LeafCheck[] }> {
  const { addresses, ...rest } = options;
  const checks = await Promise.all(addresses.map((address) => checkLeaf({ ...rest, address })));
  const spkis = [...new Set(checks.flatMap((c) => (c.ok ? [c.spki] : [])))].sort();
  return { spkis, checks };
}
