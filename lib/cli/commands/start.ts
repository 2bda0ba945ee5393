/** `flp-monitor start`: the local monitor: the sandbox when the config has one, the schedule, the alarms, the notifier. */
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerStart({ program, cio, configOption, setCode }: CommandKit): void {
  topCommand(program, 'start')
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      setCode(await (await import('../start.ts')).startCommand(opts, cio));
    });
}
