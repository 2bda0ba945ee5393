/** `flp-monitor config schema`: the config file's JSON Schema, for editors. */
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerConfig({ program, cio, setCode }: CommandKit): void {
  const config = topCommand(program, 'config');
  config
    .command('schema')
    .description('print the config file\'s JSON Schema, for editors: npx flp-monitor config schema > flp-monitor.schema.json')
    .action(async () => {
      setCode((await import('../config.ts')).configSchemaCommand(cio));
    });
}
