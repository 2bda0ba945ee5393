/**
 * What a failed run keeps: a full-page screenshot and the Playwright trace with the CPR masked,
 * in a folder named by time only (never by the patient), within a deadline the run sets.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BrowserContext, Page } from 'playwright';
import type { Logger } from '../../lib/core/context.ts';
import { errorLine } from '../../lib/core/format.ts';
import type { Evidence } from '../../lib/core/result.ts';
import { maskCprInTrace } from '../../lib/core/trace-privacy.ts';
import { withTimeout } from './deadline.ts';

/** Upper bound for taking the screenshot, and for writing the trace, of a failed run. */
const ARTIFACT_TIMEOUT_MS = 5_000;
/** Of the artifact time, kept back for the trace when the screenshot hangs. */
const TRACE_RESERVE_MS = 250;

export interface ArtifactsRun {
  page: Page;
  context: BrowserContext;
  /** Whether the context's tracing was started (and so is to be stopped and saved). */
  tracing: boolean;
  /** When the run started: names the folder. */
  started: Date;
  /** Monotonic time (`performance.now()`) by which both files are written or given up. */
  deadline: number;
  /** The test patient's CPR (`journey.cpr`): masked in the trace before it is kept. */
  cpr: string;
}

/**
 * Keeps a full-page screenshot and the trace of a failed run under `artifactsDir`; returns their
 * paths relative to it. A folder that cannot be made is `monitor` evidence, pushed to `evidence`;
 * a file that cannot be taken in time is logged and left out. The trace is kept only with the CPR
 * masked in it (see {@link maskCprInTrace}): one that cannot be masked, or that Playwright writes
 * after the deadline, is deleted.
 */
export async function keepArtifacts(artifactsDir: string, logger: Logger, run: ArtifactsRun, evidence: Evidence[]): Promise<string[]> {
  const { page, context, tracing, started, deadline, cpr } = run;
  const left = (reserve = 0) => Math.max(0, Math.round(deadline - reserve - performance.now()));
  // The folder is named by time only: never by the patient.
  const folder = `${started.toISOString().replace(/:/g, '-')}-journey`;
  const dir = path.join(artifactsDir, folder);
  const kept: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    evidence.push({ type: 'monitor', message: `could not create the artifacts folder ${dir}: ${errorLine(err)}` });
    if (tracing) await context.tracing.stop().catch(() => undefined);
    return kept;
  }
  try {
    // A navigation still waiting for its server holds a screenshot back: stop loading first.
    await withTimeout(
      context.newCDPSession(page).then((cdp) => cdp.send('Page.stopLoading').finally(() => cdp.detach().catch(() => undefined))),
      Math.min(1_000, left(TRACE_RESERVE_MS)),
    ).catch(() => undefined);
    // Our own bound too: a renderer busy with a huge document lets Playwright's timeout overrun by seconds.
    const budget = Math.min(ARTIFACT_TIMEOUT_MS, left(TRACE_RESERVE_MS));
    if (budget === 0) throw new Error('no time left for it');
    await withTimeout(page.screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true, timeout: Math.max(1, budget) }), budget);
    kept.push(`${folder}/screenshot.png`);
  } catch (err) {
    logger.warn('journey: no screenshot of the failed run', { error: errorLine(err) });
  }
  if (tracing) {
    const file = path.join(dir, 'trace.zip');
    let stopping: Promise<void> | undefined;
    try {
      const budget = Math.min(ARTIFACT_TIMEOUT_MS, left());
      if (budget === 0) throw new Error('no time left for it');
      stopping = context.tracing.stop({ path: file });
      await withTimeout(stopping, budget);
    } catch (err) {
      // Playwright goes on writing a trace our deadline gave up on, and that one holds the CPR:
      // it is deleted as soon as it is written (the run closes the context, so that is soon).
      void stopping?.catch(() => undefined).then(() => rm(file, { force: true })).catch(() => undefined);
      logger.warn('journey: no trace of the failed run', { error: errorLine(err) });
      return kept;
    }
    if (await maskTrace(file, cpr, logger)) kept.push(`${folder}/trace.zip`);
  }
  return kept;
}

/**
 * Rewrites the trace at `file` with `cpr` masked in it; says whether it is kept. A trace that
 * cannot be read, masked or written back is deleted, and the reason logged: a trace with the CPR
 * is never kept, not even left out of the result on disk.
 */
async function maskTrace(file: string, cpr: string, logger: Logger): Promise<boolean> {
  try {
    const trace = await readFile(file);
    const masked = maskCprInTrace(trace, cpr);
    // Written over the original in place: a write that breaks off leaves a part of the masked
    // trace, never the unmasked one beside a masked copy.
    if (masked !== trace) await writeFile(file, masked);
    return true;
  } catch (err) {
    const removed = await rm(file, { force: true }).then(
      () => null,
      (rmErr: unknown) => rmErr,
    );
    if (removed === null) logger.warn('journey: trace of the failed run deleted, as the CPR could not be masked in it', { error: errorLine(err) });
    else logger.error(`journey: trace of the failed run holds the CPR and could not be deleted: delete ${file}`, { error: errorLine(err), deleteError: errorLine(removed) });
    return false;
  }
}
