/** `flp-monitor cost`: the monthly cost of the deployment, and of CloudWatch Synthetics and Checkly for the same checks. */
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerCost({ program, cio, configOption, setCode }: CommandKit): void {
  topCommand(program, 'cost')
    .addOption(configOption())
    .option('--journey-every <time>', 'price the journey at this pace instead of the config\'s, e.g. 1m')
    .option('--sync-every <time>', 'price the sync probes at this pace, e.g. 5m')
    .option('--nodes-every <time>', 'price the node probes at this pace, e.g. 5m')
    .option('--no-store', 'use the default durations, not the medians in the local store')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { config: string; journeyEvery?: string; syncEvery?: string; nodesEvery?: string; store?: boolean; json?: boolean }) => {
      setCode(await (await import('../cost.ts')).costCommand(opts, cio));
    });
}
