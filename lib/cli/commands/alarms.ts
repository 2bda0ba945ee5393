/** `flp-monitor alarms`: the alarm policy as a table or Markdown, or each alarm's state over the local store (`--evaluate`). */
import { UsageError } from '../errors.ts';
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerAlarms({ program, cio, configOption, setCode }: CommandKit): void {
  topCommand(program, 'alarms')
    .addOption(configOption())
    .option('--markdown', 'print a Markdown table (the README\'s)')
    .option('--evaluate', 'each alarm\'s state over the local store now; exit 1 when something would page')
    .option('--json', 'print exactly one JSON document on stdout: the policy, or with --evaluate each alarm\'s state')
    .action(async (opts: { config: string; markdown?: boolean; evaluate?: boolean; json?: boolean }) => {
      if (opts.json && opts.markdown) throw new UsageError('--json and --markdown exclude each other: give one');
      setCode(await (await import('../alarms.ts')).alarmsCommand(opts, cio));
    });
}
