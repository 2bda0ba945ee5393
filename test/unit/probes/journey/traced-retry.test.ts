/**
 * The journey's retry policy without a browser: attempts are fakes that write their files the
 * way probeJourney does (a folder per run, a screenshot, a trace when traced).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNEY_STEPS } from '../../../../lib/core/contract.ts';
import type { ProbeResult, StepStatus } from '../../../../lib/core/result.ts';
import { discardArtifacts, journeyRetryable, retryJourney, tracesAttempt } from '../../../../probes/journey/traced-retry.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flp-traced-retry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Outcome = 'pass' | 'fail' | 'not-run';

/** A fake journey: each call takes the next outcome, records whether it was traced, writes its files. */
function fakeJourney(outcomes: Outcome[], options: { delayMs?: number } = {}) {
  const traced: boolean[] = [];
  let n = 0;
  const attempt = async ({ trace }: { trace: boolean }): Promise<ProbeResult> => {
    const i = n++;
    traced.push(trace);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const outcome = outcomes[i] ?? 'pass';
    const folder = `2026-11-22T10-00-0${i}.000Z-journey`;
    const artifacts: string[] = [];
    if (outcome === 'fail') {
      await mkdir(path.join(dir, folder), { recursive: true });
      await writeFile(path.join(dir, folder, 'screenshot.png'), 'png');
      artifacts.push(`${folder}/screenshot.png`);
      if (trace) {
        await writeFile(path.join(dir, folder, 'trace.zip'), 'PK');
        artifacts.push(`${folder}/trace.zip`);
      }
    }
    const status = (name: string): StepStatus => (outcome === 'not-run' ? 'skipped' : outcome === 'fail' && name === 'overview' ? 'failed' : outcome === 'fail' && name !== 'launch' ? 'skipped' : 'passed');
    return {
      probe: 'journey',
      kind: 'journey',
      target: 'https://flp.example.test',
      ok: outcome === 'pass',
      startedAt: '2026-11-22T10:00:00.000Z',
      durationMs: 10,
      attempts: 1,
      steps: JOURNEY_STEPS.map((name) => ({ name, status: status(name), startedAt: '2026-11-22T10:00:00.000Z', durationMs: 1 })),
      evidence: outcome === 'not-run' ? [{ type: 'monitor', message: 'Chromium would not start' }] : outcome === 'fail' ? [{ type: 'missing-element', selector: '#x', description: 'the diagnoses section' }] : [],
      error: outcome === 'pass' ? null : `overview failed: attempt ${i + 1}`,
      observations: {},
      artifacts,
    } as ProbeResult;
  };
  return { attempt, traced, calls: () => n };
}

async function filesIn(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.map((e) => path.relative(root, path.join(e.parentPath, e.name))).sort();
}

describe('the journey retried with the trace on', () => {
  it('runs a healthy journey once, untraced, and leaves no file', async () => {
    const j = fakeJourney(['pass']);
    const r = await retryJourney(j.attempt, { retries: 1, artifactsDir: dir });
    expect(r).toMatchObject({ ok: true, attempts: 1, artifacts: [] });
    expect(r.observations.transient).toBeUndefined();
    expect(j.traced).toEqual([false]);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('reports a failure the traced retry clears as transient, and deletes the first attempt\'s screenshot and folder', async () => {
    const j = fakeJourney(['fail', 'pass']);
    const r = await retryJourney(j.attempt, { retries: 1, artifactsDir: dir });
    expect(r).toMatchObject({ ok: true, attempts: 2, artifacts: [], observations: { transient: 'overview failed: attempt 1' } });
    expect(j.traced).toEqual([false, true]);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('keeps the retry\'s screenshot and trace for a failure the retry confirms, and nothing of the first attempt', async () => {
    const j = fakeJourney(['fail', 'fail']);
    const r = await retryJourney(j.attempt, { retries: 1, artifactsDir: dir });
    expect(r).toMatchObject({ ok: false, attempts: 2, error: 'overview failed: attempt 2' });
    expect(r.artifacts).toEqual(['2026-11-22T10-00-01.000Z-journey/screenshot.png', '2026-11-22T10-00-01.000Z-journey/trace.zip']);
    expect(r.observations.transient).toBeUndefined();
    expect(await filesIn(dir)).toEqual(['2026-11-22T10-00-01.000Z-journey', ...r.artifacts]);
  });

  it('retries a failure that is not transient too (a missing section): the retry is what records the trace', () => {
    const j = fakeJourney(['fail']);
    return j.attempt({ trace: false }).then((r) => expect(journeyRetryable(r)).toBe(true));
  });

  it('with retries 0 traces its only attempt, so a failure still keeps a trace', async () => {
    const j = fakeJourney(['fail']);
    const r = await retryJourney(j.attempt, { retries: 0, artifactsDir: dir });
    expect(j.traced).toEqual([true]);
    expect(r.attempts).toBe(1);
    expect(r.artifacts.map((a) => path.basename(a))).toEqual(['screenshot.png', 'trace.zip']);
  });

  it('does not retry a journey that did not run (Chromium would not start)', async () => {
    const j = fakeJourney(['not-run', 'pass']);
    const r = await retryJourney(j.attempt, { retries: 1, artifactsDir: dir });
    expect({ ok: r.ok, attempts: r.attempts, calls: j.calls() }).toEqual({ ok: false, attempts: 1, calls: 1 });
  });

  it('starts no retry after maxRetryTimeMs: the first attempt stands, with its screenshot', async () => {
    const j = fakeJourney(['fail', 'pass'], { delayMs: 30 });
    const r = await retryJourney(j.attempt, { retries: 1, maxRetryTimeMs: 10, artifactsDir: dir });
    expect({ ok: r.ok, attempts: r.attempts, calls: j.calls() }).toEqual({ ok: false, attempts: 1, calls: 1 });
    expect(r.artifacts).toEqual(['2026-11-22T10-00-00.000Z-journey/screenshot.png']);
    expect(existsSync(path.join(dir, r.artifacts[0]!))).toBe(true);
  });

  it('starts no retry once the run is aborted', async () => {
    const j = fakeJourney(['fail', 'pass']);
    const r = await retryJourney(j.attempt, { retries: 1, artifactsDir: dir, signal: AbortSignal.abort() });
    expect({ ok: r.ok, attempts: r.attempts, calls: j.calls() }).toEqual({ ok: false, attempts: 1, calls: 1 });
  });

  it('traces every attempt after the first, and the first only when there is no retry', () => {
    expect([1, 2, 3].map((n) => tracesAttempt(n, 2))).toEqual([false, true, true]);
    expect(tracesAttempt(1, 0)).toBe(true);
  });

  it('keeps a folder that still holds a file another attempt wrote in it', async () => {
    await mkdir(path.join(dir, 'same'), { recursive: true });
    await writeFile(path.join(dir, 'same', 'screenshot.png'), 'png');
    await writeFile(path.join(dir, 'same', 'trace.zip'), 'PK');
    await discardArtifacts(dir, ['same/trace.zip', 'gone/screenshot.png']);
    expect(await filesIn(dir)).toEqual(['same', 'same/screenshot.png']);
  });
});
