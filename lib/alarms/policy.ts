/**
 * The alarm policy as data. CDK renders these specs into CloudWatch alarms, composite alarms
 * and SNS actions; the local evaluator runs the very same specs over the local store, so the
 * sandbox raises the alarms a deployment would. Thresholds and periods come from the config;
 * nothing here is restated in cdk/.
 */
import { channelNames, type Config } from '../core/config.ts';
import { JOURNEY_STEPS } from '../core/contract.ts';
import { journeyRecheckSeconds } from '../core/recheck.ts';
import { AlarmSpecBuilder, alarmPeriods, LAUNCH_STATS_ALARM_ID, LAUNCH_STATS_COMPOSITE_ID, MAINTENANCE_ALARM_ID, type AlarmSpec, type CompositeSpec } from './spec-builder.ts';

export { LAUNCH_STATS_ALARM_ID, LAUNCH_STATS_COMPOSITE_ID, lpsAlarmId, vendorCompositeId, vendorSlug } from './spec-builder.ts';

export type { AlarmSpec, Comparison, CompositeSpec, MissingData, Severity, Statistic } from './spec-builder.ts';

export interface AlarmPolicy {
  namespace: string;
  environment: string;
  alarms: AlarmSpec[];
  composites: CompositeSpec[];
  /** The alarm that is in ALARM while a planned maintenance window is open. */
  maintenanceAlarmId: string;
}

export interface PolicyOptions {
  /**
   * The shortest period allowed. CloudWatch takes standard-resolution alarms in multiples of
   * 60 s, so the CDK stack asks for 60; the local evaluator over the sandbox's fast schedule
   * takes the schedule as it is (1).
   */
  minPeriodSeconds?: number;
}

/** Where a failure's evidence is, for every alarm description. */
export function evidenceHint(config: Config): string {
  return (
    `Evidence: the probe results in CloudWatch Logs (query: fields @timestamp, probe, class, summary | filter environment = "${config.environment}" and ok = 0 | sort @timestamp desc), ` +
    `journey screenshots and traces under s3://<artifacts bucket>/${config.environment}/<time>-journey/ (open trace.zip with npx playwright show-trace).`
  );
}

export function alarmPolicy(config: Config, options: PolicyOptions = {}): AlarmPolicy {
  const { owners } = config;
  const b = new AlarmSpecBuilder({ environment: config.environment, owners, datapointsToAlarm: config.alarms.datapointsToAlarm });
  const p = alarmPeriods(config.schedule, options.minPeriodSeconds ?? 60);
  const journeyPaced = journeyFailurePeriod(config, options.minPeriodSeconds ?? 60);
  const stepLatencyMs = config.alarms.stepLatencyMs ?? Math.round(config.timeouts.stepMs / 2);
  const httpsNodes = config.target.nodes.filter((node) => node.url.startsWith('https:'));
  const profiles = config.lps.profiles;
  const vendors = [...new Set(profiles.map((pr) => pr.vendor))];
  // The LPS checks run in the nodes group: FLP refusing a certified launch (application) is judged at that pace too.
  const appAtNodesPace = profiles.length > 0 && p.nodes < journeyPaced;

  const alarms: AlarmSpec[] = [
    b.classFailures({
      class: 'infrastructure',
      periodSeconds: p.probes,
      title: 'FLP hosting failing',
      runbook: 'Check first: the load balancer and each node directly (/health), the database, DNS and TLS. The failing probe and its socket, TLS or status evidence are in the summary.',
    }),
    b.classFailures({
      class: 'sync',
      periodSeconds: p.sync,
      title: 'FLP data sync failing',
      runbook: 'Check first: the failing source\'s status endpoint (state, lastSuccessfulSync, error) and the sync job behind it.',
    }),
    b.classFailures({
      class: 'application',
      periodSeconds: journeyPaced,
      title: 'FLP application failing',
      runbook: 'Check first: the failed journey step and its screenshot and trace; hosting and sync are healthy when this pages (their alarms suppress it).',
    }),
    // Only when the journey is slower than the HTTP probes does it need its own pace (see journeyFailures).
    ...(config.journey.enabled && journeyPaced > p.fastest ? (['infrastructure', 'sync', 'monitor'] as const).map((cls) => b.journeyFailures(cls, journeyPaced)) : []),
    ...(appAtNodesPace
      ? [
          b.nodesFailures(
            'application',
            p.nodes,
            'Check first: the failing launch:<system> probe (FLP refuses that vendor\'s certified launch: its status and reason against the profile in lps.profiles), or lps:<system> (every system\'s real launches refused). FLP changed: KiAP\'s to fix.',
          ),
        ]
      : []),
    b.releaseDrift(p.nodes),
    b.classFailures({
      class: 'monitor',
      periodSeconds: p.probes,
      title: 'flp-monitor itself failing',
      runbook: 'Check first: the probe function logs (browser start, config, metric publishing). FLP may be fine; the monitor cannot tell.',
    }),
    b.heartbeat(p.slowest),
    ...JOURNEY_STEPS.map((step) => b.stepLatency(step, p.journey, stepLatencyMs)),
    ...config.sync.map((source) => b.syncLag(source, p.sync)),
    ...httpsNodes.map((node) => b.certExpiry(node, p.nodes, config.alarms.certWarningDays)),
    ...channelNames(config.notify.channels).map((name) => b.channelFailures(name, p.fastest)),
    // Per LPS system, owned by its vendor: its real launches refused while FLP accepts its certified launch.
    ...profiles.map((profile) => b.lpsFailures(profile, p.nodes)),
    ...(profiles.length ? [b.launchStatsUnknown(p.nodes)] : []),
    b.maintenanceWindow(p.fastest),
  ];

  const hosting = 'infrastructure-failures';
  // FLP-wide application failures: what the application composite pages on.
  const applicationPage = alarms.filter((a) => a.class === 'application' && a.severity === 'page').map((a) => a.id);
  const slowSteps = alarms.filter((a) => a.class === 'application' && a.severity === 'warning' && a.id !== LAUNCH_STATS_ALARM_ID).map((a) => a.id);
  const composites: CompositeSpec[] = [
    b.composite(alarms, { class: 'infrastructure', severity: 'page', title: 'FLP hosting failing', runbook: 'The hosting is broken; the application and sync alarms it causes are suppressed.' }),
    b.composite(alarms, { class: 'release', severity: 'page', title: 'FLP release installed unevenly', suppressedBy: [hosting], runbook: 'Nodes disagree about their version.' }),
    b.composite(alarms, { class: 'sync', severity: 'page', title: 'FLP data sync failing', suppressedBy: [hosting], runbook: 'A sync source failed or fell behind while the hosting is healthy.' }),
    b.composite(alarms, { class: 'application', severity: 'page', title: 'FLP application failing', suppressedBy: [hosting], runbook: 'The application fails while hosting and sync are healthy.' }),
    b.composite(alarms, { class: 'monitor', severity: 'page', title: 'flp-monitor failing', runbook: 'The monitor cannot tell whether FLP works.' }),
    b.composite(alarms, { class: 'application', severity: 'warning', title: 'FLP journey slow', suppressedBy: [hosting], runbook: 'A journey step is slower than its threshold.', members: slowSteps }),
    // One page per LPS vendor, the vendor's and KiAP's: never while FLP itself (hosting, the application) is failing.
    ...vendors.map((vendor) =>
      b.vendorComposite(alarms, vendor, {
        suppressedBy: [hosting, ...applicationPage],
        alsoNotify: [owners.application],
        runbook:
          `${vendor}'s LPS stopped launching FLP as certified: its clinics' launches are refused while FLP accepts the monitor's launch with ${vendor}'s certified profile. ` +
          `Compare the last refusal reason with that profile and contact ${vendor}; ${owners.application} is told too and coordinates with the vendor.`,
      }),
    ),
    ...(profiles.length
      ? [
          b.composite(alarms, {
            id: LAUNCH_STATS_COMPOSITE_ID,
            class: 'application',
            severity: 'warning',
            title: 'FLP launch statistics unknown',
            suppressedBy: [hosting],
            members: [LAUNCH_STATS_ALARM_ID],
            runbook: 'The vendors\' real launches cannot be judged: FLP\'s launch statistics are unavailable or malformed. Never a page, never an LPS vendor\'s.',
          }),
        ]
      : []),
    ...(httpsNodes.length
      ? [b.composite(alarms, { class: 'infrastructure', severity: 'warning', title: 'FLP certificate expiring', runbook: 'Renew the certificate named in the alarm.' })]
      : []),
  ];
  return { namespace: config.aws.namespace, environment: config.environment, alarms, composites, maintenanceAlarmId: MAINTENANCE_ALARM_ID };
}

/**
 * The period of the alarms on what only the journey sees (`application-failures`, and
 * `<class>-failures-journey`): a failing journey is re-checked every
 * `schedule.journeyRecheckSeconds` (lib/core/recheck.ts), so its failures fill consecutive
 * periods of that length, and `datapointsToAlarm` of them page within minutes while one
 * retry-confirmed failure the re-check clears pages nobody. Without a re-check (it would come
 * no sooner), the journey's own interval. Step latency keeps the journey's own interval: a
 * healthy journey is not re-checked.
 */
export function journeyFailurePeriod(config: Pick<Config, 'schedule' | 'journey'>, minPeriodSeconds = 60): number {
  const recheck = journeyRecheckSeconds(config);
  return alarmPeriods({ ...config.schedule, journeySeconds: recheck ?? config.schedule.journeySeconds }, minPeriodSeconds).journey;
}

/**
 * What a page of `composite` tells on-call to check first: the composite's own line, then the
 * runbook of each member alarm that fired (or, when none is named, of its first member), said once.
 */
export function pageRunbook(policy: AlarmPolicy, composite: CompositeSpec, firing: readonly string[] = []): string {
  const members = (firing.length ? firing : composite.alarms.slice(0, 1)).map((id) => policy.alarms.find((a) => a.id === id)?.runbook).filter((r): r is string => !!r);
  return [composite.runbook, ...new Set(members)].join(' ');
}
