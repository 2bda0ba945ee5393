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
import { asErrno, errorEvidence, peerCertificate, verificationFailure } from './http-evidence.ts';

export { errorEvidence } from './http-evidence.ts';

/** Default body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

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

/** One request in flight: what it targets, what it has measured so far, and its one way out. */
interface Exchange {
  readonly rawUrl: string;
  readonly url: URL;
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: number;
  readonly maxBody: number;
  readonly o: HttpRequestOptions;
  readonly env: Env;
  readonly t0: number;
  readonly timings: PhaseTimings;
  /** Set once the result is out; late events then change nothing. */
  settled: boolean;
  socket?: net.Socket;
  certificate?: PeerCertificate;
  /** Stops the deadline and the abort listener; set by `armDeadline`. */
  disarm: () => void;
  /** Hands out the result (the first one only) and tears the connection down. */
  finish: (result: HttpResponse | HttpFailure) => void;
  /** Ends the request with this evidence, and the certificate when one was received. */
  fail: (evidence: Evidence) => void;
}

function send(rawUrl: string, o: HttpRequestOptions, env: Env): Promise<HttpResponse | HttpFailure> {
  const t0 = env.now();
  const url = parseUrl(rawUrl);
  if (!(url instanceof URL)) return Promise.resolve(url);
  return new Promise((resolve) => {
    const x = newExchange(rawUrl, url, o, env, t0, resolve);
    if (!armDeadline(x)) return;
    openConnection(x);
  });
}

function parseUrl(rawUrl: string): URL | HttpFailure {
  try {
    const url = new URL(rawUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
    return url;
  } catch (err) {
    const evidence: Evidence = { type: 'network', url: rawUrl, code: 'ERR_INVALID_URL', message: `not an http(s) URL: ${(err as Error).message}` };
    return { ok: false, url: rawUrl, evidence, timings: { totalMs: 0 } };
  }
}

function newExchange(
  rawUrl: string,
  url: URL,
  o: HttpRequestOptions,
  env: Env,
  t0: number,
  resolve: (result: HttpResponse | HttpFailure) => void,
): Exchange {
  const secure = url.protocol === 'https:';
  const x: Exchange = {
    rawUrl,
    url,
    secure,
    hostname: bare(url.hostname),
    port: Number(url.port) || (secure ? 443 : 80),
    maxBody: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    o,
    env,
    t0,
    timings: {},
    settled: false,
    disarm: () => {},
    finish: (result) => {
      if (x.settled) return;
      x.settled = true;
      x.disarm();
      x.socket?.destroy();
      resolve(result);
    },
    fail: (evidence) => {
      x.timings.totalMs ??= at(x);
      x.finish({ ok: false, url: rawUrl, evidence, timings: x.timings, ...(x.certificate ? { certificate: x.certificate } : {}) });
    },
  };
  return x;
}

/** Milliseconds since the request started, to 0.1 ms. */
function at(x: Exchange): number {
  return round(x.env.now() - x.t0);
}

function timedOut(x: Exchange, afterMs = Math.round(x.env.now() - x.t0)): Evidence {
  return {
    type: 'timeout',
    url: x.rawUrl,
    // Any byte of an answer means something behind the address responded.
    phase: x.timings.firstByteMs === undefined ? 'first-byte' : 'body',
    afterMs,
  };
}

function abortEvidence(x: Exchange, reason: unknown): Evidence {
  if (reason instanceof Error && reason.name === 'TimeoutError') return timedOut(x);
  const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return { type: 'monitor', message: `request to ${x.rawUrl} aborted${why ? `: ${why}` : ''}` };
}

/** Starts the deadline and listens to the caller's signal; false when that signal has already aborted (then the result is out). */
function armDeadline(x: Exchange): boolean {
  const signal = x.o.signal;
  const onAbort = () => x.fail(abortEvidence(x, signal?.reason));
  // Our own deadline reports the budget it enforced ("no response within 3000 ms").
  const deadline = setTimeout(() => x.fail(timedOut(x, x.o.timeoutMs)), x.o.timeoutMs);
  x.disarm = () => {
    clearTimeout(deadline);
    signal?.removeEventListener('abort', onAbort);
  };
  if (signal?.aborted) {
    onAbort();
    return false;
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  return true;
}

/** Resolves through the injected resolver, timing it as `dnsMs`, for `net.connect`. */
function lookupVia(x: Exchange): net.LookupFunction {
  return (host, lookupOptions, callback) => {
    const resolveAndConnect = async () => {
      let addresses: Awaited<ReturnType<Resolve>>;
      try {
        addresses = await x.env.resolve(host);
      } catch (err) {
        if (x.settled) return;
        x.timings.dnsMs = at(x);
        return callback(asErrno(err, 'ERR_RESOLVE'), '', 0);
      }
      // Past the deadline the result is already out; leave its timings alone.
      if (x.settled) return;
      x.timings.dnsMs = at(x);
      const family = lookupOptions.family;
      const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
      const first = wanted[0];
      if (!first) return callback(asErrno(new Error(`${host} has no usable address`), 'ENOTFOUND'), '', 0);
      if (lookupOptions.all) callback(null, wanted);
      else callback(null, first.address, first.family);
    };
    // A resolver that throws instead of rejecting, or a connect that throws, still ends as evidence.
    resolveAndConnect().catch((err: unknown) => x.fail(errorEvidence(err, x.rawUrl)));
  };
}

function openConnection(x: Exchange): void {
  const common = { host: x.hostname, port: x.port, lookup: lookupVia(x), autoSelectFamily: false };
  try {
    x.socket = x.secure ? connectTls(x, common) : connectPlain(x, common);
    x.socket.once('connect', () => {
      x.timings.connectMs = at(x);
    });
    x.socket.on('error', (err) => x.fail(errorEvidence(err, x.rawUrl)));
  } catch (err) {
    x.fail(errorEvidence(err, x.rawUrl));
  }
}

type ConnectOptions = { host: string; port: number; lookup: net.LookupFunction; autoSelectFamily: boolean };

function connectPlain(x: Exchange, common: ConnectOptions): net.Socket {
  const s = net.connect(common);
  s.once('connect', () => writeRequest(x, s));
  return s;
}

function connectTls(x: Exchange, common: ConnectOptions): net.Socket {
  const s = tls.connect({
    ...common,
    servername: net.isIP(x.hostname) ? undefined : x.hostname,
    secureContext: x.env.secureContext,
    // Verified below, by hand, so the certificate can be reported along with the error.
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  s.once('secureConnect', () => {
    x.timings.tlsMs = at(x);
    x.certificate = peerCertificate(s, x.env.now());
    const rejected = verificationFailure(s, x.hostname, x.rawUrl);
    if (rejected) return x.fail(rejected);
    writeRequest(x, s);
  });
  return s;
}

function writeRequest(x: Exchange, conn: net.Socket): void {
  if (x.settled) return;
  conn.once('data', () => {
    x.timings.firstByteMs ??= at(x);
  });
  const req = http.request({
    method: x.o.method ?? 'GET',
    host: x.hostname,
    port: x.port,
    path: `${x.url.pathname}${x.url.search}`,
    headers: outgoingHeaders(x.url, x.o.headers),
    // The connection is ours and already verified; without an agent Node sends `Connection: close`.
    createConnection: () => conn,
  });
  req.on('error', (err) => x.fail(errorEvidence(err, x.rawUrl)));
  req.on('response', (res) => readResponse(x, res));
  req.end(x.o.body);
}

function readResponse(x: Exchange, res: http.IncomingMessage): void {
  x.timings.firstByteMs ??= at(x);
  const status = res.statusCode ?? 0;
  const headers = flattenHeaders(res.headers);
  const tooLarge = () => x.fail({ type: 'bad-response', url: x.rawUrl, problem: `body larger than ${x.maxBody} bytes` });
  // A HEAD, 204 or 304 declares the length of a body it does not send.
  const bodiless = (x.o.method ?? 'GET') === 'HEAD' || status === 204 || status === 304;
  const declared = Number(res.headers['content-length']);
  if (!bodiless && Number.isFinite(declared) && declared > x.maxBody) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > x.maxBody) return tooLarge();
    chunks.push(chunk);
  });
  res.on('end', () => {
    x.timings.totalMs = at(x);
    x.finish({ ok: true, url: x.rawUrl, status, headers, body: Buffer.concat(chunks), timings: x.timings, ...(x.certificate ? { certificate: x.certificate } : {}) });
  });
  res.on('error', (err) => x.fail(errorEvidence(err, x.rawUrl)));
  res.on('close', () => {
    if (!res.complete) x.fail(errorEvidence(incompleteResponse(), x.rawUrl));
  });
}

function incompleteResponse(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('connection closed before the response was complete');
  err.code = 'ECONNRESET';
  return err;
}
