/**
 * The services an SLA report states availability for, and which probe measures each: the
 * journey (FLP as a whole), the load balancer, each node, each sync source, and per LPS profile
 * (contract v2) its certified launch (`launch:<system>`) and its clinics' real launches
 * (`lps:<system>`). The report, its cells and its incidents all key on these ids, so they are
 * named once here.
 */
import type { Config, LaunchStyle } from '../../core/config.ts';
import { intervalSeconds, PROBE_IDS, type ProbeGroup } from '../../core/contract.ts';

export type ServiceKind = 'journey' | 'lb' | 'node' | 'sync' | 'launch' | 'lps';

/** A service whose availability the report states: the probe that measures it and its interval. */
export interface SlaService {
  /** The probe's identity: `journey`, `lb`, `node:flp-1`, `sync:lab`, `launch:medsign`, `lps:medsign`. */
  id: string;
  label: string;
  kind: ServiceKind;
  intervalSeconds: number;
  /** `launch` and `lps` services: the LPS profile they check (its system, vendor and launch style). */
  profile?: { system: string; vendor: string; style: LaunchStyle };
}

/** The services of a config, in report order: the journey, the load balancer, each node, each sync source, each LPS profile's launch and real launches. */
export function slaServices(config: Config): SlaService[] {
  const every = (group: ProbeGroup) => intervalSeconds(config, group);
  return [
    ...(config.journey.enabled ? [{ id: PROBE_IDS.journey, label: 'FLP journey (FLP as a whole)', kind: 'journey' as const, intervalSeconds: every('journey') }] : []),
    { id: PROBE_IDS.loadBalancer, label: 'load balancer', kind: 'lb' as const, intervalSeconds: every('nodes') },
    ...config.target.nodes.map((n) => ({ id: PROBE_IDS.node(n.name), label: `node ${n.name}`, kind: 'node' as const, intervalSeconds: every('nodes') })),
    ...config.sync.map((x) => ({ id: PROBE_IDS.sync(x.source), label: `sync ${x.source}`, kind: 'sync' as const, intervalSeconds: every('sync') })),
    // The LPS checks run in the nodes group (lib/core/contract.ts groupOfProbe).
    ...(config.lps?.profiles ?? []).flatMap(({ system, vendor, style }) => [
      { id: PROBE_IDS.launch(system), label: `certified launch ${system} (${vendor})`, kind: 'launch' as const, intervalSeconds: every('nodes'), profile: { system, vendor, style } },
      { id: PROBE_IDS.lps(system), label: `real launches ${system} (${vendor})`, kind: 'lps' as const, intervalSeconds: every('nodes'), profile: { system, vendor, style } },
    ]),
  ];
}
