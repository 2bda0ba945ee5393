/**
 * The CDK app (cdk.json runs `npx tsx cdk/app.ts`): reads the config file named by
 * `-c config=FILE`, else by FLP_CONFIG_FILE, else flp-monitor.config.json; validates it (a bad
 * config stops synth with every problem, each naming its property); builds the MonitorStack;
 * and checks it with cdk-nag's AwsSolutions rules, whose unacknowledged findings fail synth.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig, type Config } from '../lib/core/config.ts';
import { MonitorStack, stackName } from './monitor-stack.ts';

/** `npx cdk synth -c config=FILE` */
export const CONFIG_CONTEXT_KEY = 'config';
/** Read when no `-c config=` is given. */
export const CONFIG_FILE_ENV = 'FLP_CONFIG_FILE';

/**
 * Feature flags this app is written for, set here rather than in cdk.json so that tests (which
 * build the app in-process) see the same behaviour as `cdk synth`. cdk.json context overrides.
 */
export const FEATURE_FLAGS = {
  // Server access logs delivered through a bucket policy (ACLs are off on new buckets).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
  // A new layer version gives the functions a new version hash.
  '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
  // Fail synth when a secret's value would be written into the template.
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/core:target-partitions': ['aws', 'aws-cn'],
} as const;

/** An app with this project's feature flags and cdk-nag's AwsSolutions checks registered. */
export function createApp(props: AppProps = {}): App {
  const app = new App({ ...props, context: { ...FEATURE_FLAGS, ...props.context } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** The config file this app reads: context `config`, then FLP_CONFIG_FILE, then the default. */
export function configFileOf(app: App, env: NodeJS.ProcessEnv = process.env): string {
  const fromContext: unknown = app.node.tryGetContext(CONFIG_CONTEXT_KEY);
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  return env[CONFIG_FILE_ENV] || DEFAULT_CONFIG_FILE;
}

/** Adds the monitor for `config` to `app`. */
export function addMonitorStack(app: App, config: Config): MonitorStack {
  return new MonitorStack(app, stackName(config.environment), { config });
}

/** Reads the config the app names and adds its stack. Rejects with ConfigError for a bad config. */
export async function buildApp(app: App = createApp(), env: NodeJS.ProcessEnv = process.env): Promise<{ app: App; stack: MonitorStack }> {
  const config = await loadConfig(configFileOf(app, env));
  return { app, stack: addMonitorStack(app, config) };
}

async function main(): Promise<void> {
  let built: { app: App };
  try {
    built = await buildApp();
  } catch (err) {
    if (err instanceof ConfigError) {
      // The CLI shows the app's stderr: the file and every problem, each naming its property.
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  built.app.synth();
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();
