/**
 * The services an SLA report states availability for, and which probe measures each: the
 * journey (FLP as a whole), the load balancer, each node, each sync source. The report, its
 * cells and its incidents all key on these ids, so they are named once here.
 */
import type { Config } from '../../core/config.ts';
import { intervalSeconds, PROBE_IDS, type ProbeGroup } from '../../core/contract.ts';

export type ServiceKind = 'journey' | 'lb' | 'node' | 'sync';

/** A service whose availability the report states: the probe that measures it and its interval. */
export interface SlaService {
  /** The probe's identity: `journey`, `lb`, `node:flp-1`, `sync:lab`. */
  id: string;
  label: string;
  kind: ServiceKind;
  intervalSeconds: number;
}

/** The services of a config, in report order: the journey, the load balancer, each node, each sync source. */
export function slaServices(config: Config): SlaService[] {
  const every = (group: ProbeGroup) => intervalSeconds(config, group);
  return [
    ...(config.journey.enabled ? [{ id: PROBE_IDS.journey, label: 'FLP journey (FLP as a whole)', kind: 'journey' as const, intervalSeconds: every('journey') }] : []),
    { id: PROBE_IDS.loadBalancer, label: 'load balancer', kind: 'lb' as const, intervalSeconds: every('nodes') },
    ...config.target.nodes.map((n) => ({ id: PROBE_IDS.node(n.name), label: `node ${n.name}`, kind: 'node' as const, intervalSeconds: every('nodes') })),
    ...config.sync.map((x) => ({ id: PROBE_IDS.sync(x.source), label: `sync ${x.source}`, kind: 'sync' as const, intervalSeconds: every('sync') })),
  ];
}
