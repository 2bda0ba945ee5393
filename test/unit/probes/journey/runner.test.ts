import { describe, expect, it } from 'vitest';
import { SKIPPED, StepFailure, runSteps, type StepDefinition } from '../../../../probes/journey/runner.ts';
import { errorLine } from '../../../../lib/core/format.ts';
import type { Clock } from '../../../../lib/core/context.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const fixedClock: Clock = { now: () => new Date('2026-04-01T10:00:00.000Z') };
const pass = (name: string, ms = 0): StepDefinition => ({ name, run: async () => void (await sleep(ms)) });

describe('runSteps', () => {
  it('runs every step in order and passes when each passes', async () => {
    // given
    const order: string[] = [];
    const step = (name: string): StepDefinition => ({ name, run: async () => void order.push(name) });
    // when
    const outcome = await runSteps([step('a'), step('b'), step('c')], { stepMs: 1000, clock: fixedClock });
    // then
    expect(order).toEqual(['a', 'b', 'c']);
    expect(outcome.ok).toBe(true);
    expect(outcome.steps.map((s) => [s.name, s.status])).toEqual([
      ['a', 'passed'],
      ['b', 'passed'],
      ['c', 'passed'],
    ]);
    expect(outcome.steps[0]?.startedAt).toBe('2026-04-01T10:00:00.000Z');
    expect(outcome.steps.every((s) => s.error === undefined)).toBe(true);
  });

  it('measures each step by its own wall time', async () => {
    const outcome = await runSteps([pass('quick', 0), pass('slow', 120)], { stepMs: 1000 });
    const [quick, slow] = outcome.steps;
    expect(quick?.durationMs).toBeLessThan(50);
    expect(slow?.durationMs).toBeGreaterThanOrEqual(110);
    expect(slow?.durationMs).toBeLessThan(400);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(slow?.durationMs ?? 0);
  });

  it('skips the steps after a failed one, but still runs cleanup', async () => {
    // given
    const ran: string[] = [];
    const steps: StepDefinition[] = [
      { name: 'launch', run: async () => void ran.push('launch') },
      {
        name: 'create-plan',
        run: async () => {
          ran.push('create-plan');
          throw new StepFailure('POST /api/plans answered 500', [{ type: 'request-failed', url: 'http://x/api/plans', method: 'POST', status: 500 }]);
        },
      },
      { name: 'print', run: async () => void ran.push('print') },
    ];
    const cleanup: StepDefinition[] = [{ name: 'cleanup', run: async () => void ran.push('cleanup') }];
    // when
    const outcome = await runSteps(steps, { stepMs: 1000, cleanup });
    // then
    expect(ran).toEqual(['launch', 'create-plan', 'cleanup']);
    expect(outcome.ok).toBe(false);
    expect(outcome.steps.map((s) => [s.name, s.status])).toEqual([
      ['launch', 'passed'],
      ['create-plan', 'failed'],
      ['print', 'skipped'],
      ['cleanup', 'passed'],
    ]);
    expect(outcome.steps[1]?.error).toBe('POST /api/plans answered 500');
    expect(outcome.steps[2]?.durationMs).toBe(0);
    expect(outcome.failures).toEqual([{ step: 'create-plan', error: 'POST /api/plans answered 500' }]);
    expect(outcome.evidence).toEqual([{ type: 'request-failed', url: 'http://x/api/plans', method: 'POST', status: 500 }]);
  });

  it('records a cleanup step that had nothing to do as skipped, and a failing cleanup as failed', async () => {
    const outcome = await runSteps([pass('a')], {
      stepMs: 1000,
      cleanup: [
        { name: 'nothing', run: async () => SKIPPED },
        { name: 'delete', run: async () => Promise.reject(new Error('DELETE answered 500\n  at stack')) },
      ],
    });
    expect(outcome.steps.map((s) => [s.name, s.status, s.error])).toEqual([
      ['a', 'passed', undefined],
      ['nothing', 'skipped', undefined],
      ['delete', 'failed', 'DELETE answered 500'],
    ]);
    expect(outcome.ok).toBe(false);
  });

  it('reports a slow step as a step timeout when nothing is waiting for a first byte', async () => {
    const outcome = await runSteps([pass('overview', 5_000), pass('print')], { stepMs: 100, awaitingFirstByte: () => undefined });
    const [overview, print] = outcome.steps;
    expect(overview?.status).toBe('failed');
    expect(overview?.error).toBe('took longer than 100 ms');
    expect(overview?.durationMs).toBeGreaterThanOrEqual(95);
    expect(overview?.durationMs).toBeLessThan(1_000);
    expect(print?.status).toBe('skipped');
    expect(outcome.evidence).toEqual([{ type: 'timeout', phase: 'step', afterMs: expect.any(Number) }]);
  });

  it('reports a timeout as first-byte with the url when a request is still waiting for its response', async () => {
    const outcome = await runSteps([pass('launch', 5_000)], { stepMs: 80, awaitingFirstByte: () => 'http://flp.test/lps/launch' });
    expect(outcome.steps[0]?.error).toBe('no response from http://flp.test/lps/launch within 80 ms');
    expect(outcome.evidence).toEqual([{ type: 'timeout', phase: 'first-byte', url: 'http://flp.test/lps/launch', afterMs: expect.any(Number) }]);
  });

  it('aborts the signal of a timed-out step and ignores what it records afterwards', async () => {
    // given
    let abortedWith: unknown;
    const step: StepDefinition = {
      name: 'slow',
      run: async (ctx) => {
        ctx.signal.addEventListener('abort', () => (abortedWith = ctx.signal.reason));
        await sleep(200);
        ctx.evidence({ type: 'page-error', message: 'late' });
        throw new Error('late failure');
      },
    };
    // when
    const outcome = await runSteps([step], { stepMs: 50 });
    await sleep(250);
    // then
    expect(abortedWith).toBeInstanceOf(Error);
    expect(outcome.evidence.map((e) => e.type)).toEqual(['timeout']);
    expect(outcome.steps[0]?.error).toBe('took longer than 50 ms');
  });

  it('lets a step record a soft finding and still pass, while the run is not ok', async () => {
    const outcome = await runSteps(
      [
        {
          name: 'overview',
          run: async (ctx) => {
            ctx.finding({ type: 'sync-stale', source: 'lab', where: 'page', lastSuccessfulSync: '2026-04-01T05:00:00Z', lagSeconds: 18_000, maxLagMinutes: 120 }, 'lab data is 300 min old');
          },
        },
        pass('create-plan'),
      ],
      { stepMs: 1000 },
    );
    expect(outcome.steps.map((s) => s.status)).toEqual(['passed', 'passed']);
    expect(outcome.ok).toBe(false);
    expect(outcome.findings).toEqual([{ step: 'overview', message: 'lab data is 300 min old' }]);
    expect(outcome.evidence[0]?.type).toBe('sync-stale');
  });

  it('honours a per-step timeout over the run default', async () => {
    const outcome = await runSteps([{ name: 'short', timeoutMs: 30, run: () => sleep(500) }], { stepMs: 10_000 });
    expect(outcome.steps[0]?.status).toBe('failed');
    expect(outcome.steps[0]?.durationMs).toBeLessThan(400);
  });

  it('appends to a shared evidence list so that listeners outside the steps can add to it', async () => {
    const shared = [{ type: 'page-error' as const, message: 'x is undefined' }];
    const outcome = await runSteps([{ name: 'a', run: async (ctx) => ctx.evidence({ type: 'monitor', message: 'm' }) }], { stepMs: 100, evidence: shared });
    expect(outcome.evidence).toBe(shared);
    expect(shared.map((e) => e.type)).toEqual(['page-error', 'monitor']);
  });

  it('stops at an aborted run but still runs cleanup', async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const outcome = await runSteps(
      [
        {
          name: 'a',
          run: async () => {
            setTimeout(() => controller.abort(), 20);
            await sleep(500);
          },
        },
        pass('b'),
      ],
      { stepMs: 5_000, signal: controller.signal, cleanup: [{ name: 'cleanup', run: async () => void ran.push('cleanup') }] },
    );
    expect(outcome.steps.map((s) => [s.name, s.status])).toEqual([
      ['a', 'failed'],
      ['b', 'skipped'],
      ['cleanup', 'passed'],
    ]);
    expect(outcome.steps[0]?.error).toBe('aborted');
    expect(ran).toEqual(['cleanup']);
  });

  it('treats a synchronous throw in a step like a rejection', async () => {
    const outcome = await runSteps([{ name: 'a', run: (() => { throw new TypeError('boom'); }) as unknown as StepDefinition['run'] }], { stepMs: 100 });
    expect(outcome.steps[0]).toMatchObject({ status: 'failed', error: 'boom' });
  });
});

describe('errorLine', () => {
  it('keeps the first non-empty line of a message and shortens a long one', () => {
    expect(errorLine(new Error('\n  first line\nsecond'))).toBe('first line');
    expect(errorLine('plain')).toBe('plain');
    expect(errorLine(new Error('x'.repeat(400))).length).toBe(300);
  });
});
