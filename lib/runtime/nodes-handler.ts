/**
 * The nodes function: each node, the load balancer and the release check, every
 * `schedule.nodesSeconds`. It runs its group and nothing else (handler-run.ts); the release
 * verdicts it reads each invocation say which version the nodes must report, and the signed LPS
 * profiles' keys it reads at cold start sign its launch checks.
 */
import { coldStart } from './handler-cold-start.ts';
import type { Handler, HandlerKit } from './handler-kit.ts';
import { invokeGroup, stateCache } from './handler-run.ts';

/** Builds the nodes function's handler, with its own container state. */
export function createNodesHandler(kit: HandlerKit): Handler {
  const cache = stateCache(() => coldStart(kit, 'nodes'));
  return (_event, context) => invokeGroup(kit, 'nodes', context, cache);
}
