/**
 * The faults the sandbox can inject: their names, the parameters each takes, and the set
 * currently active. Several faults may be active at once; setting a fault again with the same
 * target replaces it (e.g. `slow` with a new `ms`).
 */
import { SANDBOX_LPS_SYSTEM_NAMES } from './lps.ts';

/** Every fault the sandbox knows, in the order the contract's fault matrix lists them. */
export const FAULT_NAMES = [
  'node-down',
  'lb-502',
  'lb-503',
  'lb-504',
  'lb-hang',
  'db-down',
  'tls-expired',
  'tls-untrusted',
  'dns',
  'api-500',
  'missing-section',
  'js-error',
  'create-fails',
  'print-not-pdf',
  'sync-failed',
  'sync-stale',
  'sync-malformed',
  'sync-error',
  'page-stale',
  'version-drift',
  'node-broken',
  'transient',
  'slow',
  'vendor-rejects',
  'vendor-changed',
  'all-launches-rejected',
  'launch-stats-broken',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

/** What a fault applies to: a node (`node-down`, `version-drift`, `node-broken`, `dns`), a sync source (`sync-*`, `page-stale`), a delay (`slow`), an LPS system (`vendor-rejects`, `vendor-changed`). */
export type FaultParams = { node?: string; source?: string; ms?: number; system?: string };

/** A fault in force, with its defaults filled in. */
export interface ActiveFault {
  name: FaultName;
  node?: string;
  source?: string;
  ms?: number;
  system?: string;
  /** When it was set (ISO 8601). */
  since: string;
}

/** What each fault does, one line each; the admin server lists these. */
export const FAULT_DESCRIPTIONS: Record<FaultName, string> = {
  'node-down': 'a node refuses connections (node, default flp-2); the load balancer routes around it',
  'lb-502': 'the load balancer answers 502 Bad Gateway (nginx page) while nodes are healthy',
  'lb-503': 'the load balancer answers 503 Service Temporarily Unavailable (nginx page)',
  'lb-504': 'the load balancer answers 504 Gateway Time-out (nginx page)',
  'lb-hang': 'the load balancer accepts connections and never answers',
  'db-down': 'every node reports its database down: /health 503 degraded, API 503',
  'tls-expired': 'nodes serve a certificate that has expired',
  'tls-untrusted': 'nodes serve a self-signed certificate',
  dns: 'the DNS server answers NXDOMAIN for every name (or only for node)',
  'api-500': 'the overview API answers 500',
  'missing-section': 'the page renders without the diagnoses section',
  'js-error': 'the page script throws an uncaught error after rendering',
  'create-fails': 'POST /api/plans answers 500',
  'print-not-pdf': 'the plan PDF endpoint answers 200 text/html',
  'sync-failed': 'a sync source reports state failed (source, default lab)',
  'sync-stale': 'a sync source last succeeded 10 h ago (source, default lab)',
  'sync-malformed': 'a sync status endpoint answers 200 with malformed JSON (source, default lab)',
  'sync-error': 'a sync status endpoint answers 500 (source, default lab)',
  'page-stale': 'the page shows a source 10 h old while its sync status is healthy (source, default lab)',
  'version-drift': 'a node reports the previous version (node, default flp-3)',
  'node-broken': 'a node serves a broken install: the right version and a healthy /health, but its overview API answers 500 (node, default flp-2)',
  transient: 'every server resets its next connection once, then behaves',
  slow: 'the overview API waits ms (default 2000) before answering',
  'vendor-rejects': "FLP refuses one LPS system's certified launch: every launch of it, synthetic and real, answers 400 unknown-system (system, default medsign)",
  'vendor-changed': "one vendor's LPS changed after certification: its real launches send patient= for cpr= (400 unknown-parameter) or sign cpr|clinic|system|ts (401 bad-signature); its certified launch still passes (system, default medsign)",
  'all-launches-rejected': 'every real (non-synthetic) launch of every system answers 400 unknown-parameter; synthetic launches still pass',
  'launch-stats-broken': '/lps/launch-stats answers 500 while launches keep working',
};

const NODE_FAULTS: ReadonlySet<FaultName> = new Set(['node-down', 'version-drift', 'node-broken', 'dns']);
const SOURCE_FAULTS: ReadonlySet<FaultName> = new Set(['sync-failed', 'sync-stale', 'sync-malformed', 'sync-error', 'page-stale']);
/** The faults that take `system`. */
export const SYSTEM_FAULTS: ReadonlySet<FaultName> = new Set(['vendor-rejects', 'vendor-changed']);
/** The system a system fault concerns when none is named. */
export const DEFAULT_FAULT_SYSTEM = 'medsign';

export function isFaultName(name: unknown): name is FaultName {
  return typeof name === 'string' && (FAULT_NAMES as readonly string[]).includes(name);
}

/** A fault request the sandbox cannot honour; the message says why and what is valid. */
export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultError';
  }
}

/** The sandbox's shape that fault parameters are checked against. */
export interface FaultTargets {
  nodes: readonly string[];
  sources: readonly string[];
  /** The LPS systems (default: the sandbox's, SANDBOX_LPS_SYSTEMS). */
  systems?: readonly string[];
}

function preferred(list: readonly string[], wanted: string, fallbackIndex: number): string | undefined {
  return list.includes(wanted) ? wanted : (list[Math.min(fallbackIndex, list.length - 1)] ?? undefined);
}

/** Checks a fault request and fills in its defaults. Throws FaultError with a clear sentence. */
export function resolveFault(name: unknown, params: FaultParams, targets: FaultTargets, now = new Date()): ActiveFault {
  if (!isFaultName(name)) {
    throw new FaultError(`unknown fault ${JSON.stringify(name)}; valid faults are: ${FAULT_NAMES.join(', ')}`);
  }
  const fault: ActiveFault = { name, since: now.toISOString() };
  if (NODE_FAULTS.has(name)) {
    const fallback = name === 'node-down' || name === 'node-broken' ? preferred(targets.nodes, 'flp-2', 1) : name === 'version-drift' ? preferred(targets.nodes, 'flp-3', 2) : undefined;
    const node = params.node ?? fallback;
    if (node !== undefined && !targets.nodes.includes(node)) {
      throw new FaultError(`fault ${name}: unknown node ${JSON.stringify(node)}; nodes are: ${targets.nodes.join(', ')}`);
    }
    if (node !== undefined) fault.node = node;
  } else if (params.node !== undefined) {
    throw new FaultError(`fault ${name} takes no node (only ${[...NODE_FAULTS].join(', ')} do)`);
  }
  if (SOURCE_FAULTS.has(name)) {
    const source = params.source ?? preferred(targets.sources, 'lab', 0);
    if (source === undefined || !targets.sources.includes(source)) {
      throw new FaultError(`fault ${name}: unknown source ${JSON.stringify(source)}; sources are: ${targets.sources.join(', ')}`);
    }
    fault.source = source;
  } else if (params.source !== undefined) {
    throw new FaultError(`fault ${name} takes no source (only ${[...SOURCE_FAULTS].join(', ')} do)`);
  }
  if (name === 'slow') {
    const ms = params.ms ?? 2000;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 600_000) {
      throw new FaultError(`fault slow: ms must be a number of milliseconds between 0 and 600000, got ${JSON.stringify(params.ms)}`);
    }
    fault.ms = ms;
  } else if (params.ms !== undefined) {
    throw new FaultError(`fault ${name} takes no ms (only slow does)`);
  }
  if (SYSTEM_FAULTS.has(name)) {
    const systems = targets.systems ?? SANDBOX_LPS_SYSTEM_NAMES;
    const system = params.system ?? DEFAULT_FAULT_SYSTEM;
    if (!systems.includes(system)) {
      throw new FaultError(`fault ${name}: unknown system ${JSON.stringify(system)}; systems are: ${systems.join(', ')}`);
    }
    fault.system = system;
  } else if (params.system !== undefined) {
    throw new FaultError(`fault ${name} takes no system (only ${[...SYSTEM_FAULTS].join(', ')} do)`);
  }
  return fault;
}

function keyOf(f: Pick<ActiveFault, 'name' | 'node' | 'source' | 'system'>): string {
  return `${f.name}|${f.node ?? ''}|${f.source ?? ''}|${f.system ?? ''}`;
}

/** What a lookup asks about: a fault with a target matches only that target. */
export type FaultTarget = { node?: string; source?: string; system?: string };

/** The faults in force. Listeners hear every change (the servers react to some at once). */
export class FaultState {
  readonly #faults = new Map<string, ActiveFault>();
  readonly #listeners = new Set<() => void>();
  readonly #targets: FaultTargets;

  constructor(targets: FaultTargets) {
    this.#targets = targets;
  }

  /** Sets a fault (replacing one with the same name and target). Throws FaultError. */
  set(name: unknown, params: FaultParams = {}): ActiveFault {
    const fault = resolveFault(name, params, this.#targets);
    this.#faults.set(keyOf(fault), fault);
    this.#changed();
    return fault;
  }

  /** Removes every fault with this name. */
  remove(name: FaultName): void {
    let removed = false;
    for (const [key, f] of this.#faults) if (f.name === name) removed = this.#faults.delete(key) || removed;
    if (removed) this.#changed();
  }

  clear(): void {
    if (this.#faults.size === 0) return;
    this.#faults.clear();
    this.#changed();
  }

  list(): ActiveFault[] {
    return [...this.#faults.values()].map((f) => ({ ...f }));
  }

  /** The first active fault with this name whose target matches (a fault without a target matches all). */
  find(name: FaultName, target: FaultTarget = {}): ActiveFault | undefined {
    for (const f of this.#faults.values()) {
      if (f.name !== name) continue;
      if (target.node !== undefined && f.node !== undefined && f.node !== target.node) continue;
      if (target.source !== undefined && f.source !== undefined && f.source !== target.source) continue;
      if (target.system !== undefined && f.system !== undefined && f.system !== target.system) continue;
      return f;
    }
    return undefined;
  }

  has(name: FaultName, target: FaultTarget = {}): boolean {
    return this.find(name, target) !== undefined;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
