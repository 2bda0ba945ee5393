/** `flp-monitor sla`: the SLA report for a month or a range, as Markdown, CSV, HTML or JSON. */
import { Option } from 'commander';
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerSla({ program, cio, configOption, setCode }: CommandKit): void {
  topCommand(program, 'sla')
    .addOption(configOption())
    .option('--month <YYYY-MM>', 'a calendar month in Copenhagen time')
    .option('--from <time>', 'start: an ISO 8601 time with zone, or a date (Copenhagen midnight)')
    .option('--to <time>', 'end (not included): an ISO 8601 time with zone, or a date')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'html', 'json']).default('md'))
    .option('--out <file>', 'write the report to this file instead of stdout')
    .addOption(new Option('--source <source>', 'where the history comes from').choices(['local', 'cloudwatch']).default('local'))
    .action(async (opts: { config: string; month?: string; from?: string; to?: string; format?: string; out?: string; source?: string }) => {
      setCode(await (await import('../sla.ts')).slaCommand(opts, cio));
    });
}
