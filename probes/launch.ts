/**
 * The LPS launch, one vendor's certified profile at a time, without a browser (`launch:<system>`):
 * the request that vendor's LPS was certified to send (contract v2: `query`, `form` or `signed`),
 * FLP's `303` to the patient's page, and that page answering. Plain HTTP, so it runs with the
 * server checks in the cheap function, every minute, for every vendor.
 */
import { createHmac } from 'node:crypto';
import type { ProbeContext } from '../lib/core/context.ts';
import type { LaunchProfile } from '../lib/core/config.ts';
import { describeHttpFailure, describeStatus } from '../lib/core/format.ts';
import { isJsonObject, parseJsonBody } from '../lib/core/json-body.ts';
import { httpStatusEvidence } from '../lib/core/response-origin.ts';
import type { Evidence, Observations, ProbeResult, StepResult } from '../lib/core/result.ts';
import { PROBE_IDS } from '../lib/core/contract.ts';

/** What FLP accepts of a signed launch's `ts`, either side of its clock (contract v2). */
export const SIGNED_LAUNCH_SKEW_SECONDS = 300;

/** The contract's refusal reasons; any other value is reported as given. */
export const LAUNCH_REFUSAL_REASONS = ['missing-parameter', 'unknown-parameter', 'unknown-system', 'bad-signature', 'expired'] as const;

/** The lowercase hex HMAC-SHA256 of `clinic|cpr|system|ts` under the vendor's key: a signed launch's `sig`. */
export function launchSignature(key: string, fields: { clinic: string; cpr: string; system: string; ts: number }): string {
  return createHmac('sha256', key).update(`${fields.clinic}|${fields.cpr}|${fields.system}|${fields.ts}`).digest('hex');
}

/** One launch as the profile's LPS sends it. */
export interface LaunchRequest {
  method: 'GET' | 'POST';
  url: string;
  /** `form` only: the urlencoded fields. */
  body?: string;
  headers: Record<string, string>;
}

/**
 * A profile as the runtime hands it to the probes: a signed one whose key could not be read
 * carries why (`keyProblem`, naming the secret: lib/runtime/launch-keys.ts), so its launch fails
 * as the monitor's with those words, never as FLP's or the vendor's.
 */
export type KeyedLaunchProfile = LaunchProfile & { keyProblem?: string };

/** The error a signed profile without its key gets: the key is read at run time (config `key`, or `keySecretName` in AWS). */
export class MissingLaunchKey extends Error {
  constructor(system: string, problem?: string) {
    super(`the signed launch profile "${system}" has no key: ${problem ?? 'set lps.profiles[].key (local) or keySecretName (AWS)'}`);
    this.name = 'MissingLaunchKey';
  }
}

/**
 * The request a profile's LPS sends to launch FLP for this clinic and patient at `now`.
 * Throws {@link MissingLaunchKey} for a signed profile whose key was not resolved.
 */
export function launchRequest(baseUrl: string, profile: Pick<KeyedLaunchProfile, 'system' | 'style' | 'key' | 'keyProblem'>, who: { clinic: string; cpr: string }, now: Date): LaunchRequest {
  const url = `${baseUrl.replace(/\/+$/, '')}/lps/launch`;
  const fields = { clinic: who.clinic, cpr: who.cpr, system: profile.system };
  switch (profile.style) {
    case 'query':
      return { method: 'GET', url: `${url}?${new URLSearchParams(fields)}`, headers: {} };
    case 'form':
      return { method: 'POST', url, body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    case 'signed': {
      if (!profile.key) throw new MissingLaunchKey(profile.system, profile.keyProblem);
      const ts = Math.floor(now.getTime() / 1000);
      const sig = launchSignature(profile.key, { ...fields, ts });
      return { method: 'GET', url: `${url}?${new URLSearchParams({ ...fields, ts: String(ts), sig })}`, headers: {} };
    }
  }
}

/** Where an accepted launch must land: `/app/patient/{cpr}?clinic={clinic}`, relative to the launch. */
export function expectedLanding(launchUrl: string, who: { clinic: string; cpr: string }): URL {
  return new URL(`/app/patient/${encodeURIComponent(who.cpr)}?${new URLSearchParams({ clinic: who.clinic })}`, launchUrl);
}

/**
 * The contract's refusal body, `{ error, reason }`, from its parsed JSON, read leniently: a
 * refusal without it is still a refusal. The launch check and the journey's launch both read it so.
 */
export function launchRefusal(value: unknown): { reason?: string; error?: string } {
  if (!isJsonObject(value)) return {};
  const { reason, error } = value;
  return {
    ...(typeof reason === 'string' && reason ? { reason: reason.slice(0, 60) } : {}),
    ...(typeof error === 'string' && error ? { error: error.slice(0, 200) } : {}),
  };
}

export interface LaunchProbeOptions {
  /** Budget per request (config `timeouts.requestMs`). */
  requestMs: number;
}

/**
 * Launches FLP with one vendor's certified profile (`launch:<system>`), two steps: `launch` (the
 * profile's request answers `303` to the patient's page) and `app-page` (that page answers `200`
 * HTML). A `400`/`401` refusal is `launch-refused` evidence naming the vendor and the contract's
 * reason: FLP no longer accepts what the vendor was certified to send. Never throws.
 */
export async function probeLaunch(
  profile: KeyedLaunchProfile,
  target: { baseUrl: string; clinic: string; cpr: string },
  ctx: ProbeContext,
  opts: LaunchProbeOptions,
): Promise<ProbeResult> {
  const startedAt = ctx.clock.now().toISOString();
  const t0 = performance.now();
  const evidence: Evidence[] = [];
  const observations: Observations = { system: profile.system, vendor: profile.vendor };
  const steps: StepResult[] = [];
  let error: string | null = null;
  const label = `${profile.system} (${profile.vendor}, ${profile.style})`;

  const step = async (name: string, run: () => Promise<string | null>): Promise<boolean> => {
    const stepStart = ctx.clock.now().toISOString();
    const s0 = performance.now();
    let failure: string | null;
    try {
      failure = await run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Our own problem (a key not resolved, a bug): never FLP's or the vendor's.
      evidence.push({ type: 'monitor', message: `launch of ${profile.system} not tried: ${message}` });
      failure = `${label} launch not tried: ${message}`;
    }
    steps.push({ name, status: failure ? 'failed' : 'passed', startedAt: stepStart, durationMs: Math.round(performance.now() - s0), ...(failure ? { error: failure } : {}) });
    if (failure) error = failure;
    return !failure;
  };

  let landing: URL | null = null;
  const launched = await step('launch', async () => {
    const req = launchRequest(target.baseUrl, profile, target, ctx.clock.now());
    const res = await ctx.http.request(req.url, { method: req.method, headers: { accept: 'text/html,application/json', ...req.headers }, ...(req.body ? { body: req.body } : {}), timeoutMs: opts.requestMs, signal: ctx.signal });
    observations.phases = res.timings;
    const at = new URL(req.url).pathname;
    if (!res.ok) {
      evidence.push(res.evidence);
      return `${label} ${describeHttpFailure(res)}`;
    }
    if (res.status === 400 || res.status === 401) {
      const parsed = parseJsonBody(res.body, res.headers['content-type']);
      const refusal = parsed.ok ? launchRefusal(parsed.value) : {};
      evidence.push({ type: 'launch-refused', url: req.url.split('?')[0]!, system: profile.system, vendor: profile.vendor, status: res.status, ...refusal });
      return `FLP refuses ${profile.vendor}'s certified ${profile.style} launch of ${profile.system}: ${req.method} ${at} answered ${res.status}${refusal.reason ? ` ${refusal.reason}` : ''}${refusal.error ? ` (${refusal.error})` : ''}`;
    }
    if (res.status !== 303) {
      const e = httpStatusEvidence(req.url.split('?')[0]!, res.status, res.headers);
      evidence.push(e);
      return `${label} ${req.method} ${at} ${describeStatus(e)}, expected 303`;
    }
    const expected = expectedLanding(req.url, target);
    const location = res.headers.location;
    const got = location && URL.canParse(location, req.url) ? new URL(location, req.url) : null;
    if (!got || got.pathname !== expected.pathname || got.searchParams.get('clinic') !== target.clinic) {
      const problem = `303 to ${location ? JSON.stringify(location.slice(0, 120)) : 'no location'}, expected ${expected.pathname}?clinic=${target.clinic}`;
      evidence.push({ type: 'bad-response', url: req.url.split('?')[0]!, problem });
      return `${label} launch ${problem}`;
    }
    landing = got;
    return null;
  });

  if (launched && landing) {
    const page: URL = landing;
    await step('app-page', async () => {
      const res = await ctx.http.request(page.href, { headers: { accept: 'text/html' }, timeoutMs: opts.requestMs, signal: ctx.signal });
      if (!res.ok) {
        evidence.push(res.evidence);
        return `${label} patient page ${describeHttpFailure(res)}`;
      }
      if (res.status !== 200) {
        const e = httpStatusEvidence(page.origin + page.pathname, res.status, res.headers);
        evidence.push(e);
        return `${label} patient page ${describeStatus(e)}`;
      }
      if (!/\btext\/html\b/i.test(res.headers['content-type'] ?? '')) {
        const problem = `the patient page answered ${res.headers['content-type'] ?? 'no content type'}, not HTML`;
        evidence.push({ type: 'bad-response', url: page.origin + page.pathname, problem });
        return `${label} ${problem}`;
      }
      return null;
    });
  } else {
    steps.push({ name: 'app-page', status: 'skipped', startedAt: ctx.clock.now().toISOString(), durationMs: 0 });
  }

  const ok = evidence.length === 0;
  return {
    probe: PROBE_IDS.launch(profile.system),
    kind: 'launch',
    target: `${target.baseUrl.replace(/\/+$/, '')}/lps/launch`,
    ok,
    startedAt,
    durationMs: Math.round(performance.now() - t0),
    attempts: 1,
    steps,
    evidence,
    error: ok ? null : error,
    observations,
    artifacts: [],
  };
}
