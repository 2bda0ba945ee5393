/**
 * `flp-monitor config schema`: the config file's JSON Schema on stdout, so an editor completes
 * and checks the file: `npx flp-monitor config schema > flp-monitor.schema.json`, then
 * `"$schema": "./flp-monitor.schema.json"` at the top of the config.
 */
import { configJsonSchema } from '../core/config.ts';
import type { Io } from './io.ts';

export function configSchemaCommand(io: Io): number {
  io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return 0;
}
