/** `flp-monitor canary`: the post-release canary: every probe a few times, judged against the latency baseline. */
import { Option } from 'commander';
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerCanary({ program, cio, configOption, setCode }: CommandKit): void {
  topCommand(program, 'canary')
    .addOption(configOption())
    .option('--expect-version <version>', 'the version every node must run after the release (required)')
    .option('--runs <n>', 'run every probe this many times (default 3)')
    .option('--duration <time>', 'run for this long instead, e.g. 90s, 10m, 1h')
    .option('--baseline-days <days>', 'days before now the latency baseline is taken from (default canary.baselineDays)')
    .option('--source <source>', 'where the baseline comes from: local or cloudwatch', 'local')
    .option('--nodes', 'in every run also the full journey on each node directly (each nodes[].url serves the same app): a node with a broken install fails the release')
    .option('--json', 'print exactly one JSON document on stdout')
    .addOption(new Option('--reporter <name>', 'a CI report instead of the table: junit (JUnit XML) or github (GitHub Actions annotations)').choices(['junit', 'github']))
    .option('--out <file>', 'write the --reporter output to this file; the table goes to stdout')
    .action(async (opts: { config: string; expectVersion?: string; runs?: string; duration?: string; baselineDays?: string; source?: string; nodes?: boolean; json?: boolean; reporter?: string; out?: string }) => {
      setCode(await (await import('../canary.ts')).canaryCommand(opts, cio));
    });
}
