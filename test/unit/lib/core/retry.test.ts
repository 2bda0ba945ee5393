import { describe, expect, it } from 'vitest';
import { isTransient, withRetry } from '../../../../lib/core/retry.ts';
import type { Evidence, ProbeResult } from '../../../../lib/core/result.ts';

function outcome(evidence: Evidence[]): ProbeResult {
  return {
    probe: 'node:flp-1',
    kind: 'node',
    target: 'https://flp-1/health',
    ok: evidence.length === 0,
    startedAt: new Date().toISOString(),
    durationMs: 5,
    attempts: 1,
    steps: [],
    evidence,
    error: evidence.length ? 'failed' : null,
    observations: {},
    artifacts: [],
  };
}

const reset: Evidence = { type: 'network', url: 'u', code: 'ECONNRESET', message: 'socket hang up' };
const expired: Evidence = { type: 'tls', url: 'u', code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' };

describe('retry of a failed probe', () => {
  it('clears a single transient connection error with one immediate retry and records two attempts', async () => {
    const answers = [outcome([reset]), outcome([])];
    let calls = 0;
    const r = await withRetry(async () => answers[calls++]!, { retries: 1 });
    expect(r.ok).toBe(true);
    expect(r.attempts).toBe(2);
    expect(calls).toBe(2);
  });

  it('counts a failure that persists after the retry, with the last attempt as evidence', async () => {
    let calls = 0;
    const r = await withRetry(async () => ({ ...outcome([reset]), error: `attempt ${++calls}` }), { retries: 1 });
    expect(r.ok).toBe(false);
    expect(r.attempts).toBe(2);
    expect(r.error).toBe('attempt 2');
  });

  it('does not retry what a retry cannot clear (an expired certificate)', async () => {
    let calls = 0;
    const r = await withRetry(async () => (calls++, outcome([expired])), { retries: 1 });
    expect(r.ok).toBe(false);
    expect(calls).toBe(1);
    expect(r.attempts).toBe(1);
  });

  it('starts no retry once the time allowed has passed', async () => {
    let calls = 0;
    const r = await withRetry(
      async () => {
        calls++;
        await new Promise((res) => setTimeout(res, 30));
        return outcome([reset]);
      },
      { retries: 3, maxRetryTimeMs: 10 },
    );
    expect(calls).toBe(1);
    expect(r.attempts).toBe(1);
  });

  it('tells each attempt its number', async () => {
    const seen: number[] = [];
    await withRetry(async (n) => (seen.push(n), outcome([reset])), { retries: 2 });
    expect(seen).toEqual([1, 2, 3]);
  });

  it('reports a failure the retry cleared as transient: the first attempt\'s one-line error in observations.transient', async () => {
    const answers = [{ ...outcome([reset]), error: 'overview failed: socket hang up\nat line 2' }, { ...outcome([]), observations: { planId: 'p-1' } }];
    let calls = 0;
    const r = await withRetry(async () => answers[calls++]!, { retries: 1 });
    expect(r).toMatchObject({ ok: true, attempts: 2, observations: { planId: 'p-1', transient: 'overview failed: socket hang up' } });
  });

  it('marks neither a first-attempt pass nor a confirmed failure as transient', async () => {
    expect((await withRetry(async () => outcome([]), { retries: 1 })).observations.transient).toBeUndefined();
    expect((await withRetry(async () => outcome([reset]), { retries: 1 })).observations.transient).toBeUndefined();
  });

  it('retries what retryIf says is worth it, transient or not', async () => {
    let calls = 0;
    const r = await withRetry(async () => (calls++ === 0 ? outcome([expired]) : outcome([])), { retries: 1, retryIf: (x) => !x.ok });
    expect(calls).toBe(2);
    expect(r).toMatchObject({ ok: true, attempts: 2, observations: { transient: 'failed' } });
    let none = 0;
    const kept = await withRetry(async () => (none++, outcome([reset])), { retries: 1, retryIf: () => false });
    expect({ none, attempts: kept.attempts }).toEqual({ none: 1, attempts: 1 });
  });

  it('treats NXDOMAIN as an answer and a resolver timeout as transient', () => {
    expect(isTransient({ type: 'network', url: 'u', code: 'ENOTFOUND', message: '' })).toBe(false);
    expect(isTransient({ type: 'network', url: 'u', code: 'EAI_AGAIN', message: '' })).toBe(true);
    expect(isTransient({ type: 'http-status', url: 'u', status: 502, origin: 'proxy' })).toBe(true);
    expect(isTransient({ type: 'http-status', url: 'u', status: 404, origin: 'app' })).toBe(false);
    expect(isTransient({ type: 'version-drift', versions: {} })).toBe(false);
  });
});
