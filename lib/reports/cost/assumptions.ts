/**
 * What the cost model (model.ts) assumes where nothing is measured: each group's default
 * duration, what an invocation adds, the functions' sizes, and the rates it prices with. Each
 * assumption is printed with the estimate.
 */
import type { ProbeGroup } from '../../core/contract.ts';
import { HOURS_PER_MONTH } from './prices.ts';

/** Billed milliseconds of one invocation of each group's function. */
export type GroupDurations = Record<ProbeGroup, number>;

/**
 * Billed duration of one invocation when nothing was measured. The journey function launches
 * Chromium for every run (the Lambda Chromium is single-process, one browser per attempt) and
 * runs five steps against a real FLP; the HTTP functions ask a handful of endpoints at once and
 * publish.
 */
export const DEFAULT_DURATIONS_MS: GroupDurations = { journey: 10_000, sync: 1_500, nodes: 1_500 };

/** What a Lambda invocation adds to the probes' own time as the local store records it (browser launch, publishing, logging). */
export const INVOCATION_OVERHEAD_MS: GroupDurations = { journey: 3_000, sync: 500, nodes: 500 };

/** The journey function's /tmp (cdk/probe-functions.ts sets 1024 MB: Chromium unpacks there). */
export const JOURNEY_EPHEMERAL_MB = 1024;

/**
 * Assumptions the model makes where nothing is measured. Each one is printed with the estimate.
 */
export const ASSUMPTIONS = {
  /** Share of journey runs that fail and keep a screenshot and a trace in S3. */
  journeyFailureRate: 0.02,
  /** A failed journey's screenshot plus trace.zip. */
  artifactBytes: 2.5 * 1024 * 1024,
  /** Lambda's START, END and REPORT lines per invocation. */
  platformLogBytes: 350,
  /** One JSON result line per probe result. */
  resultLogBytes: 450,
  /** CloudWatch Synthetics: what one canary run keeps in S3 (screenshots, HAR, log, report), browser and API canaries. */
  canaryArtifactBytes: { browser: 400 * 1024, api: 12 * 1024 },
  /** CloudWatch Synthetics: S3 PUTs per run (one per artifact). */
  canaryPuts: { browser: 5, api: 3 },
  /** CloudWatch Synthetics keeps the artifacts of successful and failed runs 31 days by default. */
  canaryRetentionDays: 31,
  /** CloudWatch Synthetics canary memory (its own Lambda function). */
  canaryMemoryMb: 1000,
  /** Paging composite state changes a month (a trigger and a resolve each): what the notifier runs for. */
  pageChangesPerMonth: 60,
  /** One notifier run: three latest-results documents read, links signed, SNS and the channels. */
  notifierDurationMs: 1_000,
  /**
   * What the LPS checks add to a nodes run when nothing was measured: a certified launch is two
   * requests one after the other (the launch, then the page its redirect names), beside the
   * servers' probes; the statistics are one more request at the same time.
   */
  launchExtraMs: 500,
  /** Topics one page is published to: the owner's, on-call's, and for an LPS vendor's page KiAP's too (an upper bound). */
  topicsPerPage: 3,
} as const;

/** The notifier's function (cdk/notifier.ts): arm64, this much memory. */
export const NOTIFIER_MEMORY_MB = 256;
/** The notifier's own alarms (cdk/notifier.ts): its errors and its dead-letter queue, both paging on-call directly. */
export const NOTIFIER_ALARMS = 2;

export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
export const GB = 1024 * 1024 * 1024;

/** A re-check that finds the journey passing: it reads one document and returns. */
export const RECHECK_SKIPPED_MS = 250;
