/** `flp-monitor run`: every probe on the schedule, or once (`--once`) with a verdict, a JSON document or a CI report. */
import { Option } from 'commander';
import { UsageError } from '../errors.ts';
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerRun({ program, cio, configOption, setCode }: CommandKit): void {
  topCommand(program, 'run')
    .addOption(configOption())
    .option('--once', 'run every probe once, print the verdict and exit (0 passed, 1 failure found)')
    .option('--json', 'print exactly one JSON document on stdout (with --once)')
    .addOption(new Option('--reporter <name>', 'with --once, a CI report instead of the table: junit (JUnit XML) or github (GitHub Actions annotations)').choices(['junit', 'github']))
    .option('--out <file>', 'write the --reporter output to this file; the table goes to stdout')
    .action(async (opts: { config: string; once?: boolean; json?: boolean; reporter?: string; out?: string }) => {
      if (opts.json && !opts.once) throw new UsageError('--json needs --once');
      setCode(await (await import('../run.ts')).runCommand(opts, cio));
    });
}
