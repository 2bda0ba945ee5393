/**
 * What the HTTP client reports about a connection: a socket, resolver or TLS error as evidence,
 * the peer's certificate, and Node's verdict on it. Split out of http.ts; behaviour unchanged.
 */
import tls from 'node:tls';
import type { PeerCertificate } from '../core/context.ts';
import type { Evidence } from '../core/result.ts';

const DAY_MS = 86_400_000;

/**
 * Certificate verification codes OpenSSL reports (as Node's `code`), with the words for them.
 * Anything else the handshake fails with is still `tls` evidence when its code says so
 * (`ERR_SSL_…`, `ERR_TLS_…`).
 */
const CERT_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_CA: 'invalid CA certificate',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  HOSTNAME_MISMATCH: 'hostname mismatch',
  ERR_TLS_CERT_ALTNAME_INVALID: "host name is not in the certificate's names",
};

/** A socket or resolver error as evidence: TLS codes as `tls`, everything else as `network`. */
export function errorEvidence(err: unknown, url: string): Evidence {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' && e.code ? e.code : 'ERR_UNKNOWN';
  const message = (e instanceof Error ? e.message : String(err)).trim();
  // OpenSSL's message is a stack of internal locations; its `reason` is the readable part.
  const reason = (err as { reason?: unknown })?.reason;
  if (code in CERT_ERRORS || /^ERR_(SSL|TLS|OSSL)_/.test(code))
    return { type: 'tls', url, code, message: typeof reason === 'string' && reason ? reason : message };
  return { type: 'network', url, code, message };
}

export function asErrno(err: unknown, code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
  if (typeof e.code !== 'string' || !e.code) e.code = code;
  return e;
}

function describeName(name: tls.Certificate | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}

function toIso(text: string): string {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

export function peerCertificate(socket: tls.TLSSocket, nowMs: number): PeerCertificate | undefined {
  const c = socket.getPeerCertificate();
  if (!c || !c.valid_to) return undefined;
  const validTo = new Date(c.valid_to).getTime();
  return {
    subject: describeName(c.subject),
    issuer: describeName(c.issuer),
    validFrom: toIso(c.valid_from),
    validTo: toIso(c.valid_to),
    daysLeft: Number.isNaN(validTo) ? 0 : Math.floor((validTo - nowMs) / DAY_MS),
  };
}

/** Node's verdict on the certificate just received, or null when it is trusted and names the host. */
export function verificationFailure(socket: tls.TLSSocket, hostname: string, url: string): Evidence | null {
  if (socket.authorized) return null;
  const code = String(socket.authorizationError ?? 'CERT_UNTRUSTED');
  let message = CERT_ERRORS[code] ?? code;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const detail = tls.checkServerIdentity(hostname, socket.getPeerCertificate());
    if (detail) message = detail.message;
  }
  return { type: 'tls', url, code, message };
}
