/**
 * `flp-monitor run`: every probe against the configured target, once (`--once`) or on the
 * configured schedule until Ctrl-C. With `--once`, the result is a table, one JSON document
 * (`--json`), or a CI report (`--reporter junit|github`, on stdout or into `--out FILE` with the
 * table on stdout).
 */
import path from 'node:path';
import { loadConfig, type Config } from '../core/config.ts';
import type { RunReport } from '../core/result.ts';
import { cliMonitor } from '../runtime/cli-monitor.ts';
import { UsageError } from './errors.ts';
import { ensureBrowser, styleOf, type Io } from './io.ts';
import { reportJson, resultsTable, verdictLine } from './output.ts';
import { checkWritable, writeReportFile } from './report-out.ts';
import { renderReport, reporterUsage } from './reporters.ts';
import { runSchedule } from './schedule.ts';

export interface RunCommandOptions {
  config: string;
  once?: boolean;
  json?: boolean;
  reporter?: string;
  out?: string;
}

export async function runCommand(opts: RunCommandOptions, io: Io): Promise<number> {
  const ci = reporterUsage(opts);
  if (ci && !opts.once) throw new UsageError('--reporter needs --once');
  if (ci?.out) await checkWritable(ci.out);
  const config = await loadConfig(opts.config);
  if (!ensureBrowser(config, io)) return 2;
  if (!opts.once) return runSchedule(config, io, {});
  const monitor = cliMonitor(config);
  try {
    const report = await monitor.runOnce();
    if (opts.json) io.out(`${reportJson(report)}\n`);
    else if (ci) {
      const text = renderReport(ci.reporter, report, { environment: config.environment, artifactsDir: config.artifacts.dir });
      if (!ci.out) io.out(text);
      else {
        io.out(runText(report, config, io));
        await writeReportFile(ci.out, text);
        const failed = report.results.filter((r) => !r.ok).length;
        io.err(`flp-monitor: wrote ${ci.out} (${ci.reporter}): ${report.results.length} probes, ${failed} failed\n`);
      }
    } else io.out(runText(report, config, io));
    return report.ok ? 0 : 1;
  } finally {
    await monitor.close();
  }
}

/** The table, the verdict line and where the evidence files are, for people. */
function runText(report: RunReport, config: Config, io: Io): string {
  const evidence = report.results.filter((r) => r.artifacts.length).map((r) => `evidence of ${r.probe}: ${r.artifacts.map((a) => path.join(config.artifacts.dir, a)).join(', ')}`);
  return `${resultsTable(report.results, styleOf(io).width)}\n\n${verdictLine(report.verdict)} (${(report.durationMs / 1000).toFixed(1)} s)\n${evidence.map((l) => `${l}\n`).join('')}`;
}
