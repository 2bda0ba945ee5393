/**
 * What a probe function's run leaves behind, part of the handler kit (handler-kit.ts): each
 * failed result's screenshot and trace copied to S3 (and /tmp cleared after, so a warm
 * container's disk does not fill up), and the group's latest results for the notifier
 * (`latest/<environment>/<group>.json`), each failing probe's stretch continued from the last
 * document. Neither ever fails an invocation: what cannot be written is a `monitor` line.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ProbeGroup } from '../core/contract.ts';
import { describeError } from '../core/format.ts';
import { latestMaxAgeMs, nextFailing, type LatestResults } from '../core/latest-results.ts';
import type { ClassifiedResult } from '../core/result.ts';
import { LATEST_IO_TIMEOUT_MS, type GroupState } from './handler-kit.ts';

/**
 * Uploads each failed result's artifacts to S3 (when a bucket is configured) and removes the
 * uploaded local copies, so a warm container's /tmp does not fill up. Returns, per result,
 * the S3 URIs, or the local paths when there is no bucket or an upload failed.
 */
export async function keepArtifacts(state: GroupState, results: readonly ClassifiedResult[], fail: (summary: string) => void): Promise<Map<ClassifiedResult, string[]>> {
  const kept = new Map<ClassifiedResult, string[]>();
  const keep: string[] = [];
  const dir = state.config.artifacts.dir;
  for (const r of results) {
    if (!r.artifacts.length) continue;
    const local = (p: string) => path.join(dir, p);
    if (!state.artifacts) {
      kept.set(r, r.artifacts.map(local));
      continue;
    }
    const { uploaded, failed } = await state.artifacts.upload(state.config.environment, dir, r.artifacts);
    const byPath = new Map(uploaded.map((u) => [u.path, u.uri]));
    kept.set(r, r.artifacts.map((p) => byPath.get(p) ?? local(p)));
    if (failed.length) fail(`artifacts of ${r.probe} not uploaded to s3://${state.artifacts.bucket}: ${failed.map((f) => `${f.path}: ${f.error}`).join('; ')}`);
    keep.push(...failed.map((f) => f.path.split(/[\\/]/)[0]!));
  }
  // Uploaded, and whatever an earlier attempt of a retried probe left: only what failed to upload stays until the next invocation.
  if (state.artifacts) await clearDir(dir, new Set(keep));
  return kept;
}

/**
 * Writes the group's latest results for the notifier, with each failing probe's stretch
 * continued from the last document: the one in memory while the container is warm, the stored
 * one after a cold start (read once). Never throws: a read or write that fails is reported
 * through `fail` (a `monitor` line), and the stretch goes on in memory.
 */
export async function keepLatest(
  state: GroupState,
  group: ProbeGroup,
  results: readonly ClassifiedResult[],
  kept: ReadonlyMap<ClassifiedResult, string[]>,
  io: { now: () => Date; remainingMs: () => number; fail: (summary: string) => void },
): Promise<void> {
  const store = state.latestStore;
  if (!store) return;
  const { environment } = state.config;
  const budget = () => AbortSignal.timeout(Math.max(1, Math.min(LATEST_IO_TIMEOUT_MS, io.remainingMs() - 1_000)));
  if (state.latest === undefined) {
    try {
      const read = await store.readTagged(environment, group, { abortSignal: budget() });
      state.latest = read.latest;
      state.latestEtag = read.etag;
    } catch (err) {
      state.latest = null;
      io.fail(`latest results of ${group} not read (failing stretches start afresh): ${describeError(err)}`);
    }
  }
  const now = io.now();
  const latest: LatestResults = {
    group,
    at: now.toISOString(),
    results: results.map((r) => ({ ...r, artifacts: kept.get(r) ?? [] })),
    failing: nextFailing(state.latest, results, { now, maxGapMs: latestMaxAgeMs(state.config, group) }),
  };
  // Counted on in memory even when the write fails: the next run continues from here.
  state.latest = latest;
  try {
    // Conditional on what this container last read or wrote: a run that started later and wrote first keeps its document.
    const written = await store.write(environment, latest, { abortSignal: budget(), ...(state.latestEtag !== undefined ? { etag: state.latestEtag } : {}) });
    state.latestEtag = written.etag;
    if (!written.written) {
      state.latest = written.newer;
      state.diagnostics.info('latest results left as they are: a run that started later wrote them first', { group, at: written.newer.at });
    }
  } catch (err) {
    io.fail(`latest results of ${group} not written, the next page says less: ${describeError(err)}`);
  }
}

/** Removes the entries of `dir` except those named in `keep`; a missing directory is fine. */
export async function clearDir(dir: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => !keep.has(n)).map((n) => rm(path.join(dir, n), { recursive: true, force: true }).catch(() => undefined)));
}
