import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { tolerateLateResults } from '../../../../lib/adapters/playwright-late-results.ts';

/** A browser whose Playwright connection dispatches with `dispatch` (the private shape the shim wraps). */
const browserWith = (dispatch: (m: unknown) => void) => ({ _connection: { dispatch } }) as unknown as Browser & { _connection: { dispatch(m: unknown): void } };

describe('the late-result shim on Playwright\'s connection', () => {
  it('drops a result naming an object the client already disposed, and says so', () => {
    const dropped: string[] = [];
    const seen: unknown[] = [];
    const browser = browserWith((m) => {
      seen.push(m);
      if ((m as { id?: number }).id === 7) throw new Error('Object with guid response@c4a922a67404c12ceec5227415502366 was not bound in the connection');
    });
    tolerateLateResults(browser, (msg) => dropped.push(msg));
    expect(() => browser._connection.dispatch({ id: 7 })).not.toThrow();
    browser._connection.dispatch({ id: 8 });
    expect(seen).toEqual([{ id: 7 }, { id: 8 }]);
    expect(dropped).toEqual(['Object with guid response@c4a922a67404c12ceec5227415502366 was not bound in the connection']);
  });

  it('lets every other error of the dispatch through, and wraps a connection once', () => {
    let calls = 0;
    const browser = browserWith(() => {
      calls++;
      throw new Error('Cannot find object to "navigated": frame@1');
    });
    tolerateLateResults(browser);
    tolerateLateResults(browser);
    expect(() => browser._connection.dispatch({})).toThrow('Cannot find object to "navigated": frame@1');
    expect(calls).toBe(1);
  });

  it('leaves a browser without that private shape as it is', () => {
    const browser = {} as Browser;
    expect(() => tolerateLateResults(browser)).not.toThrow();
    expect(browser).toEqual({});
  });
});
