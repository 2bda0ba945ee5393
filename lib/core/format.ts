/**
 * Words for the one-line errors probes report: ages, socket codes, failed requests and
 * unexpected statuses. Shared so every probe and report says the same thing the same way.
 */
import type { HttpFailure } from './context.ts';
import type { Evidence } from './result.ts';

/**
 * An age in the two largest units: `45 s`, `12 min 5 s`, `6 h 12 min`, `3 d 2 h`. Negative ages
 * (a clock ahead of ours) count as 0.
 */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** `1 day`, `3 days`. */
export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host down',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host name not found',
  ENODATA: 'host name has no address',
  EAI_AGAIN: 'DNS lookup failed for now',
  ETIMEOUT: 'DNS query timed out',
  ESERVFAIL: 'DNS server failed',
  EREFUSED: 'DNS query refused',
  ECONNREFUSED_DNS: 'DNS server refused the connection',
  ERR_INVALID_URL: 'invalid URL',
};

/** Plain words for a socket or resolver code (`ECONNREFUSED` → `connection refused`), or the code itself. */
export function describeNetworkCode(code: string, message = ''): string {
  // c-ares reports an unreachable DNS server with the same code as a refused TCP connection.
  if (code === 'ECONNREFUSED' && /^query/.test(message)) return NETWORK_WORDS.ECONNREFUSED_DNS as string;
  return NETWORK_WORDS[code] ?? (message || code);
}

function describeTls(e: Extract<Evidence, { type: 'tls' }>, certificate: HttpFailure['certificate']): string {
  switch (e.code) {
    case 'CERT_HAS_EXPIRED':
      return certificate ? `TLS certificate expired ${plural(Math.max(1, -certificate.daysLeft), 'day')} ago` : 'TLS certificate expired';
    case 'CERT_NOT_YET_VALID':
      return certificate ? `TLS certificate not valid before ${certificate.validFrom}` : 'TLS certificate not yet valid';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'TLS certificate self-signed, not trusted';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'TLS certificate chain ends in an untrusted root';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `TLS certificate from an untrusted issuer${certificate?.issuer ? ` (${certificate.issuer})` : ''}`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      let host = '';
      try {
        host = new URL(e.url).hostname;
      } catch {
        // keep the sentence without the host
      }
      return `TLS certificate does not name ${host || 'this host'}`;
    }
    default:
      return `TLS handshake failed: ${e.message}`;
  }
}

/**
 * A failed request in a phrase that follows the thing's name:
 * `unreachable: connection refused (ECONNREFUSED) at https://…/health`,
 * `TLS certificate expired 3 days ago (CERT_HAS_EXPIRED)`,
 * `no response within 3000 ms at …`, `answered in 12 ms, then its body did not finish within 3000 ms at …`,
 * `bad response: body larger than 1048576 bytes at …`.
 */
export function describeHttpFailure(failure: Pick<HttpFailure, 'url' | 'evidence' | 'certificate'> & Partial<Pick<HttpFailure, 'timings'>>): string {
  const e = failure.evidence;
  switch (e.type) {
    case 'network':
      return `unreachable: ${describeNetworkCode(e.code, e.message)} (${e.code}) at ${e.url}`;
    case 'tls':
      return `${describeTls(e, failure.certificate)} (${e.code})`;
    case 'timeout': {
      const at = e.url ?? failure.url;
      if (e.phase === 'first-byte') return `no response within ${e.afterMs} ms at ${at}`;
      // Worded so a reader sees that something did answer: the responder is slow, not the hosting.
      const firstByte = failure.timings?.firstByteMs;
      return `${firstByte === undefined ? 'answered' : `answered in ${Math.round(firstByte)} ms`}, then its body did not finish within ${e.afterMs} ms at ${at}`;
    }
    case 'bad-response':
      return `bad response: ${e.problem} at ${e.url}`;
    case 'monitor':
      return `not checked: ${e.message}`;
    default:
      return `failed (${e.type}) at ${failure.url}`;
  }
}

/** An unexpected status in a phrase: `answered 502 from a proxy (text/html, server nginx)`. */
export function describeStatus(e: Extract<Evidence, { type: 'http-status' }>): string {
  const from = e.origin === 'proxy' ? ' from a proxy' : e.origin === 'app' ? ' from the application' : '';
  const details = [e.contentType?.split(';')[0]?.trim(), e.server ? `server ${e.server}` : undefined].filter(Boolean);
  return `answered ${e.status}${from}${details.length ? ` (${details.join(', ')})` : ''}`;
}

/** The first non-empty line of an error's message, at most 300 characters. */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split('\n').find((l) => l.trim() !== '')?.trim() ?? (err instanceof Error ? err.name : 'error');
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** The whole error on one line, its class named when it has one of its own: `MonitorFailure: the secret … has no value`. */
export function describeError(err: unknown): string {
  const e = err as Error;
  return `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? String(err)}`.split('\n').join(' ');
}
