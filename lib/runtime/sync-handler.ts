/**
 * The sync function: every sync source's status, every `schedule.syncSeconds`. It runs its
 * group and nothing else (handler-run.ts): no browser, no launch keys, no release verdicts.
 */
import { coldStart } from './handler-cold-start.ts';
import type { Handler, HandlerKit } from './handler-kit.ts';
import { invokeGroup, stateCache } from './handler-run.ts';

/** Builds the sync function's handler, with its own container state. */
export function createSyncHandler(kit: HandlerKit): Handler {
  const cache = stateCache(() => coldStart(kit, 'sync'));
  return (_event, context) => invokeGroup(kit, 'sync', context, cache);
}
