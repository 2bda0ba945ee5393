/**
 * Posting one JSON document to a notification channel (PagerDuty's Events API, a Slack or Teams
 * webhook, any URL) with Node's fetch: a time limit on every attempt, retries with exponential
 * backoff when the service is busy (429), failing (5xx) or does not answer, a `Retry-After` it
 * sends honoured up to the longest wait, and never a retry for any other 4xx — asking again
 * cannot fix a payload the service refused. Built on p-retry.
 *
 * It never throws for a bad answer: the outcome says what happened in words. Those words name
 * only the URL's host and port, never its path or query, because a Slack or Teams webhook URL
 * carries its secret in the path.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';

export interface PostOptions {
  /** Attempts after the first. Default 3. */
  retries?: number;
  /** The wait before the first retry; each later one waits twice as long. Default 1000. */
  minTimeoutMs?: number;
  /** The longest wait between two attempts, also the cap on a `Retry-After`. Default 10000. */
  maxTimeoutMs?: number;
  /** How long one attempt may take, answer body included. Default 10000. */
  timeoutMs?: number;
  /** Stops the attempts and the waits between them. */
  signal?: AbortSignal;
}

/** What came of posting. */
export interface PostOutcome {
  /** The service answered 2xx. */
  ok: boolean;
  /** The last HTTP status, or null when no answer came. */
  status: number | null;
  attempts: number;
  /** Why it failed, in words (`400 from hooks.slack.com: invalid_payload (after 1 attempt)`). */
  error?: string;
}

/** How much of an answer's body an error quotes. */
const BODY_QUOTE_MAX = 200;
/** How much of an answer's body is read at all. */
const BODY_READ_MAX = 4096;

/** The service answered, but not 2xx. */
class Answered extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    /** What the service asked us to wait (`Retry-After`), in milliseconds. */
    readonly retryAfterMs: number | null,
  ) {
    super(`${status}`);
  }
}

/** No answer came: refused, reset, unresolvable, timed out. */
class NoAnswer extends Error {}

/** POSTs `body` as JSON to `url`, retrying what may pass on a later attempt; never throws for a bad answer. */
export async function postJson(url: string, body: unknown, options: PostOptions = {}): Promise<PostOutcome> {
  const retries = options.retries ?? 3;
  const minTimeout = options.minTimeoutMs ?? 1000;
  const maxTimeout = options.maxTimeoutMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let where: string;
  try {
    const parsed = new URL(url);
    if (!/^https?:$/.test(parsed.protocol)) throw new Error('not http');
    where = parsed.host;
  } catch {
    return { ok: false, status: null, attempts: 0, error: 'the channel URL is not an http:// or https:// URL' };
  }
  const payload = JSON.stringify(body);
  let attempts = 0;
  try {
    const status = await pRetry(
      async () => {
        attempts += 1;
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        let res: Response;
        try {
          res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, signal });
        } catch (err) {
          if (options.signal?.aborted) throw new AbortError(new NoAnswer('cancelled'));
          throw new NoAnswer(timeout.aborted ? `no answer within ${timeoutMs} ms` : scrub(reasonOf(err), url));
        }
        if (res.ok) {
          await res.body?.cancel().catch(() => {});
          return res.status;
        }
        const answered = new Answered(res.status, scrub(await readSome(res), url), retryAfterMs(res.headers.get('retry-after')));
        if (res.status === 429 || res.status >= 500) throw answered;
        throw new AbortError(answered);
      },
      {
        retries,
        factor: 2,
        minTimeout,
        maxTimeout,
        randomize: false,
        ...(options.signal ? { signal: options.signal } : {}),
        // p-retry waits its own backoff after this; when the service asked for longer, wait the difference.
        onFailedAttempt: async ({ error, retriesLeft, retriesConsumed }) => {
          if (!(error instanceof Answered) || error.retryAfterMs === null || retriesLeft <= 0) return;
          const backoff = Math.min(minTimeout * 2 ** retriesConsumed, maxTimeout);
          const extra = Math.min(error.retryAfterMs, maxTimeout) - backoff;
          if (extra > 0) await sleep(extra, undefined, options.signal ? { signal: options.signal } : {});
        },
      },
    );
    return { ok: true, status, attempts };
  } catch (err) {
    const after = `after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
    if (err instanceof Answered) {
      return { ok: false, status: err.status, attempts, error: err.body ? `${err.status} from ${where}: ${err.body} (${after})` : `${err.status} from ${where} ${after}` };
    }
    if (options.signal?.aborted) return { ok: false, status: null, attempts, error: `cancelled before ${where} answered (${after})` };
    const reason = err instanceof NoAnswer ? err.message : scrub(reasonOf(err), url);
    return { ok: false, status: null, attempts, error: `no answer from ${where}: ${reason} (${after})` };
  }
}

/** Seconds (`120`) or an HTTP date, as milliseconds from now; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** The first bytes of an answer's body on one line, at most {@link BODY_QUOTE_MAX} characters; '' when unreadable. */
async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_READ_MAX) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short still says something; keep what came.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks)).replace(/\s+/g, ' ').trim();
  return text.length <= BODY_QUOTE_MAX ? text : `${text.slice(0, BODY_QUOTE_MAX - 1)}…`;
}

/** Why fetch got no answer: the socket's code (`ECONNREFUSED`) where Node gives one. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Text with the URL's path and query taken out, wherever the text quotes them. */
function scrub(text: string, url: string): string {
  const { pathname, search, href } = new URL(url);
  let out = text.split(href).join('…');
  if (search.length > 1) out = out.split(search).join('…');
  if (pathname.length > 1) out = out.split(pathname).join('/…');
  return out;
}
