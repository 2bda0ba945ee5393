/**
 * A shim for a Playwright bug in the version the Lambda Chromium pairs with (1.61 to 1.63;
 * gone in 1.64): a `page.goto` aborted by its step's signal still gets its result from the
 * driver later, and when the context closed in between, that result names a response the
 * client has already disposed. Playwright then throws "Object with guid response@… was not
 * bound in the connection" from inside its message dispatch, where nothing can catch it: an
 * uncaught exception that ends a Lambda invocation (reproduced with a 64 MB page,
 * test/robustness/hostile-targets.test.ts). The caller gave up on that navigation long before,
 * so such a result is dropped here, and everything else is dispatched as before.
 */
import type { Browser } from 'playwright';

/** The part of Playwright's client connection (private) the shim wraps. */
interface Dispatching {
  dispatch(message: unknown): void;
}

const WRAPPED = Symbol.for('flp-monitor.lateResults');
const LATE_RESULT = /^Object with guid \w+@[0-9a-f]+ was not bound in the connection$/;

/**
 * Makes the browser's Playwright connection drop a result that names an object it has already
 * disposed (see above) instead of throwing it out of its dispatch; `onDropped` hears of each.
 * Idempotent per connection; a Playwright without that private shape is left as it is.
 */
export function tolerateLateResults(browser: Browser, onDropped: (message: string) => void = () => undefined): void {
  const connection = (browser as unknown as { _connection?: Dispatching & { [WRAPPED]?: true } })._connection;
  if (!connection || typeof connection.dispatch !== 'function' || connection[WRAPPED]) return;
  const dispatch = connection.dispatch.bind(connection);
  connection.dispatch = (message: unknown) => {
    try {
      dispatch(message);
    } catch (err) {
      if (!(err instanceof Error) || !LATE_RESULT.test(err.message)) throw err;
      onDropped(err.message);
    }
  };
  connection[WRAPPED] = true;
}
