/** `flp-monitor notify test|preview`: a test page through each channel, or the pages a verdict would send. */
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerNotify({ program, cio, configOption, setCode }: CommandKit): void {
  const notify = topCommand(program, 'notify');
  notify
    .command('test')
    .description('send a test page through each configured channel and say what each answered; exit 1 when one failed')
    .addOption(configOption())
    .option('--channel <name>', 'only this channel (its name, or its type when unnamed)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { config: string; channel?: string; json?: boolean }) => {
      setCode(await (await import('../notify.ts')).notifyTestCommand(opts, cio));
    });
  notify
    .command('preview')
    .description('run every probe once and print the pages the verdict would send, and what it holds back; exit 1 when something would page')
    .addOption(configOption())
    .option('--json', 'print exactly one JSON document on stdout: { pages, heldBack }')
    .action(async (opts: { config: string; json?: boolean }) => {
      setCode(await (await import('../notify.ts')).notifyPreviewCommand(opts, cio));
    });
}
