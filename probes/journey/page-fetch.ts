/**
 * A request the journey itself sends (the print PDF, the cleanup DELETE), from inside the page,
 * so that it goes the way the application's own requests go: Chromium's resolver and network
 * stack, the context's cookies and its synthetic-traffic header, visible in the trace. When the
 * page cannot run script (closed, crashed, navigated away) it falls back to the context's
 * request API.
 */
import type { BrowserContext, Page } from 'playwright';
import { SYNTHETIC_HEADER, SYNTHETIC_HEADER_VALUE } from '../../lib/core/context.ts';
import { errorLine } from '../../lib/core/format.ts';

/**
 * What came of it. `answer`: the whole response (`head` is its first 8 bytes; `viaPage` false
 * when the context's request API sent it, unseen by the page's listeners). `stalled`: the page's
 * fetch ran out of its time, before the response head (`first-byte`) or after it, while the
 * body was still coming (`body`, with the status the head had). `error`: it failed otherwise.
 */
export type FetchAnswer =
  | { kind: 'answer'; status: number; contentType: string; head: string; viaPage: boolean }
  | { kind: 'stalled'; phase: 'first-byte' | 'body'; status?: number }
  | { kind: 'error'; error: string; viaPage: boolean };

/** Sends `method url` from the page and reads the whole answer within `timeoutMs`. Never throws. */
export async function fetchFromPage(page: Page, context: BrowserContext, url: string, method: 'GET' | 'DELETE', timeoutMs: number): Promise<FetchAnswer> {
  try {
    return await page.evaluate(
      async ({ url, method, timeoutMs }): Promise<FetchAnswer> => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeoutMs);
        let status: number | undefined;
        try {
          const r = await fetch(url, { method, credentials: 'include', cache: 'no-store', signal: controller.signal });
          status = r.status;
          const bytes = new Uint8Array(await r.arrayBuffer()).slice(0, 8);
          return { kind: 'answer', status: r.status, contentType: r.headers.get('content-type') ?? '', head: String.fromCharCode(...bytes), viaPage: true };
        } catch (err) {
          // Our own deadline, not the server's refusal: which half of the answer was missing is the finding.
          if (controller.signal.aborted) return status === undefined ? { kind: 'stalled', phase: 'first-byte' } : { kind: 'stalled', phase: 'body', status };
          return { kind: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), viaPage: true };
        } finally {
          clearTimeout(timer);
        }
      },
      { url, method, timeoutMs: Math.max(0, Math.round(timeoutMs)) },
    );
  } catch {
    try {
      // At least 1 ms: Playwright reads a timeout of 0 as none at all.
      const r = await context.request.fetch(url, { method, headers: { [SYNTHETIC_HEADER]: SYNTHETIC_HEADER_VALUE }, timeout: Math.max(1, timeoutMs), failOnStatusCode: false });
      const body = await r.body();
      return { kind: 'answer', status: r.status(), contentType: r.headers()['content-type'] ?? '', head: body.subarray(0, 8).toString('latin1'), viaPage: false };
    } catch (err) {
      return { kind: 'error', error: errorLine(err), viaPage: false };
    }
  }
}
