/**
 * Metric names, units and dimension keys: the one module both the probes' sinks and the CDK
 * stack import. Units are in the names. Every distinct combination of dimension values is a
 * billed custom metric in CloudWatch, so dimensions are few and chosen per metric.
 */

export const DEFAULT_NAMESPACE = 'FLP/Synthetics';

export const DIMENSIONS = {
  environment: 'Environment',
  probe: 'Probe',
  step: 'Step',
  source: 'Source',
  node: 'Node',
  failureClass: 'FailureClass',
  /** The released version (the Release metric only: about four values a year). */
  version: 'Version',
  /** An LPS system (`lps.profiles[].system`): one per configured profile. */
  system: 'System',
  /** A notification channel by its name (`pagerduty`, `slack-oncall`): one per configured channel. */
  channel: 'Channel',
} as const;

export type DimensionKey = (typeof DIMENSIONS)[keyof typeof DIMENSIONS];

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'None';

export const METRICS = {
  /** 1 when a probe run passed, 0 when it failed. Dimensions: Environment, Probe. */
  success: { name: 'Success', unit: 'Count' },
  /** Wall time of a probe run, retries included. Dimensions: Environment, Probe. */
  duration: { name: 'DurationMillis', unit: 'Milliseconds' },
  /** Wall time of one journey step. Dimensions: Environment, Probe, Step. */
  stepDuration: { name: 'StepDurationMillis', unit: 'Milliseconds' },
  /** 1 per failed probe run, by its class. Dimensions: Environment, FailureClass. */
  failures: { name: 'FailureCount', unit: 'Count' },
  /** Age of a sync source's last success. Dimensions: Environment, Source. */
  syncLag: { name: 'SyncLagSeconds', unit: 'Seconds' },
  /** Days until a node's TLS certificate expires. Dimensions: Environment, Node. */
  certDaysLeft: { name: 'CertDaysLeft', unit: 'None' },
  /** 1 every time a scheduled run completes, whatever it found. Dimensions: Environment. */
  heartbeat: { name: 'Heartbeat', unit: 'Count' },
  /** 1 while a planned maintenance window is open (published with the heartbeat). Dimensions: Environment. */
  maintenance: { name: 'MaintenanceWindow', unit: 'Count' },
  /**
   * One point per post-release canary: 1 when it passed, 0 when it failed, so dashboards and
   * reports can mark the release. Dimensions: Environment, Version (a metric per release, about
   * four a year, each published once).
   */
  release: { name: 'Release', unit: 'Count' },
  /**
   * The share of one LPS system's real launches FLP refused in the statistics window, in percent
   * (`lps:<system>` results). Dimensions: Environment, System (one metric per configured profile).
   */
  launchRejectedPercent: { name: 'LaunchRejectedPercent', unit: 'None' },
  /**
   * 1 when a run could not judge the real launches (statistics unavailable or malformed, or a
   * system missing from them), else 0: a warning for KiAP, never a page. Dimensions: Environment.
   */
  launchStatsUnknown: { name: 'LaunchStatsUnknown', unit: 'Count' },
  /**
   * One point per notification a channel was sent: 1 when it could not be delivered (after its
   * retries), 0 when it was. Dimensions: Environment, Channel (one metric per configured channel).
   */
  notificationFailed: { name: 'NotificationFailed', unit: 'Count' },
  /**
   * 1 per journey invocation that ran nothing because the previous run still held the run lease
   * (a run longer than the schedule's minute): never a failure, a sign the journey is slow or a
   * holder crashed. Published only then. Dimensions: Environment.
   */
  journeyRunSkipped: { name: 'JourneyRunSkipped', unit: 'Count' },
} as const satisfies Record<string, { name: string; unit: MetricUnit }>;

export type MetricName = (typeof METRICS)[keyof typeof METRICS]['name'];

/**
 * The most distinct custom metrics (name + dimension values) a config can publish: what
 * CloudWatch bills per month. Success and DurationMillis per probe (the journey, each sync
 * source, each node, the load balancer, the release check), a step duration per journey step,
 * FailureCount per failure class (and per class for the journey alone), a lag per source, certificate days per HTTPS node, the
 * heartbeat and maintenance flag, and NotificationFailed per notification channel. Per LPS
 * profile (p): Success and DurationMillis of its certified launch (`launch:<system>`), Success of
 * its real launches (`lps:<system>`), FailureCount of `lps:<system>` for its three classes (lps,
 * application, and monitor when its key cannot be read) and LaunchRejectedPercent: 7 p; and
 * LaunchStatsUnknown once when p > 0. With the journey, JourneyRunSkipped once (published only
 * when a run finds the previous one still under way).
 */
export function customMetricCount(c: { journeyEnabled: boolean; steps: number; nodes: number; httpsNodes: number; sources: number; classes: number; channels?: number; profiles?: number }): number {
  const probes = (c.journeyEnabled ? 1 : 0) + c.sources + c.nodes + 2;
  // FailureCount per class, and per class again for the journey alone.
  const failures = c.classes * (c.journeyEnabled ? 2 : 1);
  const profiles = c.profiles ?? 0;
  const lps = profiles ? 7 * profiles + 1 : 0;
  return 2 * probes + (c.journeyEnabled ? c.steps + 1 : 0) + failures + c.sources + c.httpsNodes + 2 + (c.channels ?? 0) + lps;
}
