/**
 * The journey function: the five contract steps in the Lambda Chromium, every
 * `schedule.journeySeconds`; on the re-check rule's event (cdk/journey-recheck.ts), again only
 * while the latest journey fails. Its own parts of the cold start (the target's CA, the one
 * Lambda browser, the means to verify a release, its leases) are built here and handed to the
 * shared cold start (handler-cold-start.ts); its run is the shared one (handler-run.ts), taken
 * under the run lease (journey-leases.ts) and given back before a release whose window ended is
 * verified (journey-release.ts), which has a lease of its own per window.
 */
import { createLambdaBrowser } from '../adapters/lambda-browser.ts';
import { createLatestResultsStore, isLatestResults, type S3LatestResultsStore } from '../adapters/latest-results-s3.ts';
import type { HeldLease } from '../adapters/s3-lease.ts';
import { verdictOf } from '../core/classify.ts';
import { DEFAULT_OWNERS, type Config } from '../core/config.ts';
import { describeError } from '../core/format.ts';
import { anyFailed, isRecheckEvent } from '../core/recheck.ts';
import { coldStart, type JourneyStart } from './handler-cold-start.ts';
import { loadHandlerConfig } from './handler-config.ts';
import { HANDLER_ENV } from './handler-env.ts';
import { LATEST_IO_TIMEOUT_MS, type Handler, type HandlerKit, type HandlerResult, type LambdaContext } from './handler-kit.ts';
import { beginInvocation, groupResult, runGroup, stateCache, type GroupRun, type StateCache } from './handler-run.ts';
import { giveBack, journeyLeases, skipRun, takeLease } from './journey-leases.ts';
import { createVerification, verifyDue } from './journey-release.ts';
import { readTargetCa } from './journey-trust.ts';

/** The re-check's own light means, kept while the container is warm: the config and the latest-results reader, never the browser. */
interface RecheckMeans {
  config: Config;
  store: S3LatestResultsStore | null;
}

/** Builds the journey function's handler, with its own container state. */
export function createJourneyHandler(kit: HandlerKit): Handler {
  const cache = stateCache(() => coldStart(kit, 'journey', journeyStart(kit)));
  const recheckMeans: { current?: RecheckMeans } = {};
  const run = (context: LambdaContext) => runJourney(kit, cache, context);
  return (event, context) => (isRecheckEvent(event) ? recheck(kit, cache, recheckMeans, context, run) : run(context));
}

/** The journey's own part of the cold start. */
function journeyStart(kit: HandlerKit): JourneyStart {
  return {
    browser: async (config) => {
      // Before the browser unpacks: a missing or empty CA file is a cold-start failure of the monitor, named as such.
      const ca = readTargetCa(config);
      const browser = await (kit.deps.createBrowser ?? createLambdaBrowser)();
      return { browser, ca };
    },
    verification: createVerification,
    leases: journeyLeases,
  };
}

/**
 * One journey run at a time: a run that finds its predecessor's lease still held runs nothing
 * (touches nothing: not /tmp, not the browser). The lease is given back before any verification:
 * a release verification takes minutes, and the next minute's journey need not wait for it.
 */
async function runJourney(kit: HandlerKit, cache: StateCache, context: LambdaContext): Promise<HandlerResult> {
  const invocation = await beginInvocation(kit, 'journey', context, cache);
  const { state, requestId, fail } = invocation;
  let runLease: HeldLease | null = null;
  if (state.leases) {
    const taken = await takeLease(kit, state, state.leases.run, 'journey run', fail);
    if ('heldBy' in taken) return skipRun(kit, state, taken.heldBy, requestId);
    runLease = taken.held;
  }
  let ran: GroupRun;
  try {
    ran = await runGroup(kit, invocation, 'journey');
  } finally {
    if (runLease) await giveBack(kit, state, state.leases!.run, runLease, fail);
  }
  const release = ran.releases ? await verifyDue(kit, state, ran.releases, ran.results, fail, requestId) : undefined;
  return groupResult(state, ran, release);
}

/**
 * The re-check rule's invocation (cdk/journey-recheck.ts): the journey runs again only when
 * its latest result, read from S3 (whichever container wrote it), failed. Otherwise it
 * returns at once: no cold start of the journey's state, so no Chromium is unpacked or
 * launched, one S3 GET. When it cannot tell (no bucket, the read failed), it runs the journey:
 * a re-check too many costs a journey, one too few a late page.
 */
async function recheck(
  kit: HandlerKit,
  cache: StateCache,
  means: { current?: RecheckMeans },
  context: LambdaContext,
  run: (context: LambdaContext) => Promise<HandlerResult>,
): Promise<HandlerResult> {
  const requestId = context?.awsRequestId;
  let reason: string;
  let again = true;
  try {
    means.current ??= recheckMeansOf(kit);
    const { config, store } = means.current;
    if (!store) reason = 'no artifacts bucket, so no latest result to go by';
    else {
      const read = await store.read(config.environment, 'journey', { abortSignal: AbortSignal.timeout(LATEST_IO_TIMEOUT_MS) });
      if (!isLatestResults(read)) {
        again = false;
        reason = 'no latest journey result yet: the scheduled journey comes first';
      } else {
        again = anyFailed(read.results);
        reason = again ? `the latest journey (${read.at}) failed` : `the latest journey (${read.at}) passed`;
        // Fresher than what a warm journey container remembers: its failing stretch goes on from here.
        const warm = cache.started;
        if (warm && (!warm.latest || Date.parse(warm.latest.at) < Date.parse(read.at))) warm.latest = read;
      }
    }
  } catch (err) {
    reason = `the latest journey result could not be read (${describeError(err)}), so the journey runs`;
  }
  const environment = means.current?.config.environment ?? 'unknown';
  if (!again) {
    kit.out.info('journey re-check skipped', { ...(requestId ? { requestId } : {}), environment, summary: reason });
    const owners = means.current?.config.owners ?? DEFAULT_OWNERS;
    return { ok: true, verdict: { ...verdictOf([], owners), summary: `re-check skipped: ${reason}` }, results: [], recheck: 'skipped' };
  }
  kit.out.info('journey re-check', { ...(requestId ? { requestId } : {}), environment, summary: reason });
  return { ...(await run(context)), recheck: 'ran' };
}

function recheckMeansOf({ env, tmpDir }: HandlerKit): RecheckMeans {
  const config = loadHandlerConfig(env, tmpDir);
  const bucket = env[HANDLER_ENV.artifactsBucket];
  const region = env[HANDLER_ENV.region];
  const store = bucket && region ? createLatestResultsStore({ region, bucket, ...(env[HANDLER_ENV.s3Endpoint] ? { endpoint: env[HANDLER_ENV.s3Endpoint] } : {}) }) : null;
  return { config, store };
}
