/** A problem the user fixes (usage, config, no browser, no sandbox): one message, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
