/**
 * The SLA report's shape: what `computeSla` (compute.ts) reads and what the renderers (Markdown,
 * CSV, HTML, JSON) show. Types only; the stages that fill them are in the sibling files.
 */
import type { Config, LaunchStyle } from '../../core/config.ts';
import type { RuntimeWindow } from '../../core/windows.ts';
import type { HistorySource } from '../../adapters/history.ts';
import type { ReleaseRecord } from '../../core/records.ts';
import type { SlaIncident } from './incidents.ts';
import type { OwnerDowntime } from './owner-downtime.ts';
import type { SlaService } from './services.ts';
import type { HandSetWindow, SlaWindow } from './windows.ts';
import type { ServiceHours } from './time.ts';

/** A HistorySource that aggregates (CloudWatch) says at which period it answers a range. */
export type SlaHistory = HistorySource & {
  /** The period, in seconds, of the points `metric()` returns for this range; absent for raw runs. */
  periodSeconds?: (from: Date, to: Date) => number;
  /** Releases the canary recorded (the local store keeps them), so the report can mark them. */
  releases?: (range: { from: Date; to: Date }) => Promise<ReleaseRecord[]>;
  /**
   * Periods the maintenance alarm was put into ALARM by hand (CloudWatch's alarm history), so the
   * report can list them. May throw: the report then says in its notes that it could not read them.
   */
  handSetWindows?: (range: { from: Date; to: Date }) => Promise<HandSetWindow[]>;
};

/** A release the canary judged in the period, as the report marks it. */
export interface ReportRelease {
  at: number;
  version: string;
  verdict: 'pass' | 'fail';
  summary: string;
}

/** How a service's counted time divides into up, down and missing. */
export interface Tally {
  /** Time in service hours, outside maintenance. */
  countedMs: number;
  upMs: number;
  downMs: number;
  missingMs: number;
}

/** One service's row of the report: its tally, the percentages from it, runs and incidents. */
export interface ServiceAvailability extends SlaService, Tally {
  /** up / (up + down), in percent; null when nothing was measured. */
  availabilityPercent: number | null;
  /** up / counted, in percent (missing counted as down); null when no time was counted. */
  conservativePercent: number | null;
  /** missing / counted, in percent; null when no time was counted. */
  unmeasuredPercent: number | null;
  /** Probe runs in counted time (for CloudWatch: the SampleCount of Success). */
  runs: number;
  failedRuns: number;
  /** Incidents with counted downtime. */
  incidents: number;
}

/** A journey step's duration percentiles over counted time. */
export interface StepLatency {
  step: string;
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** A sync source's lag over counted time. */
export interface SyncLag {
  source: string;
  samples: number;
  maxSeconds: number | null;
  p95Seconds: number | null;
}

/** One Copenhagen day of the period, with each service's tally. */
export interface DayAvailability {
  /** The Copenhagen date, `2026-10-25`. */
  date: string;
  start: number;
  end: number;
  /** Counted time of the day (23, 24 or 25 hours at most). */
  countedMs: number;
  services: Record<string, Tally>;
}

/** A maintenance window that touched the period: its plan (as the stages have it), what it took out, and its overrun. */
export interface ReportMaintenance extends Omit<SlaWindow, 'excluded'> {
  /** When it began (its planned start). */
  start: number;
  /** When it ended (`actualEnd`); for a window set by hand still in ALARM, the end of the period. */
  end: number;
  /** A weekly occurrence. */
  recurring: boolean;
  /** How much of the window lay in the period's service hours (what it took out of the denominator); 0 for a window set by hand. */
  excludedMs: number;
  /** Counted down time after the planned end, until the service recovered (any service, overlaps once). */
  overrunMs: number;
  /** overrunMs > 0; null for a window set by hand (no plan to overrun). */
  overran: boolean | null;
  /** When the last overrunning service recovered. */
  overrunUntil: number | null;
  /** Each service that was down at the planned end: its overrun and when it recovered. */
  overrunByService: { service: string; overrunMs: number; recoveredAt: number }[];
}

/** Everything the renderers (Markdown, CSV, HTML, JSON) show. */
export interface SlaReport {
  environment: string;
  /** `October 2026`, or the range. */
  title: string;
  generatedAt: number;
  /** Where the data came from: "local store …", "CloudWatch …". */
  source: string;
  from: number;
  to: number;
  /** The end asked for; later than `to` when the period has not ended yet. */
  requestedTo: number;
  periodMs: number;
  serviceHours: ServiceHours | null;
  /** Time in service hours. */
  serviceMs: number;
  /** Service-hour time inside maintenance windows, each up to its planned end (out of the denominator). */
  maintenanceMs: number;
  /** serviceMs - maintenanceMs: the denominator. */
  countedMs: number;
  targetPercent: number;
  /** The id of the service that stands for FLP as a whole (the journey). */
  headline: string;
  services: ServiceAvailability[];
  days: DayAvailability[];
  maintenance: ReportMaintenance[];
  /** Every incident in the period, oldest first, including those outside counted time (downtimeMs 0). */
  incidents: SlaIncident[];
  downtimeByOwner: OwnerDowntime[];
  latency: StepLatency[];
  syncLag: SyncLag[];
  /** Releases the canary judged in the period (from the local store). */
  releases: ReportRelease[];
  /** `runs`: each probe run (local store); `periods`: aggregated points of `periodSeconds` (CloudWatch). */
  resolution: { kind: 'runs' } | { kind: 'periods'; periodSeconds: number };
  /** The LPS vendors' section (contract v2); null for a config without `lps.profiles`. */
  lps: LpsReport | null;
  notes: string[];
}

/** The refused share of one system's real launches over counted time, from `LaunchRejectedPercent`. */
export interface RefusedShare {
  /** Readings behind the figures (runs whose statistics were known; from CloudWatch, SampleCount). */
  samples: number;
  /** The mean of the readings, in percent; null without readings. */
  meanPercent: number | null;
  /** The largest reading (from CloudWatch: the largest period average), in percent. */
  worstPercent: number | null;
  /** When the worst reading was taken (the start of its period from CloudWatch); null when nothing was ever refused. */
  worstAt: number | null;
}

/** One LPS system of a vendor: its certified launch, its real launches, and the `lps` downtime charged to the vendor. */
export interface VendorSystem {
  system: string;
  style: LaunchStyle;
  /** The certified launch (`launch:<system>`), as the services table has it. */
  launch: ServiceAvailability;
  /** The real launches (`lps:<system>`), as the services table has it: down while refused beyond the threshold. */
  real: ServiceAvailability;
  refused: RefusedShare;
  /** Counted down time of class `lps` of this system, the vendor's. */
  lpsDowntimeMs: number;
  /** Incidents of `lps:<system>` with counted downtime whose class is `lps`. */
  lpsIncidents: number;
}

/** One vendor: its systems and the `lps` downtime charged to it (overlaps across its systems counted once). */
export interface VendorFigures {
  vendor: string;
  systems: VendorSystem[];
  lpsDowntimeMs: number;
  lpsIncidents: number;
}

/** A stretch in which the launch statistics could not be judged (LaunchStatsUnknown 1 in every run or period of it). */
export interface StatsUnknownStretch {
  start: number;
  end: number;
  /** Its time inside counted time. */
  countedMs: number;
}

/** The LPS vendors' section: what KiAP brings to its meetings with the vendors. */
export interface LpsReport {
  statsMinutes: number;
  maxRejectedPercent: number;
  minLaunches: number;
  /** In config order of each vendor's first profile. */
  vendors: VendorFigures[];
  /** Incidents of the LPS checks (`launch:<system>`, `lps:<system>`) with counted downtime, oldest first. */
  incidents: SlaIncident[];
  statsUnknown: StatsUnknownStretch[];
  /** Counted time in which the statistics were unknown (the stretches' countedMs added up). */
  statsUnknownMs: number;
}

/** What `computeSla` reads, over which range. */
export interface ComputeOptions {
  config: Config;
  history: SlaHistory;
  from: Date;
  to: Date;
  /** Windows set at run time (`flp-monitor window add`), beside the config's; default none. */
  windows?: readonly RuntimeWindow[];
  /** Shown as the report's title; default: the range. */
  title?: string;
  /** Default: the current time. A period that has not ended is reported up to now. */
  now?: Date;
  /** Reading progress, for a progress line on a terminal. */
  onProgress?: (done: number, total: number) => void;
}
