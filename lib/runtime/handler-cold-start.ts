/**
 * A probe group's cold start, part of the handler kit (handler-kit.ts): the config shipped
 * beside the bundle validated once, the CloudWatch sink, the S3 stores (artifacts, latest
 * results, windows, release verdicts), every signed LPS profile's launch key (a key that cannot
 * be had never fails the cold start: that profile's checks fail as `monitor`, and the secret is
 * read again at each invocation), and the group's Monitor. Warm invocations reuse all of it.
 *
 * What is the journey function's alone (its browser and the target's CA, the means to verify a
 * release, its leases) comes in through {@link JourneyStart} from journey-handler.ts, so this
 * shared part knows no browser and no release verification.
 */
import { createS3ArtifactStore } from '../adapters/artifacts-s3.ts';
import { createCloudWatchSink } from '../adapters/cloudwatch-sink.ts';
import type { LambdaBrowserProvider } from '../adapters/lambda-browser.ts';
import { createLatestResultsStore } from '../adapters/latest-results-s3.ts';
import { createS3ReleaseStore } from '../adapters/release-store-s3.ts';
import { createResolver } from '../adapters/resolver.ts';
import { readSecretString } from '../adapters/secrets.ts';
import { createS3WindowStore } from '../adapters/window-store-s3.ts';
import type { Config } from '../core/config.ts';
import type { Logger, Resolve } from '../core/context.ts';
import type { ProbeGroup } from '../core/contract.ts';
import { describeError } from '../core/format.ts';
import type { RuntimeWindow } from '../core/windows.ts';
import { loadHandlerConfig } from './handler-config.ts';
import { HANDLER_ENV } from './handler-env.ts';
import { CapturingSink, diagnosticsLogger, ioBudget, MonitorFailure, type GroupState, type HandlerKit, type Verification } from './handler-kit.ts';
import { withSecretCpr } from './journey-secret.ts';
import { withLaunchKeys } from './launch-keys.ts';
import { Monitor } from './monitor.ts';

/** Where the S3 stores of a function are: its region, and an endpoint when one is set (tests). */
export interface S3Where {
  region: string;
  endpoint?: string;
}

/** Reads a secret by name, saying in an error what it was for. */
export type ReadSecret = (secretId: string, what: string) => Promise<string>;

/** What the journey function's means to verify a release are built from. */
export interface VerificationStart {
  config: Config;
  env: NodeJS.ProcessEnv;
  region: string;
  diagnostics: Logger;
  browser: LambdaBrowserProvider;
  ca: string[] | null;
  resolve: Resolve;
  readSecret: ReadSecret;
}

/** The journey function's own part of the cold start. */
export interface JourneyStart {
  /** After the launch keys, before any Monitor: the target's CA and the browser the journey runs in. */
  browser(config: Config): Promise<{ browser: LambdaBrowserProvider; ca: string[] | null }>;
  /** With a release store: what verifies a release whose window ended, and how its Monitor is built again around a new config. */
  verification(start: VerificationStart): { verification: Verification; monitorFor: (c: Config) => Monitor };
  /** With a bucket: the run's lease and the verification's. */
  leases(where: S3Where & { bucket: string; environment: string }): NonNullable<GroupState['leases']>;
}

/** Builds the group's container state; `journey` only for the journey function. Throws (a `MonitorFailure` where the monitor is at fault) when the group cannot start. */
export async function coldStart(kit: HandlerKit, group: ProbeGroup, journey?: JourneyStart): Promise<GroupState> {
  const { env } = kit;
  const loaded = loadHandlerConfig(env, kit.tmpDir);
  const diagnostics = diagnosticsLogger(env, kit.write);
  const region = env[HANDLER_ENV.region];
  if (!region) throw new MonitorFailure(`${HANDLER_ENV.region} is not set (Lambda sets it)`);
  const readSecret: ReadSecret = (secretId, what) => readSecretString({ region, secretId, endpoint: env[HANDLER_ENV.secretsEndpoint], what });
  const sink = new CapturingSink(
    createCloudWatchSink({ region, logger: diagnostics, ...(env[HANDLER_ENV.cloudWatchEndpoint] ? { endpoint: env[HANDLER_ENV.cloudWatchEndpoint] } : {}) }),
  );
  const bucket = env[HANDLER_ENV.artifactsBucket];
  const s3: S3Where = { region, ...(env[HANDLER_ENV.s3Endpoint] ? { endpoint: env[HANDLER_ENV.s3Endpoint] } : {}) };
  const artifacts = bucket ? createS3ArtifactStore({ ...s3, bucket }) : null;
  const latestStore = bucket ? createLatestResultsStore({ ...s3, bucket }) : null;
  const { config, keys } = await readGroupKeys(kit, group, loaded, readSecret);
  const { browser, ca } = journey ? await journey.browser(config) : { browser: null, ca: null };
  const invocation: GroupState['invocation'] = { remainingMs: () => Number.POSITIVE_INFINITY };
  const windows = bucket ? windowsFor(kit, { ...s3, bucket }, config, invocation) : null;
  const monitorFor = (c: Config) => new Monitor(c, { sinks: [sink], logger: diagnostics, ...(browser ? { browser } : {}), ...(windows ? { windows } : {}) });
  const monitor = monitorFor(config);
  const resolve = createResolver(config.target.dnsServers);
  const releases = bucket && group !== 'sync' ? createS3ReleaseStore({ ...s3, bucket, environment: config.environment }) : null;
  const verifying = journey && browser && releases ? journey.verification({ config, env, region, diagnostics, browser, ca, resolve, readSecret }) : null;
  const leases = journey && bucket ? journey.leases({ ...s3, bucket, environment: config.environment }) : null;
  const state: GroupState = {
    config,
    monitor,
    sink,
    artifacts,
    latestStore,
    latest: undefined,
    latestEtag: undefined,
    browser,
    resolve,
    ca,
    diagnostics,
    invocation,
    releases,
    verification: verifying?.verification ?? null,
    keys,
    leases,
    retryVerifyAt: new Map(),
    rebuild: () => undefined,
  };
  // New monitors around a config whose missing keys came: the version they expect carries over.
  state.rebuild = (c: Config) => {
    const expected = state.monitor.expectedVersion;
    state.config = c;
    state.monitor = monitorFor(c);
    if (expected) state.monitor.expectVersion(expected);
    if (state.verification && verifying) {
      state.verification.monitor = verifying.monitorFor(c);
      if (expected) state.verification.monitor.expectVersion(expected);
    }
  };
  return state;
}

/**
 * The journey and the LPS launches sign with the vendors' keys, read now and kept in memory only:
 * every profile's, in the journey function too (a release verification runs the LPS launch
 * checks there). The journey function needs its secret (the CPR is in it); the nodes function
 * only for keys kept in it, and those profiles alone go without. The sync function reads none.
 */
async function readGroupKeys(kit: HandlerKit, group: ProbeGroup, loaded: Config, readSecret: ReadSecret): Promise<Pick<GroupState, 'config' | 'keys'>> {
  if (group === 'sync') return { config: loaded, keys: { missing: [], retry: async () => null } };
  let config = loaded;
  const secretArn = kit.env[HANDLER_ENV.journeySecretArn];
  let secret: string | undefined;
  let secretProblem: { problem: string; name: string } | undefined;
  const readJourneySecret = async () => {
    if (!secretArn || secret !== undefined) return;
    try {
      secret = await readSecret(secretArn, 'the journey secret');
      secretProblem = undefined;
    } catch (err) {
      if (group === 'journey') throw new MonitorFailure((err as Error).message, { cause: err });
      secretProblem = { problem: (err as Error).message, name: secretArn };
    }
  };
  await readJourneySecret();
  if (group === 'journey' && secretArn && secret !== undefined) {
    kit.deps.onJourneySecret?.(secret);
    try {
      config = withSecretCpr(config, secret, secretArn);
    } catch (err) {
      throw new MonitorFailure((err as Error).message, { cause: err });
    }
  }
  const readKeys = (c: Config, only?: ReadonlySet<string>) => withLaunchKeys(c, (name) => readSecret(name, 'the LPS launch key secret'), secret ?? secretProblem, only);
  const keyed = await readKeys(config);
  const keys: GroupState['keys'] = {
    missing: keyed.missing,
    // The missing keys again (a secret created or fixed since the cold start counts from the next run): the config with them, or null when none came.
    retry: async (current: Config) => {
      await readJourneySecret();
      const again = await readKeys(current, new Set(keys.missing.map((m) => m.system)));
      const found = keys.missing.length - again.missing.length;
      keys.missing = again.missing;
      return found > 0 ? again.config : null;
    },
  };
  return { config: keyed.config, keys };
}

/**
 * The run-time maintenance windows, one GET per invocation (the Monitor reads once per run),
 * bounded like the latest results; a failure is this run's `monitor:windows` line, and no
 * windows. What the read found is kept on the invocation (a release verification goes by it).
 */
function windowsFor(kit: HandlerKit, where: S3Where & { bucket: string }, config: Config, invocation: GroupState['invocation']): { list: () => Promise<RuntimeWindow[]> } {
  const store = createS3WindowStore({ ...where, environment: config.environment });
  return {
    list: async () => {
      const list = await store.list({ abortSignal: ioBudget({ invocation }) }).catch((err: unknown) => {
        kit.monitorFailure(config, 'windows', `maintenance windows not read from ${store.where}, this run counts none: ${describeError(err)}`, invocation.requestId);
        return [];
      });
      invocation.windows = list;
      return list;
    },
  };
}
