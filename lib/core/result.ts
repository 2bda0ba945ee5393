/**
 * What a probe found, as data. Probes never throw for a failure of the thing they probe: they
 * record evidence, and `lib/core/classify.ts` alone turns evidence into a failure class.
 */

/**
 * The failure classes of the contract (v2 adds `lps`: one vendor's clinic system stopped
 * launching FLP as certified), plus `monitor` for failures of flp-monitor itself.
 */
export const FAILURE_CLASSES = ['infrastructure', 'sync', 'application', 'release', 'lps', 'monitor'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/**
 * `launch`: one LPS profile's certified launch, without a browser (`launch:<system>`); `lps`: that
 * system's real clinics' launches, judged from the target's launch statistics (`lps:<system>`).
 */
export type ProbeKind = 'journey' | 'sync' | 'node' | 'release' | 'launch' | 'lps';
export type StepStatus = 'passed' | 'failed' | 'skipped';

/** Where in a request the time went, in milliseconds from the start of the request. */
export interface PhaseTimings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
  totalMs?: number;
}

/**
 * One observed fact that may explain a failure. Each variant carries a signal a real target
 * gives (socket codes, TLS codes, status codes and headers, page errors, timestamps), never a
 * text only our sandbox prints.
 */
export type Evidence =
  /** A socket-level or resolver failure: `code` is Node's (`ECONNREFUSED`, `ENOTFOUND`, …) or Chromium's (`net::ERR_…`). */
  | { type: 'network'; url: string; code: string; message: string }
  /** The TLS handshake or certificate check failed: `code` is Node's (`CERT_HAS_EXPIRED`, …) or Chromium's `net::ERR_CERT_…`. */
  | { type: 'tls'; url: string; code: string; message: string }
  /**
   * A request or step ran out of time. `phase: 'first-byte'` means no response byte arrived at
   * all (hosting); `'body'` a response started but did not finish; `'step'` a journey step was
   * too slow although the server answered.
   */
  | { type: 'timeout'; url?: string; phase: 'first-byte' | 'body' | 'step'; afterMs: number }
  /**
   * An unexpected HTTP status. `origin` tells who answered: `proxy` when the response carries
   * a gateway's signature (502/504, or a 503 that is not the application's JSON), `app` when it
   * is the application's own (JSON) answer.
   */
  | { type: 'http-status'; url: string; status: number; origin: 'proxy' | 'app' | 'unknown'; contentType?: string; server?: string }
  /** A health endpoint reports its database down. */
  | { type: 'database-down'; url: string; node?: string }
  /** A response arrived but its content is wrong (not JSON, not a PDF, wrong shape). */
  | { type: 'bad-response'; url: string; problem: string }
  /** An uncaught error in the page's JavaScript. */
  | { type: 'page-error'; message: string }
  /** A request the page made that failed or answered >= 400. */
  | { type: 'request-failed'; url: string; method: string; status?: number; failure?: string }
  /** An element the contract promises is not on the page. */
  | { type: 'missing-element'; selector: string; description: string }
  /** The page shows the application's error panel. */
  | { type: 'app-error-shown'; text: string }
  /** A sync source reports `state: failed`. */
  | { type: 'sync-failed'; source: string; lastSuccessfulSync?: string; error?: string | null }
  /** A sync source's last success is older than its limit. `where` tells whether the status endpoint or the page showed it. */
  | { type: 'sync-stale'; source: string; where: 'status' | 'page'; lastSuccessfulSync: string; lagSeconds: number; maxLagMinutes: number }
  /** A sync status endpoint answered, but not with the contract's shape. */
  | { type: 'sync-malformed'; source: string; url: string; problem: string }
  /** Nodes disagree about the version they run, or differ from the expected one. */
  | { type: 'version-drift'; versions: Record<string, string>; expected?: string }
  /**
   * FLP refused the monitor's own launch with a vendor's certified profile: `status` 400 or 401
   * with the contract's `reason` (`unknown-system`, `bad-signature`, …) when the answer had one.
   */
  | { type: 'launch-refused'; url: string; system: string; vendor: string; status: number; reason?: string; error?: string }
  /**
   * Real clinics' launches of one system refused beyond its threshold over the statistics window.
   * `scope` says whose it is: `system` (that vendor's LPS changed: `lps`), `profile-refused` (FLP
   * refuses the certified launch too: the application's), `every-system` (every system with
   * traffic is refused alike: FLP itself, the application's).
   */
  | {
      type: 'lps-refused';
      system: string;
      vendor: string;
      scope: 'system' | 'profile-refused' | 'every-system';
      launches: number;
      rejected: number;
      percent: number;
      maxPercent: number;
      windowMinutes: number;
      lastRejected?: { at: string; status: number; reason?: string } | null;
    }
  /** flp-monitor itself failed (browser would not start, artifact could not be written, …). */
  | { type: 'monitor'; message: string };

export type EvidenceType = Evidence['type'];

export interface StepResult {
  name: string;
  status: StepStatus;
  startedAt: string;
  durationMs: number;
  /** One line saying why the step failed; absent when it passed or was skipped. */
  error?: string;
}

export interface ProbeResult {
  /** A stable identity used in metrics and tables: `journey`, `sync:lab`, `node:flp-1`, `release`. */
  probe: string;
  kind: ProbeKind;
  /** What was probed: a URL, or a node or source name. */
  target: string;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  /** How many attempts this result took (1 when it passed or failed at once). */
  attempts: number;
  steps: StepResult[];
  evidence: Evidence[];
  /** One line: why the probe failed, or what it saw when it passed. */
  error: string | null;
  /** Measurements a probe reports besides its steps (lag, version, certificate days, phases). */
  observations: Observations;
  /** Files kept as evidence (screenshot, trace), relative to the artifacts directory. */
  artifacts: string[];
}

export interface Observations {
  version?: string;
  node?: string;
  source?: string;
  syncState?: string;
  lagSeconds?: number;
  certDaysLeft?: number;
  phases?: PhaseTimings;
  planId?: string;
  /** The LPS system a `launch` or `lps` result is about, and the vendor owning that system's `lps` failures. */
  system?: string;
  vendor?: string;
  /** `lps` results: real launches and refusals in the statistics window, and the refused share in percent. */
  launches?: number;
  rejected?: number;
  rejectedPercent?: number;
  /**
   * `lps` results: the launch statistics could not be judged (endpoint 5xx, malformed, unreachable,
   * or the system missing from them): what went wrong. The result passes (never `lps`, never a
   * page) and the `LaunchStatsUnknown` metric warns KiAP.
   */
  statsUnknown?: string;
  /** The probe passed on a retry: the first attempt's one-line error (a transient failure, cleared). */
  transient?: string;
}

/** A probe result with its class and owner decided. */
export interface ClassifiedResult extends ProbeResult {
  class: FailureClass | null;
  owner: string | null;
  summary: string;
}

/** The verdict over one run of every probe. */
export interface Verdict {
  ok: boolean;
  class: FailureClass | null;
  owner: string | null;
  summary: string;
}

export interface RunReport {
  ok: boolean;
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  results: ClassifiedResult[];
}
