/** `flp-monitor release status`: the last release verdicts and the version later runs expect. */
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerRelease({ program, cio, configOption, setCode }: CommandKit): void {
  const release = topCommand(program, 'release');
  release
    .command('status')
    .description('the last release verdicts, newest first, and the version later runs expect')
    .addOption(configOption())
    .option('--source <source>', 'where the verdicts come from: local (the store\'s releases.json) or cloudwatch (the Release metric)', 'local')
    .option('--limit <n>', 'list this many verdicts (default 10)')
    .option('--json', 'print exactly one JSON document on stdout: { expected, releases }')
    .action(async (opts: { config: string; source?: string; limit?: string; json?: boolean }) => {
      setCode(await (await import('../release.ts')).releaseStatusCommand(opts, cio));
    });
}
