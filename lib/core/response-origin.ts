/**
 * Who produced an error response: the gateway in front of the application, or the application
 * itself. The signals are HTTP's own: 502 and 504 are gateway statuses by definition; a 503 is
 * the application's only when it answers in its own media type (JSON), otherwise it is the
 * proxy's maintenance or no-backend page.
 */
import type { Evidence } from './result.ts';

export type ResponseOrigin = 'proxy' | 'app' | 'unknown';

export function responseOrigin(status: number, contentType: string | undefined): ResponseOrigin {
  const json = /\bjson\b/i.test(contentType ?? '');
  if (status === 502 || status === 504) return 'proxy';
  if (status === 503) return json ? 'app' : 'proxy';
  if (status >= 400) return json ? 'app' : 'unknown';
  return 'app';
}

/** The evidence of an unexpected status: who answered, in what media type, which server said so. */
export function httpStatusEvidence(url: string, status: number, headers: Readonly<Record<string, string>>): Extract<Evidence, { type: 'http-status' }> {
  const contentType = headers['content-type'];
  return {
    type: 'http-status',
    url,
    status,
    origin: responseOrigin(status, contentType),
    ...(contentType ? { contentType } : {}),
    ...(headers.server ? { server: headers.server } : {}),
  };
}
