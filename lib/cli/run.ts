/**
 * `flp-monitor run`: every probe against the configured target, once (`--once`) or on the
 * configured schedule until Ctrl-C.
 */
import path from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import { findChromium } from '../browser.ts';
import { createLogger, type LogLevel } from '../logger.ts';
import { LocalStore } from '../metrics/local-store.ts';
import { Monitor, type ResultSink } from '../monitor.ts';
import { reportJson, resultsTable, verdictLine } from './output.ts';
import { runSchedule } from './schedule.ts';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** A monitor wired for a CLI process: real probes, results appended to the local store. */
export function cliMonitor(config: Config, extraSinks: ResultSink[] = []): Monitor {
  const store = new LocalStore(config.store.dir);
  return new Monitor(config, {
    logger: createLogger(logLevel(process.env.FLP_LOG_LEVEL)),
    sinks: [{ write: (records) => store.append(records) }, ...extraSinks],
  });
}

/**
 * Logs stay off the screen unless asked for (`FLP_LOG_LEVEL=info`): the table, the live view and
 * the JSON document already carry every finding, and stray lines would tear the live view.
 */
function logLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'error';
}

/** Fails early, with one sentence saying what to run, when the journey needs a browser and there is none. */
export function ensureBrowser(config: Config, io: Io): boolean {
  if (!config.journey.enabled) return true;
  try {
    findChromium();
    return true;
  } catch (e) {
    io.err(`flp-monitor: ${(e as Error).message}\n`);
    return false;
  }
}

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
      io.out(`${resultsTable(report.results, process.stdout.columns ?? 160)}\n\n${verdictLine(report.verdict)} (${(report.durationMs / 1000).toFixed(1)} s)\n${evidence.map((l) => `${l}\n`).join('')}`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await monitor.close();
  }
}
