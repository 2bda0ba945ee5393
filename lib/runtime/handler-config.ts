/**
 * The config a Lambda function runs with: `FLP_CONFIG` (the validated config as JSON, set by the
 * stack) checked again, with its paths under /tmp. Its own file, so the notifier's small bundle
 * takes it without the probe handlers (and their Playwright).
 */
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig, type Config } from '../core/config.ts';
import { HANDLER_ENV } from './handler-env.ts';

/**
 * Reads and validates `FLP_CONFIG`. Paths are moved under `tmpDir`, Lambda's only writable
 * directory; a relative `target.caFile` is taken from the function's code directory
 * (`LAMBDA_TASK_ROOT`, default the working directory), where the stack ships the CA beside the
 * bundle (cdk/probe-functions.ts), so the HTTP client and the journey's Chromium both trust
 * it. Throws ConfigError naming FLP_CONFIG and every problem.
 */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env, tmpDir: string = os.tmpdir()): Config {
  const text = env[HANDLER_ENV.config];
  if (!text) throw new ConfigError(HANDLER_ENV.config, [`(env): ${HANDLER_ENV.config} is not set; it must hold the config as JSON`]);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(HANDLER_ENV.config, [`(env): not valid JSON: ${(err as Error).message}`]);
  }
  const root = path.join(tmpDir, 'flp-monitor');
  let config: Config;
  try {
    config = parseConfig(raw, { baseDir: root });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(HANDLER_ENV.config, err.problems);
    throw err;
  }
  const caFile = (raw as { target?: { caFile?: unknown } }).target?.caFile;
  const target = typeof caFile === 'string' ? { ...config.target, caFile: path.resolve(env[HANDLER_ENV.taskRoot] || process.cwd(), caFile) } : config.target;
  return { ...config, target, store: { dir: path.join(root, 'store') }, artifacts: { dir: path.join(root, 'artifacts') } };
}
