/**
 * A response body read as JSON, the one way every HTTP probe reads it: strictly as UTF-8 (see
 * utf8.ts), then parsed, or the reason it is not JSON in the words the probes report.
 */
import { strictUtf8 } from './utf8.ts';

export type JsonBody = { ok: true; value: unknown } | { ok: false; problem: string };

/**
 * The parsed body, or why not: `body: not valid UTF-8, which JSON must be`, or
 * `body: not JSON (content-type text/html)` (the content type named when given, since it is
 * usually what tells a reader who answered instead).
 */
export function parseJsonBody(bytes: Uint8Array, contentType?: string): JsonBody {
  const text = strictUtf8(bytes);
  if (text === undefined) return { ok: false, problem: 'body: not valid UTF-8, which JSON must be' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: `body: not JSON${contentType ? ` (content-type ${contentType})` : ''}` };
  }
}
