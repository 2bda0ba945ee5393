/**
 * The side effects a probe may use, passed in rather than imported, so that the CLI, the
 * Lambda handlers and the tests each build their own (real or fake) in one composition root.
 */
import type { Evidence, PhaseTimings } from './result.ts';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whole-request budget: from start until the last body byte. */
  timeoutMs: number;
  /** Stop reading (and report `bad-response`) past this many bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

/** The server certificate seen on an HTTPS request. */
export interface PeerCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Whole days until `validTo`, negative when already expired. */
  daysLeft: number;
}

export type HttpResponse = {
  ok: true;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  timings: PhaseTimings;
  certificate?: PeerCertificate;
};

export type HttpFailure = {
  ok: false;
  url: string;
  /** Why no usable response: network, tls, timeout or bad-response evidence; monitor when our own shutdown aborted it. */
  evidence: Evidence;
  timings: PhaseTimings;
  certificate?: PeerCertificate;
};

/**
 * Sends one request. Never throws for a failure of the remote side: DNS, socket, TLS,
 * timeouts and oversize bodies come back as `{ ok: false, evidence }`. Every request carries
 * `X-FLP-Synthetic: 1`.
 */
export interface HttpClient {
  request(url: string, options: HttpRequestOptions): Promise<HttpResponse | HttpFailure>;
}

/** Resolves a host name to IPv4/IPv6 addresses; throws an error with a Node `code` (ENOTFOUND, …). */
export type Resolve = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export interface Clock {
  now(): Date;
}

/** What every probe receives. */
export interface ProbeContext {
  clock: Clock;
  http: HttpClient;
  resolve: Resolve;
  logger: Logger;
  signal?: AbortSignal;
}

export const SYNTHETIC_HEADER = 'X-FLP-Synthetic';
export const SYNTHETIC_HEADER_VALUE = '1';

export const systemClock: Clock = { now: () => new Date() };
