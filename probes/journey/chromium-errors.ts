/**
 * Chromium's `net::ERR_…` failures, turned into the evidence the rest of the monitor reads.
 * Name resolution and refused connections get Node's codes so that every probe names them
 * alike; other network failures keep Chromium's code.
 */
import type { Evidence } from '../../lib/core/result.ts';

const NODE_CODES: Record<string, string> = {
  'net::ERR_NAME_NOT_RESOLVED': 'ENOTFOUND',
  'net::ERR_NAME_RESOLUTION_FAILED': 'ENOTFOUND',
  'net::ERR_CONNECTION_REFUSED': 'ECONNREFUSED',
};

const NETWORK =
  /^net::ERR_(CONNECTION_\w+|EMPTY_RESPONSE|ADDRESS_UNREACHABLE|ADDRESS_INVALID|INTERNET_DISCONNECTED|NETWORK_\w+|SOCKET_\w+|TIMED_OUT|TUNNEL_CONNECTION_FAILED|PROXY_CONNECTION_FAILED|INVALID_HTTP_RESPONSE|RESPONSE_HEADERS_TRUNCATED|INCOMPLETE_CHUNKED_ENCODING|HTTP2_\w+)$/;
const TLS = /^net::ERR_(CERT_\w+|SSL_\w+|BAD_SSL_CLIENT_AUTH_CERT)$/;

/** The `net::ERR_…` code in an error message or failure text, if there is one. */
export function chromiumNetCode(text: string): string | undefined {
  return /net::ERR_[A-Z0-9_]+/.exec(text)?.[0];
}

/**
 * Evidence for a navigation or request that failed with `text` (Playwright's error message or
 * `request.failure().errorText`), or `undefined` when it names no network or TLS failure.
 */
export function chromiumFailureEvidence(text: string, url: string): Extract<Evidence, { type: 'network' | 'tls' }> | undefined {
  const code = chromiumNetCode(text);
  if (!code) return undefined;
  if (TLS.test(code)) return { type: 'tls', url, code, message: code };
  const nodeCode = NODE_CODES[code];
  if (nodeCode) return { type: 'network', url, code: nodeCode, message: code };
  if (NETWORK.test(code)) return { type: 'network', url, code, message: code };
  return undefined;
}

/** Chromium's refusals of redirects a server answered with, and what each means. */
const REDIRECT_FAILURES: Record<string, string> = {
  'net::ERR_TOO_MANY_REDIRECTS': 'the answers redirect in a loop (more than 20 redirects)',
  'net::ERR_INVALID_REDIRECT': 'a redirect names no valid location',
  'net::ERR_UNSAFE_REDIRECT': 'a redirect leads somewhere the browser may not go',
};

/**
 * Evidence for a navigation the browser gave up on because of the redirects the server
 * answered with, or `undefined`. Every hop was a prompt, well-formed answer, so the answer is
 * wrong, not the hosting: `bad-response` (the HTTP probes see the same answer as a 3xx status).
 */
export function chromiumRedirectEvidence(text: string, url: string): Extract<Evidence, { type: 'bad-response' }> | undefined {
  const code = chromiumNetCode(text);
  const problem = code ? REDIRECT_FAILURES[code] : undefined;
  return code && problem ? { type: 'bad-response', url, problem: `${problem} (${code})` } : undefined;
}
