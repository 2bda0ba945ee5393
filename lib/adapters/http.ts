/**
 * The monitor's HTTP client. One fresh connection per request (no keep-alive, no pooling), so
 * every request really resolves, connects and shakes hands and its phase timings mean
 * something. Names are resolved through the injected `Resolve` (the configured DNS servers).
 * Certificates are verified by hand after the handshake, so that a rejected certificate can
 * still be reported (subject, days left) next to Node's error code; the request is only
 * written once the connection is verified. Remote failures never throw: they come back as
 * evidence.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { HttpClient, HttpFailure, HttpRequestOptions, HttpResponse, PeerCertificate, Resolve } from '../core/context.ts';
import { SYNTHETIC_HEADER, SYNTHETIC_HEADER_VALUE } from '../core/context.ts';
import type { Evidence, PhaseTimings } from '../core/result.ts';

/** Default body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const DAY_MS = 86_400_000;

export interface HttpClientOptions {
  /** Resolves host names; its time is reported as `dnsMs`. */
  resolve: Resolve;
  /** PEM file with extra certificate authorities to trust besides the public roots (a private CA). Read once, now. */
  caFile?: string;
  /**
   * Clock in epoch milliseconds, for phase timings and a certificate's days left. Default: a
   * monotonic clock aligned to the epoch (`performance.timeOrigin + performance.now()`).
   * Timings are in ms from the start of the request, to 0.1 ms; `dnsMs` is absent when the
   * URL's host is an IP address (nothing to resolve), `tlsMs` for plain HTTP.
   */
  now?: () => number;
}

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

/** Builds the client. Throws only when `caFile` cannot be read (a local configuration problem). */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  let ca: string[] | undefined;
  if (options.caFile) {
    let pem: string;
    try {
      pem = readFileSync(options.caFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the CA file ${options.caFile}: ${(err as Error).message}`, { cause: err });
    }
    ca = [...tls.rootCertificates, pem];
  }
  // Built once: parsing some 150 root certificates per request would cost tens of
  // milliseconds of CPU and show up as DNS time.
  const secureContext = tls.createSecureContext(ca ? { ca } : {});
  return { request: (url, requestOptions) => send(url, requestOptions, { resolve: options.resolve, secureContext, now }) };
}

interface Env {
  resolve: Resolve;
  secureContext: tls.SecureContext;
  now: () => number;
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

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

function asErrno(err: unknown, code: string): NodeJS.ErrnoException {
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

function peerCertificate(socket: tls.TLSSocket, nowMs: number): PeerCertificate | undefined {
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
function verificationFailure(socket: tls.TLSSocket, hostname: string, url: string): Evidence | null {
  if (socket.authorized) return null;
  const code = String(socket.authorizationError ?? 'CERT_UNTRUSTED');
  let message = CERT_ERRORS[code] ?? code;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const detail = tls.checkServerIdentity(hostname, socket.getPeerCertificate());
    if (detail) message = detail.message;
  }
  return { type: 'tls', url, code, message };
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function outgoingHeaders(url: URL, given: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = { host: url.host };
  for (const [k, v] of Object.entries(given ?? {})) {
    const key = k.toLowerCase();
    // We report bytes as they come over the wire and never decompress, so never ask for an encoding.
    if (key === 'accept-encoding' || key === SYNTHETIC_HEADER.toLowerCase()) continue;
    headers[key] = v;
  }
  headers[SYNTHETIC_HEADER] = SYNTHETIC_HEADER_VALUE;
  return headers;
}

function send(rawUrl: string, o: HttpRequestOptions, env: Env): Promise<HttpResponse | HttpFailure> {
  const t0 = env.now();
  const timings: PhaseTimings = {};
  const at = () => round(env.now() - t0);

  let url: URL;
  try {
    url = new URL(rawUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
  } catch (err) {
    const evidence: Evidence = { type: 'network', url: rawUrl, code: 'ERR_INVALID_URL', message: `not an http(s) URL: ${(err as Error).message}` };
    return Promise.resolve({ ok: false, url: rawUrl, evidence, timings: { totalMs: 0 } });
  }

  const secure = url.protocol === 'https:';
  const hostname = bare(url.hostname);
  const port = Number(url.port) || (secure ? 443 : 80);
  const maxBody = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const signal = o.signal;

  return new Promise((resolve) => {
    let settled = false;
    let socket: net.Socket | undefined;
    let certificate: PeerCertificate | undefined;

    const finish = (result: HttpResponse | HttpFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(result);
    };
    const fail = (evidence: Evidence) => {
      timings.totalMs ??= at();
      finish({ ok: false, url: rawUrl, evidence, timings, ...(certificate ? { certificate } : {}) });
    };
    const timedOut = (afterMs = Math.round(env.now() - t0)): Evidence => ({
      type: 'timeout',
      url: rawUrl,
      // Any byte of an answer means something behind the address responded.
      phase: timings.firstByteMs === undefined ? 'first-byte' : 'body',
      afterMs,
    });
    const onAbort = () => {
      const reason: unknown = signal?.reason;
      if (reason instanceof Error && reason.name === 'TimeoutError') return fail(timedOut());
      const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
      fail({ type: 'monitor', message: `request to ${rawUrl} aborted${why ? `: ${why}` : ''}` });
    };

    // Our own deadline reports the budget it enforced ("no response within 3000 ms").
    const deadline = setTimeout(() => fail(timedOut(o.timeoutMs)), o.timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    const lookup: net.LookupFunction = (host, lookupOptions, callback) => {
      const resolveAndConnect = async () => {
        let addresses: Awaited<ReturnType<Resolve>>;
        try {
          addresses = await env.resolve(host);
        } catch (err) {
          if (settled) return;
          timings.dnsMs = at();
          return callback(asErrno(err, 'ERR_RESOLVE'), '', 0);
        }
        // Past the deadline the result is already out; leave its timings alone.
        if (settled) return;
        timings.dnsMs = at();
        const family = lookupOptions.family;
        const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const first = wanted[0];
        if (!first) return callback(asErrno(new Error(`${host} has no usable address`), 'ENOTFOUND'), '', 0);
        if (lookupOptions.all) callback(null, wanted);
        else callback(null, first.address, first.family);
      };
      // A resolver that throws instead of rejecting, or a connect that throws, still ends as evidence.
      resolveAndConnect().catch((err: unknown) => fail(errorEvidence(err, rawUrl)));
    };

    const common = { host: hostname, port, lookup, autoSelectFamily: false };
    try {
      socket = connect();
      socket.once('connect', () => {
        timings.connectMs = at();
      });
      socket.on('error', (err) => fail(errorEvidence(err, rawUrl)));
    } catch (err) {
      fail(errorEvidence(err, rawUrl));
    }

    function connect(): net.Socket {
      if (!secure) {
        const s = net.connect(common);
        s.once('connect', () => write(s));
        return s;
      }
      const s = tls.connect({
        ...common,
        servername: net.isIP(hostname) ? undefined : hostname,
        secureContext: env.secureContext,
        // Verified below, by hand, so the certificate can be reported along with the error.
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      });
      s.once('secureConnect', () => {
        timings.tlsMs = at();
        certificate = peerCertificate(s, env.now());
        const rejected = verificationFailure(s, hostname, rawUrl);
        if (rejected) return fail(rejected);
        write(s);
      });
      return s;
    }

    function write(conn: net.Socket) {
      if (settled) return;
      conn.once('data', () => {
        timings.firstByteMs ??= at();
      });
      const req = http.request({
        method: o.method ?? 'GET',
        host: hostname,
        port,
        path: `${url.pathname}${url.search}`,
        headers: outgoingHeaders(url, o.headers),
        // The connection is ours and already verified; without an agent Node sends `Connection: close`.
        createConnection: () => conn,
      });
      req.on('error', (err) => fail(errorEvidence(err, rawUrl)));
      req.on('response', (res) => {
        timings.firstByteMs ??= at();
        const status = res.statusCode ?? 0;
        const headers = flattenHeaders(res.headers);
        const tooLarge = () => fail({ type: 'bad-response', url: rawUrl, problem: `body larger than ${maxBody} bytes` });
        // A HEAD, 204 or 304 declares the length of a body it does not send.
        const bodiless = (o.method ?? 'GET') === 'HEAD' || status === 204 || status === 304;
        const declared = Number(res.headers['content-length']);
        if (!bodiless && Number.isFinite(declared) && declared > maxBody) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) return tooLarge();
          chunks.push(chunk);
        });
        res.on('end', () => {
          timings.totalMs = at();
          finish({ ok: true, url: rawUrl, status, headers, body: Buffer.concat(chunks), timings, ...(certificate ? { certificate } : {}) });
        });
        res.on('error', (err) => fail(errorEvidence(err, rawUrl)));
        res.on('close', () => {
          if (!res.complete) {
            const err: NodeJS.ErrnoException = new Error('connection closed before the response was complete');
            err.code = 'ECONNRESET';
            fail(errorEvidence(err, rawUrl));
          }
        });
      });
      req.end(o.body);
    }
  });
}
