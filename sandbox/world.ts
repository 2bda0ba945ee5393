/**
 * The state every sandbox server shares: configuration, active faults, the plan "database"
 * and the request statistics. One instance per running sandbox.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FaultState } from './faults.ts';
import { LaunchStats } from './lps.ts';

/** Header the load balancer adds to proxied requests so a node does not count them twice. */
export const LB_MARK_HEADER = 'x-sandbox-lb';

export interface Plan {
  id: string;
  clinic: string;
  cpr: string;
  createdAt: string;
}

export interface SandboxStats {
  /** Client requests that reached the load balancer, a node directly, or the sync service. */
  requests: number;
  /** `METHOD path` of those requests that lacked `X-FLP-Synthetic: 1` (newest last, at most 1000). */
  nonSyntheticRequests: string[];
  livePlans: number;
  plansCreated: number;
  plansDeleted: number;
}

const MAX_RECORDED = 1000;

export class World {
  readonly version: string;
  readonly domain: string;
  readonly nodes: readonly string[];
  readonly sources: readonly string[];
  readonly faults: FaultState;
  /** Proves a request came from our own load balancer. */
  readonly lbToken = randomBytes(16).toString('hex');
  readonly plans = new Map<string, Plan>();
  #requests = 0;
  #nonSynthetic: string[] = [];
  #created = 0;
  #deleted = 0;
  /** Pending timers (the `slow` fault), cleared on close. */
  readonly timers = new Set<NodeJS.Timeout>();
  /** Real (non-synthetic) LPS launches per system, shared by every node (`GET /lps/launch-stats`). */
  readonly launches = new LaunchStats();
  /** The sandbox clock (ms since the epoch): signed launches' `ts` and the launch statistics go by it. */
  readonly now: () => number;

  constructor(init: { version: string; domain: string; nodes: readonly string[]; sources: readonly string[]; faults: FaultState; clock?: () => number }) {
    this.version = init.version;
    this.domain = init.domain;
    this.nodes = init.nodes;
    this.sources = init.sources;
    this.faults = init.faults;
    this.now = init.clock ?? Date.now;
  }

  /** Counts a client request, and remembers it when it is not marked synthetic. */
  record(req: IncomingMessage): void {
    this.#requests++;
    if (req.headers['x-flp-synthetic'] !== '1') {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      this.#nonSynthetic.push(`${req.method ?? 'GET'} ${path}`);
      if (this.#nonSynthetic.length > MAX_RECORDED) this.#nonSynthetic.splice(0, this.#nonSynthetic.length - MAX_RECORDED);
    }
  }

  createPlan(clinic: string, cpr: string, now: Date): Plan {
    const plan: Plan = { id: randomUUID(), clinic, cpr, createdAt: now.toISOString() };
    this.plans.set(plan.id, plan);
    this.#created++;
    return plan;
  }

  deletePlan(id: string): boolean {
    const deleted = this.plans.delete(id);
    if (deleted) this.#deleted++;
    return deleted;
  }

  stats(): SandboxStats {
    return {
      requests: this.#requests,
      nonSyntheticRequests: [...this.#nonSynthetic],
      livePlans: this.plans.size,
      plansCreated: this.#created,
      plansDeleted: this.#deleted,
    };
  }

  /** Waits `ms`, with a timer that close() can cancel (the promise then never settles). */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.timers.add(t);
    });
  }

  /** The version a node reports: the configured one, or the previous patch under `version-drift`. */
  versionOf(node: string): string {
    return this.faults.has('version-drift', { node }) ? previousVersion(this.version) : this.version;
  }
}

/** `2026.4.1` → `2026.4.0`; a version ending in 0 (or without a number) gets `-previous`. */
export function previousVersion(version: string): string {
  const m = /^(.*?)(\d+)$/.exec(version);
  if (m && Number(m[2]) > 0) return `${m[1]}${Number(m[2]) - 1}`;
  return `${version}-previous`;
}
