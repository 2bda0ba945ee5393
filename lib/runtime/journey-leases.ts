/**
 * The journey function's leases (lib/adapters/s3-lease.ts): one journey run at a time under
 * the run lease (`state/<environment>/lease/journey-run.json`), and one release verification
 * per window under its own (`…/lease/release-verification.json`). Each is taken until the
 * invocation's own deadline, so a holder that crashed blocks for one function timeout at most.
 * A run that finds the run lease held runs nothing, logs `journey run skipped` (holder, until)
 * and publishes `JourneyRunSkipped`. A lease S3 neither grants nor refuses is a `monitor:lease`
 * line, and the invocation goes on without it: two runs at once are a smaller harm than none.
 */
import { createS3Lease, LEASE_NAMES, type HeldLease, type LeaseState, type S3Lease } from '../adapters/s3-lease.ts';
import { describeError } from '../core/format.ts';
import { METRICS } from '../core/metric-names.ts';
import { journeyRunSkippedRecord } from '../core/records.ts';
import type { S3Where } from './handler-cold-start.ts';
import { ioBudget, type GroupState, type HandlerKit, type HandlerResult } from './handler-kit.ts';

/** A lease taken without a deadline to derive its expiry from (no Lambda context): the journey function's longest timeout. */
export const LEASE_WITHOUT_DEADLINE_MS = 900_000;

/** The journey function's two leases, in the function's bucket. */
export function journeyLeases(where: S3Where & { bucket: string; environment: string }): NonNullable<GroupState['leases']> {
  const leaseOf = (name: string) => createS3Lease({ ...where, name });
  return { run: leaseOf(LEASE_NAMES.journeyRun), verification: leaseOf(LEASE_NAMES.releaseVerification) };
}

/**
 * Takes `lease` for this invocation, until the function's own deadline (so a holder that
 * crashes blocks others one function timeout at most). A lease S3 neither grants nor refuses
 * (unreadable, AccessDenied, a 5xx) is a `monitor:lease` line, and the caller goes on without
 * it: two runs at once are a smaller harm than none.
 */
export async function takeLease(
  kit: HandlerKit,
  state: GroupState,
  lease: S3Lease,
  purpose: string,
  fail: (what: string, summary: string) => void,
): Promise<{ held: HeldLease | null } | { heldBy: LeaseState }> {
  const at = kit.now();
  const left = state.invocation.remainingMs();
  const until = new Date(at.getTime() + (Number.isFinite(left) ? Math.max(0, left) : LEASE_WITHOUT_DEADLINE_MS));
  try {
    const taken = await lease.take(state.invocation.holder ?? 'unknown', purpose, until, { now: at, abortSignal: ioBudget(state) });
    if (!taken.taken) return { heldBy: taken.heldBy };
    if (taken.tookOver && !taken.tookOver.releasedAt)
      state.diagnostics.warn('lease taken over from a holder past its expiry', { lease: lease.where, holder: taken.tookOver.holder, until: taken.tookOver.until });
    return { held: taken.lease };
  } catch (err) {
    fail('lease', `${purpose}: ${describeError(err)}; going on without the lease`);
    return { held: null };
  }
}

/** Gives a held lease back; a failure is a `monitor:lease` line (the lease then runs out by itself). */
export async function giveBack(kit: HandlerKit, state: GroupState, lease: S3Lease, held: HeldLease, fail: (what: string, summary: string) => void): Promise<void> {
  try {
    await lease.release(held, { now: kit.now(), abortSignal: ioBudget(state) });
  } catch (err) {
    fail('lease', describeError(err));
  }
}

/** The previous journey run still holds the run lease: this invocation runs nothing, says so (who, until when), and counts it (`JourneyRunSkipped`); it is no failure of anything. */
export async function skipRun(kit: HandlerKit, state: GroupState, heldBy: LeaseState, requestId?: string): Promise<HandlerResult> {
  const { config } = state;
  const summary = `journey run skipped: the previous run (${heldBy.holder}) holds the run lease until ${heldBy.until}`;
  kit.out.warn('journey run skipped', { ...(requestId ? { requestId } : {}), environment: config.environment, holder: heldBy.holder, until: heldBy.until, summary });
  const at = kit.now().toISOString();
  const point = journeyRunSkippedRecord(config.environment, at, config.aws.namespace);
  await state.sink.inner.write([point]).catch((err: unknown) => kit.monitorFailure(config, 'metrics', `${METRICS.journeyRunSkipped.name} not published: ${describeError(err)}`, requestId));
  return { ok: true, verdict: { ok: true, class: null, owner: null, summary }, results: [], skipped: { holder: heldBy.holder, until: heldBy.until, summary } };
}
