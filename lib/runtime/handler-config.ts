/**
 * The config a Lambda function runs with: {@link SHIPPED_CONFIG_FILE} beside the bundle (the
 * validated config as JSON, written there by the stack) checked again, with its paths under
 * /tmp. Its own file, so the notifier's small bundle takes it without the probe handlers (and
 * their Playwright).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig, type Config } from '../core/config.ts';
import { HANDLER_ENV, SHIPPED_CONFIG_FILE } from './handler-env.ts';

/** The function's code directory: `LAMBDA_TASK_ROOT` (Lambda sets it), else the working directory. */
export function taskRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env[HANDLER_ENV.taskRoot] || process.cwd();
}

/**
 * Reads and validates the shipped config (`<task root>/flp-config.json`). Paths are moved under
 * `tmpDir`, Lambda's only writable directory; a relative `target.caFile` is taken from the code
 * directory, where the stack ships the CA beside the bundle (cdk/probe-functions.ts), so the
 * HTTP client and the journey's Chromium both trust it. Throws ConfigError naming the file and
 * every problem.
 */
export function loadHandlerConfig(env: NodeJS.ProcessEnv = process.env, tmpDir: string = os.tmpdir()): Config {
  const file = path.join(taskRoot(env), SHIPPED_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError(file, [`(file): ${why}; the stack ships the config beside the bundle as ${SHIPPED_CONFIG_FILE}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`(file): not valid JSON: ${(err as Error).message}`]);
  }
  const root = path.join(tmpDir, 'flp-monitor');
  let config: Config;
  try {
    config = parseConfig(raw, { baseDir: root });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(file, err.problems);
    throw err;
  }
  const caFile = (raw as { target?: { caFile?: unknown } }).target?.caFile;
  const target = typeof caFile === 'string' ? { ...config.target, caFile: path.resolve(taskRoot(env), caFile) } : config.target;
  return { ...config, target, store: { dir: path.join(root, 'store') }, artifacts: { dir: path.join(root, 'artifacts') } };
}
