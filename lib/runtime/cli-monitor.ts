/**
 * The composition root of a CLI process (`run`, `start`, `canary`): a Monitor with the real
 * probes, its results appended to the local store, the run-time maintenance windows read from
 * `<store.dir>/windows.json` on every run, logs at `FLP_LOG_LEVEL`.
 */
import type { Config } from '../core/config.ts';
import type { ResultSink } from '../core/records.ts';
import { createLogger, type LogLevel } from '../adapters/logger.ts';
import { LocalStore } from '../adapters/local-store.ts';
import { LocalWindowStore } from '../adapters/window-store.ts';
import { Monitor } from './monitor.ts';

/** The variable that turns the CLI's logs on (`debug`, `info`, `warn`; default `error`). */
export const CLI_LOG_LEVEL_ENV = 'FLP_LOG_LEVEL';

/** A monitor wired for a CLI process: real probes, results appended to the local store, the local run-time windows. */
export function cliMonitor(config: Config, extraSinks: ResultSink[] = [], env: NodeJS.ProcessEnv = process.env): Monitor {
  const store = new LocalStore(config.store.dir);
  return new Monitor(config, {
    logger: createLogger(logLevel(env[CLI_LOG_LEVEL_ENV])),
    sinks: [{ write: (records) => store.append(records) }, ...extraSinks],
    windows: new LocalWindowStore(config.store.dir),
  });
}

/**
 * Logs stay off the screen unless asked for (`FLP_LOG_LEVEL=info`): the table, the live view and
 * the JSON document already carry every finding, and stray lines would tear the live view.
 */
function logLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'error';
}
