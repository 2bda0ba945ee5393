/**
 * What a failed run keeps, without a browser: the page and the context are fakes whose
 * screenshot and `tracing.stop` write files the way Playwright does, so the trace that comes out
 * of Playwright holding the CPR can be followed to what is kept.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { strToU8, unzipSync, zipSync } from 'fflate';
import type { BrowserContext, Page } from 'playwright';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../../lib/core/context.ts';
import type { Evidence } from '../../../../lib/core/result.ts';
import { keepArtifacts } from '../../../../probes/journey/artifacts.ts';

const CPR = '2512489996';
const STARTED = new Date('2026-11-22T10:00:00.000Z');
const FOLDER = '2026-11-22T10-00-00.000Z-journey';

let dir: string;
let logged: { level: string; message: string; fields?: Record<string, unknown> }[];
const logger: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => logged.push({ level: 'warn', message, fields }),
  error: (message, fields) => logged.push({ level: 'error', message, fields }),
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flp-artifacts-'));
  logged = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A trace as Playwright writes it for a failed journey: the CPR in the launch URL. */
const TRACE = zipSync({ 'trace.trace': strToU8('{"type":"before","params":{"url":"http://flp.test/lps/launch?clinic=012345&cpr=2512489996"}}\n') });

/** A page and a context whose screenshot and trace are written by `stop` (after `delayMs`, when given). */
function fakeRun(trace: Uint8Array | string, options: { delayMs?: number; deadlineMs?: number } = {}) {
  let stopped: Promise<void> = Promise.resolve();
  const page = { screenshot: async ({ path: file }: { path: string }) => writeFile(file, 'png') } as unknown as Page;
  const context = {
    newCDPSession: () => Promise.reject(new Error('no CDP in a fake')),
    tracing: {
      stop: ({ path: file }: { path: string }) => {
        stopped = new Promise<void>((resolve) => setTimeout(resolve, options.delayMs ?? 0)).then(() => writeFile(file, trace));
        return stopped;
      },
    },
  } as unknown as BrowserContext;
  const run = { page, context, tracing: true, started: STARTED, deadline: performance.now() + (options.deadlineMs ?? 2_000), cpr: CPR };
  return { run, stopped: () => stopped };
}

describe('the artifacts of a failed run', () => {
  it('keeps the trace with the CPR masked in it', async () => {
    const { run } = fakeRun(TRACE);
    const evidence: Evidence[] = [];
    const kept = await keepArtifacts(dir, logger, run, evidence);
    expect(kept).toEqual([`${FOLDER}/screenshot.png`, `${FOLDER}/trace.zip`]);
    const entries = unzipSync(await readFile(path.join(dir, FOLDER, 'trace.zip')));
    expect(Buffer.from(entries['trace.trace']!).toString()).toContain('cpr=251248xxxx');
    expect(Buffer.from(entries['trace.trace']!).toString()).not.toContain(CPR);
    expect(evidence).toEqual([]);
  });

  it('deletes a trace it cannot mask the CPR in, keeps the screenshot, and logs why', async () => {
    const { run } = fakeRun(`PK, but cut short: cpr=${CPR}`);
    const kept = await keepArtifacts(dir, logger, run, []);
    expect(kept).toEqual([`${FOLDER}/screenshot.png`]);
    expect(existsSync(path.join(dir, FOLDER, 'trace.zip'))).toBe(false);
    expect(logged).toEqual([{ level: 'warn', message: 'journey: trace of the failed run deleted, as the CPR could not be masked in it', fields: { error: expect.any(String) } }]);
  });

  it('deletes a trace that Playwright writes after the deadline gave up on it', async () => {
    const { run, stopped } = fakeRun(TRACE, { delayMs: 800, deadlineMs: 400 });
    const kept = await keepArtifacts(dir, logger, run, []);
    expect(kept).toEqual([`${FOLDER}/screenshot.png`]);
    expect(logged.map((l) => l.message)).toEqual(['journey: no trace of the failed run']);
    // when Playwright has written it after all
    await stopped();
    await expect.poll(() => existsSync(path.join(dir, FOLDER, 'trace.zip'))).toBe(false);
  });
});
