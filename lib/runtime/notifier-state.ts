/**
 * The notifier's container state, read once at cold start and kept while the container is warm:
 * the config shipped beside the bundle and the alarm policy it yields, the S3 stores it reads
 * (latest results, artifacts to link and sign, run-time windows) and the sink of its
 * `NotificationFailed` points. A failed cold start is not kept: the next event tries again.
 */
import { createS3ArtifactStore, type S3ArtifactStore } from '../adapters/artifacts-s3.ts';
import { createCloudWatchSink } from '../adapters/cloudwatch-sink.ts';
import { createLatestResultsStore, type S3LatestResultsStore } from '../adapters/latest-results-s3.ts';
import { createS3WindowStore, type S3WindowStore } from '../adapters/window-store-s3.ts';
import { alarmPolicy, type AlarmPolicy } from '../alarms/policy.ts';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/context.ts';
import type { ResultSink } from '../core/records.ts';
import { loadHandlerConfig } from './handler-config.ts';
import { HANDLER_ENV } from './handler-env.ts';
import { diagnosticsLogger } from './handler-kit.ts';

export interface NotifierState {
  config: Config;
  policy: AlarmPolicy;
  latestStore: S3LatestResultsStore | null;
  artifacts: S3ArtifactStore | null;
  /** The run-time maintenance windows (`state/<env>/windows.json`): a page right after one's planned end says it overran. */
  windows: S3WindowStore | null;
  sink: ResultSink;
  diagnostics: Logger;
}

/** The notifier's state, started on first use (in the event's region) and kept once it started. */
export function notifierStateCache(env: NodeJS.ProcessEnv, write: (line: string) => void): (region: string) => Promise<NotifierState> {
  let state: Promise<NotifierState> | null = null;
  return (region) => {
    state ??= startNotifier(env, write, region).catch((err: unknown) => {
      // A failed cold start is not kept: the next event tries again.
      state = null;
      throw err;
    });
    return state;
  };
}

async function startNotifier(env: NodeJS.ProcessEnv, write: (line: string) => void, region: string): Promise<NotifierState> {
  const config = loadHandlerConfig(env);
  const diagnostics = diagnosticsLogger(env, write);
  const bucket = env[HANDLER_ENV.artifactsBucket];
  const s3 = { region, ...(env[HANDLER_ENV.s3Endpoint] ? { endpoint: env[HANDLER_ENV.s3Endpoint] } : {}) };
  const artifacts = bucket ? createS3ArtifactStore({ ...s3, bucket }) : null;
  const latestStore = bucket ? createLatestResultsStore({ ...s3, bucket }) : null;
  const windows = bucket ? createS3WindowStore({ ...s3, bucket, environment: config.environment }) : null;
  const sink = createCloudWatchSink({ region, logger: diagnostics, ...(env[HANDLER_ENV.cloudWatchEndpoint] ? { endpoint: env[HANDLER_ENV.cloudWatchEndpoint] } : {}) });
  return { config, policy: alarmPolicy(config, { minPeriodSeconds: 60 }), latestStore, artifacts, windows, sink, diagnostics };
}
