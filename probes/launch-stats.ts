/**
 * What real clinics' launches did (`lps:<system>`): one `GET /lps/launch-stats?minutes=n` per run,
 * judged per configured system against `lps.maxRejectedPercent`, beside that system's own
 * certified launch of the same run. The contract v2 rules:
 *
 * - one system's real launches refused while its certified launch passes: `lps`, its vendor's;
 * - refused along with its certified launch: FLP broke that vendor's launch (`application`);
 * - every system with traffic refused alike: FLP itself (`application`);
 * - statistics unavailable or malformed: "unknown", a pass with a warning, never `lps`;
 * - the certified launch not tried (the monitor's own failure: a signed profile without its key):
 *   not judged, a `monitor` failure naming why, never `lps` or `application`.
 */
import type { ProbeContext } from '../lib/core/context.ts';
import type { Config, LaunchProfile } from '../lib/core/config.ts';
import { describeHttpFailure, describeStatus } from '../lib/core/format.ts';
import { isJsonObject, parseJsonBody } from '../lib/core/json-body.ts';
import { httpStatusEvidence } from '../lib/core/response-origin.ts';
import type { Evidence, ProbeResult } from '../lib/core/result.ts';
import { PROBE_IDS } from '../lib/core/contract.ts';

export interface SystemLaunchStats {
  system: string;
  launches: number;
  rejected: number;
  lastRejected: { at: string; status: number; reason?: string } | null;
}

export interface LaunchStats {
  windowMinutes: number;
  systems: SystemLaunchStats[];
}

/** One read of the statistics: the parsed answer, or why there is none (the words a warning carries). */
export type LaunchStatsRead =
  | { ok: true; stats: LaunchStats; url: string; startedAt: string; durationMs: number }
  | { ok: false; problem: string; url: string; startedAt: string; durationMs: number };

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The contract's shape, or every way the body misses it, each naming its property. */
export function parseLaunchStats(body: unknown): { ok: true; stats: LaunchStats } | { ok: false; problems: string[] } {
  if (!isJsonObject(body)) return { ok: false, problems: ['body: not a JSON object'] };
  const problems: string[] = [];
  if (!isCount(body.windowMinutes) || body.windowMinutes < 1) problems.push(`windowMinutes: not a whole number of minutes (${JSON.stringify(body.windowMinutes)})`);
  if (!Array.isArray(body.systems)) problems.push('systems: not a list');
  const systems: SystemLaunchStats[] = [];
  if (Array.isArray(body.systems))
    body.systems.forEach((s: unknown, i) => {
      const at = `systems[${i}]`;
      if (!isJsonObject(s)) return void problems.push(`${at}: not an object`);
      if (typeof s.system !== 'string' || !s.system) problems.push(`${at}.system: not a non-empty string`);
      if (!isCount(s.launches)) problems.push(`${at}.launches: not a count (${JSON.stringify(s.launches)})`);
      if (!isCount(s.rejected)) problems.push(`${at}.rejected: not a count (${JSON.stringify(s.rejected)})`);
      else if (isCount(s.launches) && s.rejected > s.launches) problems.push(`${at}.rejected: ${s.rejected} is more than its ${s.launches} launches`);
      let lastRejected: SystemLaunchStats['lastRejected'] = null;
      if (s.lastRejected !== null && s.lastRejected !== undefined) {
        const l = s.lastRejected;
        if (!isJsonObject(l) || typeof l.at !== 'string' || Number.isNaN(Date.parse(l.at)) || !isCount(l.status)) problems.push(`${at}.lastRejected: not { at, status, reason } or null`);
        else lastRejected = { at: l.at, status: l.status, ...(typeof l.reason === 'string' ? { reason: l.reason.slice(0, 60) } : {}) };
      }
      if (typeof s.system === 'string' && isCount(s.launches) && isCount(s.rejected)) systems.push({ system: s.system, launches: s.launches, rejected: s.rejected, lastRejected });
    });
  if (problems.length) return { ok: false, problems: problems.slice(0, 5) };
  return { ok: true, stats: { windowMinutes: body.windowMinutes as number, systems } };
}

/** Reads `GET {baseUrl}/lps/launch-stats?minutes=n` once. Never throws. */
export async function readLaunchStats(baseUrl: string, minutes: number, ctx: ProbeContext, opts: { requestMs: number }): Promise<LaunchStatsRead> {
  const url = `${baseUrl.replace(/\/+$/, '')}/lps/launch-stats?minutes=${minutes}`;
  const startedAt = ctx.clock.now().toISOString();
  const t0 = performance.now();
  const done = (r: { ok: true; stats: LaunchStats } | { ok: false; problem: string }): LaunchStatsRead => ({ ...r, url, startedAt, durationMs: Math.round(performance.now() - t0) });
  try {
    const res = await ctx.http.request(url, { headers: { accept: 'application/json' }, timeoutMs: opts.requestMs, signal: ctx.signal });
    if (!res.ok) return done({ ok: false, problem: `launch statistics ${describeHttpFailure(res)}` });
    if (res.status !== 200) return done({ ok: false, problem: `launch statistics ${describeStatus(httpStatusEvidence(url, res.status, res.headers))}` });
    const parsed = parseJsonBody(res.body, res.headers['content-type']);
    if (!parsed.ok) return done({ ok: false, problem: `launch statistics ${parsed.problem}` });
    const stats = parseLaunchStats(parsed.value);
    return stats.ok ? done(stats) : done({ ok: false, problem: `launch statistics malformed: ${stats.problems.join('; ')}` });
  } catch (err) {
    return done({ ok: false, problem: `launch statistics not read: ${err instanceof Error ? err.message : String(err)}` });
  }
}

/** Percent with one decimal. */
const percentOf = (rejected: number, launches: number) => (launches ? Math.round((rejected / launches) * 1000) / 10 : 0);

/**
 * One `lps:<system>` result per configured profile from one read of the statistics and the same
 * run's `launch:<system>` results. Only a system with at least `minLaunches` real launches in the
 * window is judged: a quiet night is no outage.
 */
export function judgeLaunchStats(
  read: LaunchStatsRead,
  launches: readonly ProbeResult[],
  config: Pick<Config, 'lps'>,
): ProbeResult[] {
  const { profiles, maxRejectedPercent, minLaunches } = config.lps;
  const launchOk = new Map(launches.map((r) => [r.probe, r.ok]));
  const launchNotTried = new Map(
    launches.flatMap((r) => r.evidence.filter((e): e is Extract<Evidence, { type: 'monitor' }> => e.type === 'monitor').slice(0, 1).map((e) => [r.probe, e.message] as const)),
  );
  const stats = read.ok ? new Map(read.stats.systems.map((s) => [s.system, s])) : new Map<string, SystemLaunchStats>();
  const over = (s: SystemLaunchStats) => s.launches >= minLaunches && percentOf(s.rejected, s.launches) > maxRejectedPercent;
  // Every system with traffic refused alike, two at least: FLP itself, whatever each vendor sends.
  const judged = read.ok ? read.stats.systems.filter((s) => s.launches >= minLaunches) : [];
  const everySystem = judged.length >= 2 && judged.every(over);

  return profiles.map((profile: LaunchProfile): ProbeResult => {
    const base = {
      probe: PROBE_IDS.lps(profile.system),
      kind: 'lps' as const,
      target: read.url,
      startedAt: read.startedAt,
      durationMs: read.durationMs,
      attempts: 1,
      artifacts: [],
    };
    const who = { system: profile.system, vendor: profile.vendor };
    // Without the certified launch there is nothing to judge the real ones beside (the vendor's, or FLP's?): the monitor's failure, in its words.
    const notTried = launchNotTried.get(PROBE_IDS.launch(profile.system));
    if (notTried) {
      const error = `${profile.system}'s real launches not judged: the certified launch was not tried (${notTried})`;
      return { ...base, ok: false, steps: [{ name: 'launch-stats', status: 'failed', startedAt: read.startedAt, durationMs: read.durationMs, error }], evidence: [{ type: 'monitor', message: error }], error, observations: who };
    }
    const s = stats.get(profile.system);
    if (!read.ok || !s) {
      const statsUnknown = read.ok ? `${profile.system} is not in the launch statistics` : read.problem;
      return { ...base, ok: true, steps: [{ name: 'launch-stats', status: 'passed', startedAt: read.startedAt, durationMs: read.durationMs }], evidence: [], error: null, observations: { ...who, statsUnknown } };
    }
    const windowMinutes = read.stats.windowMinutes;
    const percent = percentOf(s.rejected, s.launches);
    const observations = { ...who, launches: s.launches, rejected: s.rejected, rejectedPercent: percent };
    if (!over(s)) return { ...base, ok: true, steps: [{ name: 'launch-stats', status: 'passed', startedAt: read.startedAt, durationMs: read.durationMs }], evidence: [], error: null, observations };
    const profileRefused = launchOk.get(PROBE_IDS.launch(profile.system)) === false;
    const scope = everySystem ? 'every-system' : profileRefused ? 'profile-refused' : 'system';
    const evidence: Evidence = { type: 'lps-refused', ...who, scope, launches: s.launches, rejected: s.rejected, percent, maxPercent: maxRejectedPercent, windowMinutes, lastRejected: s.lastRejected };
    const last = s.lastRejected ? `, last ${s.lastRejected.status}${s.lastRejected.reason ? ` ${s.lastRejected.reason}` : ''}` : '';
    const counted = `${s.rejected} of ${s.launches} real ${profile.system} launches refused in ${windowMinutes} min (${percent} % > ${maxRejectedPercent} %)${last}`;
    const error =
      scope === 'system'
        ? `${profile.vendor}'s LPS no longer launches FLP as certified: ${counted}, while the certified ${profile.style} launch is accepted`
        : scope === 'every-system'
          ? `FLP refuses every system's real launches: ${counted}`
          : `${counted}, and FLP refuses the certified launch too`;
    return { ...base, ok: false, steps: [{ name: 'launch-stats', status: 'failed', startedAt: read.startedAt, durationMs: read.durationMs, error }], evidence: [evidence], error, observations };
  });
}
