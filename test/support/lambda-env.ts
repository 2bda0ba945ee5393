/**
 * A Lambda function's code directory as the stack ships it (cdk/shipped-files.ts): the config
 * as `flp-config.json` beside the bundle, found through `LAMBDA_TASK_ROOT` as Lambda sets it.
 * Tests hand the handlers the environment this returns instead of the config itself.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HANDLER_ENV, SHIPPED_CONFIG_FILE } from '../../lib/runtime/handler-env.ts';

/**
 * Writes `config` (an object, or text as it would be in the file) as the shipped config of a
 * code directory (a new temporary one unless `dir` is given) and returns the environment that
 * points the handlers at it.
 */
export function shippedConfig(config: unknown, dir: string = mkdtempSync(path.join(os.tmpdir(), 'flp-task-'))): { [HANDLER_ENV.taskRoot]: string } {
  writeFileSync(path.join(dir, SHIPPED_CONFIG_FILE), typeof config === 'string' ? config : JSON.stringify(config));
  return { [HANDLER_ENV.taskRoot]: dir };
}
