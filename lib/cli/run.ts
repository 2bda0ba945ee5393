/**
 * `flp-monitor run`: every probe against the configured target, once (`--once`) or on the
 * configured schedule until Ctrl-C.
 */
import path from 'node:path';
import { loadConfig } from '../core/config.ts';
import { cliMonitor } from '../runtime/cli-monitor.ts';
import { ensureBrowser, styleOf, type Io } from './io.ts';
import { reportJson, resultsTable, verdictLine } from './output.ts';
import { runSchedule } from './schedule.ts';

export async function runCommand(opts: { config: string; once?: boolean; json?: boolean }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  if (!ensureBrowser(config, io)) return 2;
  if (!opts.once) return runSchedule(config, io, {});
  const monitor = cliMonitor(config);
  try {
    const report = await monitor.runOnce();
    if (opts.json) io.out(`${reportJson(report)}\n`);
    else {
      const evidence = report.results.filter((r) => r.artifacts.length).map((r) => `evidence of ${r.probe}: ${r.artifacts.map((a) => path.join(config.artifacts.dir, a)).join(', ')}`);
      io.out(`${resultsTable(report.results, styleOf(io).width)}\n\n${verdictLine(report.verdict)} (${(report.durationMs / 1000).toFixed(1)} s)\n${evidence.map((l) => `${l}\n`).join('')}`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await monitor.close();
  }
}
