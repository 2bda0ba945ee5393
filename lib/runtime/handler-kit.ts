/**
 * The handler kit: what every Lambda function of the monitor shares, so each function's own
 * file (journey-handler.ts, sync-handler.ts, nodes-handler.ts, notifier-handler.ts) holds only
 * what is its own. Here: Lambda's context and the handlers' result shapes (the light result the
 * CLI's JSON also reports), the kit built once per set of dependencies (clock, log lines, env),
 * the `monitor` failure line, a group's container state, and the invocation's time left.
 *
 * The rest of the kit sits beside it, one concern a file: a group's cold start
 * (handler-cold-start.ts), one invocation's run (handler-run.ts), and what a run leaves behind,
 * artifacts and latest results (handler-results.ts).
 *
 * It imports no probe and no browser as code (types only), so the notifier's bundle can use it.
 */
import os from 'node:os';
import type { S3ArtifactStore } from '../adapters/artifacts-s3.ts';
import type { HistorySource } from '../adapters/history.ts';
import type { LambdaBrowserProvider } from '../adapters/lambda-browser.ts';
import type { S3LatestResultsStore } from '../adapters/latest-results-s3.ts';
import { createLogger, type LogLevel } from '../adapters/logger.ts';
import type { S3ReleaseStore } from '../adapters/release-store-s3.ts';
import type { S3Lease } from '../adapters/s3-lease.ts';
import type { SnsPublisher } from '../adapters/sns-publisher.ts';
import { DEFAULT_OWNERS, type Config } from '../core/config.ts';
import type { Logger, Resolve } from '../core/context.ts';
import type { LatestResults } from '../core/latest-results.ts';
import type { ResultSink, StoreRecord } from '../core/records.ts';
import type { ClassifiedResult, Observations, ProbeKind, StepStatus, Verdict } from '../core/result.ts';
import type { RuntimeWindow } from '../core/windows.ts';
import type { SendToChannels } from './channel-sender.ts';
import { HANDLER_ENV } from './handler-env.ts';
import type { LaunchKeyProblem } from './launch-keys.ts';
import type { Monitor } from './monitor.ts';

/** Time kept back from the function's own deadline for uploading artifacts and logging. */
export const DEADLINE_RESERVE_MS = 3_000;
/** The longest the latest-results document may take to read (cold start) or write; never past the deadline less a second. */
export const LATEST_IO_TIMEOUT_MS = 3_000;

/** The part of Lambda's context object the handlers use. */
export interface LambdaContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
  functionName?: string;
}

/** A result as the CLI's JSON reports it, without the evidence (it is in the log and the artifacts). */
export interface HandlerProbeResult {
  probe: string;
  kind: ProbeKind;
  target: string;
  ok: boolean;
  class: ClassifiedResult['class'];
  owner: string | null;
  summary: string;
  durationMs: number;
  attempts: number;
  steps: { name: string; status: StepStatus; durationMs: number; error?: string }[];
  observations: Observations;
  /** `s3://bucket/key` of each uploaded artifact, or its local path when there is no bucket. */
  artifacts: string[];
}

export interface HandlerResult {
  ok: boolean;
  verdict: Verdict;
  results: HandlerProbeResult[];
  /** The journey only: the release verified (or not) in this invocation. */
  release?: HandlerRelease;
  /** A re-check invocation (lib/core/recheck.ts): `ran` when the latest journey failed and the journey ran again, `skipped` when it passed (nothing ran, no browser started). */
  recheck?: 'ran' | 'skipped';
  /** The journey only: this invocation ran nothing, because the previous run still holds the run lease (who, until when). */
  skipped?: { holder: string; until: string; summary: string };
}

/** What the journey function did about a release window that had ended. */
export interface HandlerRelease {
  version: string;
  windowId: string;
  /** `skipped`: too little time left (or stopped by the deadline); the next invocation tries again. */
  verdict: 'pass' | 'fail' | 'skipped' | 'error';
  summary: string;
  /** The topics the verdict was published to. */
  topics: string[];
}

export type Handler = (event: unknown, context: LambdaContext) => Promise<HandlerResult>;

export interface HandlerDeps {
  /** Read at cold start. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The writable directory (Lambda: /tmp). Default `os.tmpdir()`. */
  tmpDir?: string;
  /** Where log lines go. Default: stdout, one JSON object a line (bypassing Lambda's console prefix, so Logs Insights sees the fields). */
  write?: (line: string) => void;
  /** The journey's browser. Default: the Lambda Chromium of `@sparticuz/chromium`. */
  createBrowser?: () => Promise<LambdaBrowserProvider>;
  /** Receives the journey secret at cold start (its `cpr` and `lpsKeys` are read from it too). Never logged. */
  onJourneySecret?: (secret: string) => void;
  /** The time a latest-results document is stamped with. Default: the system clock. */
  now?: () => Date;
}

/** A failure of the monitor itself (bad config, metrics not published, out of time): logged as `monitor`, then thrown so Lambda counts an error. */
export class MonitorFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MonitorFailure';
  }
}

/** Records the sink's failures, which the Monitor only logs, so the handler can fail the invocation. */
export class CapturingSink implements ResultSink {
  readonly failures: Error[] = [];
  constructor(readonly inner: ResultSink) {}
  async write(records: readonly StoreRecord[]): Promise<void> {
    try {
      await this.inner.write(records);
    } catch (err) {
      this.failures.push(err as Error);
      throw err;
    }
  }
}

/**
 * One `monitor` failure line, as the probes' failures are logged (Logs Insights finds both with
 * `ok = 0`): `fields` first, then the environment, `probe` (`monitor:<what>`), class and owner.
 */
export function logMonitorFailure(out: Logger, config: Config | null, probe: string, summary: string, fields: Record<string, unknown> = {}): void {
  out.error('monitor failure', {
    ...fields,
    environment: config?.environment ?? 'unknown',
    probe,
    ok: 0,
    class: 'monitor',
    owner: (config?.owners ?? DEFAULT_OWNERS).monitor,
    summary,
    artifacts: [],
  });
}

/** The monitor's own diagnostics, at `FLP_LOG_LEVEL` (default `warn`); result and failure lines are always written. */
export function diagnosticsLogger(env: NodeJS.ProcessEnv, write: (line: string) => void): Logger {
  const level = env[HANDLER_ENV.logLevel];
  return createLogger(level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? (level as LogLevel) : 'warn', write);
}

/** Lambda's time left for this invocation; without a Lambda context, unbounded. */
export function remainingOf(context: LambdaContext | undefined): () => number {
  return () => (typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY);
}

/** What the probe functions' handlers are built around, once per set of dependencies. */
export interface HandlerKit {
  env: NodeJS.ProcessEnv;
  tmpDir: string;
  write: (line: string) => void;
  /** Result and monitor-failure lines: always written. */
  out: Logger;
  now: () => Date;
  deps: HandlerDeps;
  /** A `monitor:<what>` line of this function. */
  monitorFailure: (config: Config | null, what: string, summary: string, requestId?: string) => void;
}

export function createKit(deps: HandlerDeps = {}): HandlerKit {
  const write = deps.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const out = createLogger('info', write);
  return {
    env: deps.env ?? process.env,
    tmpDir: deps.tmpDir ?? os.tmpdir(),
    write,
    out,
    now: deps.now ?? (() => new Date()),
    deps,
    monitorFailure: (config, what, summary, requestId) => logMonitorFailure(out, config, `monitor:${what}`, summary, requestId ? { requestId } : {}),
  };
}

/** The journey function's means to verify a release: a Monitor of its own (no result sinks: the probes of a verification publish no metrics), the baseline, where the verdict goes. */
export interface Verification {
  monitor: Monitor;
  history: HistorySource;
  /** The Release metric. */
  metrics: ResultSink;
  publisher: SnsPublisher;
  /** The environment, for on-call's topic (`FLP_ON_CALL_TOPIC_ARN`), from which every owner's topic follows. */
  env: NodeJS.ProcessEnv;
  /** The configured channels of KiAP and the window's owner (their secrets read at run time). */
  channels: SendToChannels;
}

/** A probe group's container state: built at cold start (handler-cold-start.ts), reused while the container is warm. */
export interface GroupState {
  config: Config;
  monitor: Monitor;
  sink: CapturingSink;
  artifacts: S3ArtifactStore | null;
  /** Where the group's latest results go (null without a bucket). */
  latestStore: S3LatestResultsStore | null;
  /** The group's last document: undefined until read after the cold start, null when there was none. */
  latest: LatestResults | null | undefined;
  browser: LambdaBrowserProvider | null;
  resolve: Resolve;
  /** The certificates of `target.caFile`, read at cold start for the journey's browser. */
  ca: string[] | null;
  diagnostics: Logger;
  /** The invocation under way: its request id and time left, for the windows read (made inside the Monitor's run), and the windows that read found; who holds its leases (function/request id). */
  invocation: { requestId?: string; remainingMs: () => number; windows?: RuntimeWindow[]; holder?: string };
  /** The deployment's release verdicts (journey and nodes, with a bucket): read once per invocation. */
  releases: S3ReleaseStore | null;
  /** The journey only: what verifies a release whose window ended. */
  verification: Verification | null;
  /** The ETag of the group's latest-results document as last read or written (undefined: not known yet, null: none there). */
  latestEtag: string | null | undefined;
  /** The signed profiles without a key (each named in its checks' failures), and how to read their secrets again. */
  keys: { missing: LaunchKeyProblem[]; retry: (current: Config) => Promise<Config | null> };
  /** The journey function's leases (with a bucket): its run, one at a time; a release verification, one per window. */
  leases: { run: S3Lease; verification: S3Lease } | null;
  /** Windows whose verification judged only the monitor's own failures: not tried again in this container before this time. */
  retryVerifyAt: Map<string, number>;
  /** Puts new monitors around `config` (its missing keys came). */
  rebuild: (config: Config) => void;
}

/** The bound on one small S3 call of an invocation (a lease, a re-read, the verdicts): never past the deadline less its reserve. */
export function ioBudget(state: Pick<GroupState, 'invocation'>): AbortSignal {
  return AbortSignal.timeout(Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, state.invocation.remainingMs() - DEADLINE_RESERVE_MS)));
}

/** The light result shape of a handler's answer: the result without its evidence, with where its artifacts went. */
export function lightResult(r: ClassifiedResult, artifacts: string[]): HandlerProbeResult {
  return {
    probe: r.probe,
    kind: r.kind,
    target: r.target,
    ok: r.ok,
    class: r.class,
    owner: r.owner,
    summary: r.summary,
    durationMs: r.durationMs,
    attempts: r.attempts,
    steps: r.steps.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, ...(s.error ? { error: s.error } : {}) })),
    observations: r.observations,
    artifacts,
  };
}
