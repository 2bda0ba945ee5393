/**
 * A response body read as JSON, the one way every HTTP probe reads it: strictly as UTF-8, then
 * parsed, or the reason it is not JSON in the words the probes report. JSON is UTF-8 (RFC 8259):
 * a lenient decoder would turn broken bytes into U+FFFD and let a corrupt answer pass. The BOM is
 * kept, so a BOM-prefixed body stays "not JSON".
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A parsed JSON value that is an object (not null, not an array): the shape every contract answer has. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; problem: string };

/**
 * The parsed body, or why not: `body: not valid UTF-8, which JSON must be`, or
 * `body: not JSON (content-type text/html)` (the content type named when given, since it is
 * usually what tells a reader who answered instead).
 */
export function parseJsonBody(bytes: Uint8Array, contentType?: string): JsonBody {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, problem: 'body: not valid UTF-8, which JSON must be' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: `body: not JSON${contentType ? ` (content-type ${contentType})` : ''}` };
  }
}
