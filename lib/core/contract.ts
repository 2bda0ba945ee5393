/**
 * What the reference contract fixes about the probes, stated once: the probe groups and their
 * schedules, the probe ids, the journey's step names. The alarm policy, the reports, the cost
 * model, the CDK stack and the probes all import these names from here; none of them needs to
 * import `probes/` to learn them.
 */
import type { Config } from './config.ts';
import type { ProbeKind } from './result.ts';

/** The probe groups, each on its own schedule (one Lambda function each when deployed). */
export const PROBE_GROUPS = ['journey', 'sync', 'nodes'] as const;
export type ProbeGroup = (typeof PROBE_GROUPS)[number];

/** The journey's steps, in order, named as the contract names them. */
export const JOURNEY_STEPS = ['launch', 'overview', 'create-plan', 'print', 'cleanup'] as const;
export type JourneyStep = (typeof JOURNEY_STEPS)[number];

/** Probe ids: the stable identity of a probe in metrics, records, tables and reports. */
export const PROBE_IDS = {
  journey: 'journey',
  loadBalancer: 'lb',
  release: 'release',
  node: (name: string) => `node:${name}`,
  sync: (source: string) => `sync:${source}`,
  /** The journey against one node directly (release verification, `canary --nodes`). */
  nodeJourney: (name: string) => `journey:${name}`,
  /** One LPS profile's certified launch, without a browser. */
  launch: (system: string) => `launch:${system}`,
  /** One LPS system's real launches, judged from the target's launch statistics. */
  lps: (system: string) => `lps:${system}`,
} as const;

/** The order results are listed in (tables, the canary, the verdict's details). */
export const KIND_ORDER: readonly ProbeKind[] = ['journey', 'node', 'release', 'sync', 'launch', 'lps'];

/** The groups this config runs: the journey can be switched off. */
export function enabledGroups(config: Pick<Config, 'journey'>): ProbeGroup[] {
  return PROBE_GROUPS.filter((g) => g !== 'journey' || config.journey.enabled);
}

/** The configured interval of a group, in seconds (`schedule.journeySeconds`, `syncSeconds`, `nodesSeconds`). */
export function intervalSeconds(config: Pick<Config, 'schedule'>, group: ProbeGroup): number {
  const s = config.schedule;
  switch (group) {
    case 'journey':
      return s.journeySeconds;
    case 'sync':
      return s.syncSeconds;
    case 'nodes':
      return s.nodesSeconds;
  }
}

/**
 * The group a probe id belongs to: `journey`; `sync:<source>`; `lb`, `node:<name>`, `release`
 * and the LPS checks (`launch:<system>`, `lps:<system>`: plain HTTP, like the servers') are the
 * nodes group.
 */
export function groupOfProbe(probe: string): ProbeGroup | null {
  if (probe === PROBE_IDS.journey) return 'journey';
  if (probe.startsWith('sync:')) return 'sync';
  if (probe === PROBE_IDS.loadBalancer || probe === PROBE_IDS.release || /^(node|launch|lps):/.test(probe)) return 'nodes';
  return null;
}

/** Every alarm of the stack is named `flp-<environment>-<id>`: the stack names them, the notifier and the SLA report read them back. */
export function alarmNamePrefix(environment: string): string {
  return `flp-${environment}-`;
}
