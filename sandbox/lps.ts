/**
 * Contract v2's LPS launch, vendor by vendor: the systems the sandbox knows (each with its
 * certified launch style), the one rule that judges a launch (`judgeLaunch`, called by the
 * HTTP handler and by the simulated traffic alike), the launch statistics of real clinics'
 * launches, and the simulated real launch traffic each vendor's LPS sends.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How a vendor's LPS launches FLP (contract v2, "Launch profiles"). */
export type LaunchStyle = 'query' | 'form' | 'signed';

export interface SandboxLpsSystem {
  /** The `system` value the LPS sends. */
  system: string;
  vendor: string;
  style: LaunchStyle;
  /** The vendor's shared HMAC key (`signed` only). */
  key?: string;
  /** How many real clinics' launches the simulated traffic makes per second. */
  realLaunchesPerSecond: number;
}

/** The LPS systems the sandbox knows. `test-journal` is the monitor's own: no real clinic uses it. */
export const SANDBOX_LPS_SYSTEMS: readonly SandboxLpsSystem[] = Object.freeze([
  { system: 'test-journal', vendor: 'KiAP', style: 'query', realLaunchesPerSecond: 0 },
  { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query', realLaunchesPerSecond: 2 },
  { system: 'klinikplus', vendor: 'Klinik+ A/S', style: 'form', realLaunchesPerSecond: 2 },
  { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', key: 'sandbox-medsign-3f9a1c', realLaunchesPerSecond: 2 },
  { system: 'praksisnet', vendor: 'PraksisNet', style: 'signed', key: 'sandbox-praksisnet-7d20be', realLaunchesPerSecond: 1 },
].map((s) => Object.freeze(s)) as SandboxLpsSystem[]);

export const SANDBOX_LPS_SYSTEM_NAMES: readonly string[] = Object.freeze(SANDBOX_LPS_SYSTEMS.map((s) => s.system));

export function lpsSystem(system: string): SandboxLpsSystem | undefined {
  return SANDBOX_LPS_SYSTEMS.find((s) => s.system === system);
}

/** A signed launch's `ts` may be at most this many seconds away from the sandbox clock. */
export const LAUNCH_TS_WINDOW_S = 300;

export type LaunchRefusalReason = 'missing-parameter' | 'unknown-parameter' | 'unknown-system' | 'bad-signature' | 'expired';

export type LaunchJudgement = { ok: true; location: string } | { ok: false; status: 400 | 401; reason: LaunchRefusalReason; error: string };

/** The faults the launch consults (named here, not imported: faults.ts imports this module). */
export type LaunchFaultName = 'vendor-rejects' | 'vendor-changed' | 'all-launches-rejected';

/** The faults judgeLaunch and the simulated traffic consult (a FaultState will do). */
export interface LaunchFaults {
  has(name: LaunchFaultName, target?: { system?: string }): boolean;
}

/** Lowercase hex HMAC-SHA256 of `parts` joined by `|` (the certified order is clinic, cpr, system, ts). */
export function hmacHex(key: string, parts: readonly string[]): string {
  return createHmac('sha256', key).update(parts.join('|')).digest('hex');
}

/** The `sig` of a signed launch as certified: HMAC-SHA256 of `clinic|cpr|system|ts`. */
export function signLaunch(key: string, fields: { clinic: string; cpr: string; system: string; ts: string | number }): string {
  return hmacHex(key, [fields.clinic, fields.cpr, fields.system, String(fields.ts)]);
}

const NAMED_PARAMETERS = new Set(['clinic', 'cpr', 'system', 'ts', 'sig']);
const CLINIC = /^\d+$/;
const CPR = /^\d{10}$/;
const TS = /^\d{1,12}$/;
const SIG = /^[0-9a-f]{64}$/;

function refuse(status: 400 | 401, reason: LaunchRefusalReason, error: string): LaunchJudgement {
  return { ok: false, status, reason, error };
}

/**
 * Judges one launch: `fields` are the query parameters (GET) or the form fields (POST).
 * `synthetic` is true for the monitor's requests (`X-FLP-Synthetic: 1`); only the
 * `all-launches-rejected` fault tells them apart. `now` is the sandbox clock (ms or Date).
 */
export function judgeLaunch(fields: Readonly<Record<string, string>>, method: string, faults: LaunchFaults, now: number | Date, synthetic: boolean): LaunchJudgement {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const unknown = Object.keys(fields).filter((k) => !NAMED_PARAMETERS.has(k));
  if (unknown.length) return refuse(400, 'unknown-parameter', `bad launch: unknown parameter ${unknown.map((k) => JSON.stringify(k)).join(', ')}; a launch takes clinic, cpr, system (and ts, sig when signed)`);
  const { clinic = '', cpr = '', system = '' } = fields;
  if (!system.trim()) return refuse(400, 'missing-parameter', 'bad launch: system must name the LPS system');
  const known = lpsSystem(system);
  if (!known) return refuse(400, 'unknown-system', `bad launch: unknown LPS system ${JSON.stringify(system)}; known systems are: ${SANDBOX_LPS_SYSTEM_NAMES.join(', ')}`);
  if (faults.has('vendor-rejects', { system })) return refuse(400, 'unknown-system', `bad launch: unknown LPS system ${JSON.stringify(system)}`);
  if (!synthetic && faults.has('all-launches-rejected')) return refuse(400, 'unknown-parameter', `bad launch: unknown parameter in ${method} /lps/launch`);
  const problems: string[] = [];
  if (!CLINIC.test(clinic)) problems.push('clinic must be digits');
  if (!CPR.test(cpr)) problems.push('cpr must be 10 digits');
  if (problems.length) return refuse(400, 'missing-parameter', `bad launch: ${problems.join('; ')}`);
  if (known.style === 'signed') {
    const { ts, sig } = fields;
    if (ts === undefined || sig === undefined) return refuse(400, 'missing-parameter', `bad launch: ${system} launches are signed; ts and sig are required`);
    if (!TS.test(ts)) return refuse(400, 'missing-parameter', 'bad launch: ts must be unix seconds');
    const expected = Buffer.from(signLaunch(known.key ?? '', { clinic, cpr, system, ts }), 'hex');
    if (!SIG.test(sig) || !timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return refuse(401, 'bad-signature', `launch refused: the signature does not match ${system}'s key`);
    const skew = Math.abs(nowMs / 1000 - Number(ts));
    if (skew > LAUNCH_TS_WINDOW_S) return refuse(401, 'expired', `launch refused: ts is ${Math.round(skew)} s away from the server clock (at most ${LAUNCH_TS_WINDOW_S} s)`);
  }
  return { ok: true, location: `/app/patient/${cpr}?clinic=${encodeURIComponent(clinic)}` };
}

/** One system's line of `GET /lps/launch-stats`. */
export interface SystemLaunchStats {
  system: string;
  launches: number;
  rejected: number;
  lastRejected: { at: string; status: number; reason: string } | null;
}

export interface LaunchStatsReport {
  windowMinutes: number;
  systems: SystemLaunchStats[];
}

/** Seconds of history kept (60 min); older seconds are overwritten. */
const HISTORY_S = 3600;

interface Ring {
  second: Float64Array;
  launches: Uint32Array;
  rejected: Uint32Array;
  last: ({ atMs: number; status: number; reason: string } | null)[];
}

/**
 * Real (non-synthetic) launches per system in one-second buckets: a ring of 3600 seconds per
 * system, so memory stays bounded and anything older than 60 minutes drops out.
 */
export class LaunchStats {
  readonly #rings = new Map<string, Ring>();

  constructor(systems: readonly string[] = SANDBOX_LPS_SYSTEM_NAMES) {
    for (const s of systems) {
      this.#rings.set(s, { second: new Float64Array(HISTORY_S).fill(-1), launches: new Uint32Array(HISTORY_S), rejected: new Uint32Array(HISTORY_S), last: new Array(HISTORY_S).fill(null) });
    }
  }

  /** Counts one real launch of `system` at `atMs`; a system the sandbox does not know is not counted. */
  record(system: string, atMs: number, outcome: LaunchJudgement): void {
    const ring = this.#rings.get(system);
    if (!ring) return;
    const second = Math.floor(atMs / 1000);
    const i = ((second % HISTORY_S) + HISTORY_S) % HISTORY_S;
    if (ring.second[i] !== second) {
      ring.second[i] = second;
      ring.launches[i] = 0;
      ring.rejected[i] = 0;
      ring.last[i] = null;
    }
    ring.launches[i] = (ring.launches[i] ?? 0) + 1;
    if (!outcome.ok) {
      ring.rejected[i] = (ring.rejected[i] ?? 0) + 1;
      const previous = ring.last[i];
      if (!previous || previous.atMs <= atMs) ring.last[i] = { atMs, status: outcome.status, reason: outcome.reason };
    }
  }

  /** The last `minutes` minutes up to `nowMs` (the current second included). */
  report(minutes: number, nowMs: number): LaunchStatsReport {
    const nowSecond = Math.floor(nowMs / 1000);
    const from = nowSecond - minutes * 60;
    const systems: SystemLaunchStats[] = [];
    for (const [system, ring] of this.#rings) {
      let launches = 0;
      let rejected = 0;
      let last: { atMs: number; status: number; reason: string } | null = null;
      for (let i = 0; i < HISTORY_S; i++) {
        const s = ring.second[i] ?? -1;
        if (s <= from || s > nowSecond) continue;
        launches += ring.launches[i] ?? 0;
        rejected += ring.rejected[i] ?? 0;
        const l = ring.last[i];
        if (l && (!last || l.atMs > last.atMs)) last = l;
      }
      systems.push({ system, launches, rejected, lastRejected: last ? { at: new Date(last.atMs).toISOString(), status: last.status, reason: last.reason } : null });
    }
    return { windowMinutes: minutes, systems };
  }
}

/** Parses `?minutes=`: a whole number from 1 to 60, else undefined. */
export function parseStatsMinutes(value: string | null): number | undefined {
  if (value === null || !/^\d{1,2}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 60 ? n : undefined;
}

/** One launch as a vendor's LPS sends it. */
export interface SimulatedLaunch {
  system: string;
  method: 'GET' | 'POST';
  fields: Record<string, string>;
}

/** Every this-many launches of a vendor's is sent without `cpr`: the steady ~2 % of refusals a healthy FLP sees. */
export const BASELINE_REFUSAL_EVERY = 50;

const CLINICS = ['104233', '208871', '315540', '420016', '533902', '617784', '702251'];
const CPRS = ['0101701234', '1502651238', '2309801112', '0707590045', '1812880321', '3003451187'];

/**
 * The `n`th launch (0-based) of `lps`'s clinics at `nowMs`, sent the way that vendor sends it;
 * `changed`: the vendor's LPS changed after certification (`vendor-changed`).
 */
export function vendorLaunch(lps: SandboxLpsSystem, n: number, nowMs: number, changed: boolean): SimulatedLaunch {
  const clinic = CLINICS[n % CLINICS.length] ?? '104233';
  const cpr = CPRS[n % CPRS.length] ?? '0101701234';
  const withoutCpr = n % BASELINE_REFUSAL_EVERY === BASELINE_REFUSAL_EVERY - 1;
  const method = lps.style === 'form' ? 'POST' : 'GET';
  const fields: Record<string, string> = { clinic };
  if (!withoutCpr) {
    if (changed && lps.style !== 'signed') fields.patient = cpr;
    else fields.cpr = cpr;
  }
  fields.system = lps.system;
  if (lps.style === 'signed') {
    const ts = String(Math.floor(nowMs / 1000));
    const key = lps.key ?? '';
    fields.ts = ts;
    fields.sig = changed ? hmacHex(key, [cpr, clinic, lps.system, ts]) : signLaunch(key, { clinic, cpr, system: lps.system, ts });
  }
  return { system: lps.system, method, fields };
}

export interface LaunchTrafficOptions {
  faults: LaunchFaults;
  stats: LaunchStats;
  /** The sandbox clock (ms). Default Date.now. */
  clock?: () => number;
  systems?: readonly SandboxLpsSystem[];
}

/** Real clinics' launches, simulated: `tick()` makes one second's launches of every system. */
export class LaunchTraffic {
  readonly #faults: LaunchFaults;
  readonly #stats: LaunchStats;
  readonly #clock: () => number;
  readonly #systems: readonly SandboxLpsSystem[];
  readonly #sent = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LaunchTrafficOptions) {
    this.#faults = options.faults;
    this.#stats = options.stats;
    this.#clock = options.clock ?? Date.now;
    this.#systems = options.systems ?? SANDBOX_LPS_SYSTEMS;
  }

  /** One second's launches at `nowMs` (default: the clock), each judged as real and recorded. Returns what was sent and judged. */
  tick(nowMs: number = this.#clock()): { launch: SimulatedLaunch; judgement: LaunchJudgement }[] {
    const out: { launch: SimulatedLaunch; judgement: LaunchJudgement }[] = [];
    for (const lps of this.#systems) {
      const changed = this.#faults.has('vendor-changed', { system: lps.system });
      for (let k = 0; k < lps.realLaunchesPerSecond; k++) {
        const n = this.#sent.get(lps.system) ?? 0;
        this.#sent.set(lps.system, n + 1);
        const launch = vendorLaunch(lps, n, nowMs, changed);
        const judgement = judgeLaunch(launch.fields, launch.method, this.#faults, nowMs, false);
        this.#stats.record(lps.system, nowMs, judgement);
        out.push({ launch, judgement });
      }
    }
    return out;
  }

  /** Ticks every `intervalMs` (unref'd: it never keeps the process alive). */
  start(intervalMs = 1000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
