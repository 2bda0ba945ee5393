/**
 * The scheduled loop behind `start` and `run`: each probe group on its own interval, never
 * overlapping itself, with a live status table on a terminal (plain lines otherwise), until
 * Ctrl-C.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../core/config.ts';
import { alarmPolicy, type AlarmPolicy } from '../alarms/policy.ts';
import { evaluatePolicy, RecentMetrics, type CompositeStatus, type Evaluation } from '../alarms/evaluator.ts';
import { LocalStore } from '../adapters/local-store.ts';
import { intervalSeconds, type ProbeGroup } from '../core/contract.ts';
import { journeyRecheckSeconds, nextRunSeconds } from '../core/recheck.ts';
import type { Monitor } from '../runtime/monitor.ts';
import { cliMonitor } from '../runtime/cli-monitor.ts';
import { PageNotifier, type SentNotification } from '../runtime/page-notifier.ts';
import { ReleaseWatch } from '../runtime/release-verification.ts';
import { createLocalHistory } from '../adapters/local-history.ts';
import { ReleaseStore } from '../adapters/release-store.ts';
import { LocalWindowStore } from '../adapters/window-store.ts';
import { resultsTable, verdictLine } from './output.ts';
import { styleOf, type Io } from './io.ts';
import { paint } from './terminal.ts';

export interface ScheduleOptions {
  /** Lines shown above the table (the sandbox's addresses, how to inject a fault). */
  header?: string[];
  /** Stops the loop; when absent, SIGINT and SIGTERM stop it. */
  signal?: AbortSignal;
  /** Redraw a full-screen table (default: when stdout is a terminal). */
  live?: boolean;
}

/** What the loops share while the schedule runs. */
interface Running {
  config: Config;
  io: Io;
  policy: AlarmPolicy;
  recent: RecentMetrics;
  monitor: Monitor;
  notifier: PageNotifier;
  watch: ReleaseWatch;
  signal: AbortSignal;
  live: boolean;
  /** Pages being delivered: waited for at the end. */
  sends: Set<Promise<void>>;
  /** The last page sent, for the live table. */
  last: { sent: SentNotification | null };
  render: (group: ProbeGroup, monitorNow: Monitor, evaluation: Evaluation) => void;
}

export async function runSchedule(config: Config, io: Io, options: ScheduleOptions): Promise<number> {
  const parts = await startParts(config, io);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (!options.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else options.signal.addEventListener('abort', onSignal, { once: true });
  const live = options.live ?? styleOf(io).terminal;
  const last = { sent: null as SentNotification | null };
  const run: Running = { config, io, ...parts, signal: stop.signal, live, sends: new Set(), last, render: renderer(config, io, options, live, last) };
  if (!live) for (const h of options.header ?? []) io.out(`${h}\n`);

  const loops = Promise.all([...parts.monitor.groups().map((group) => groupLoop(run, group)), verifyLoop(run)]);
  // After Ctrl-C, a run in flight gets a moment to finish and be recorded; a journey stuck
  // on a hung target is not waited for.
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await Promise.race([loops, stopped.then(() => sleep(3000))]);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await parts.monitor.close();
    // A page being delivered finishes (its retries are bounded); it is already in the store.
    await Promise.allSettled([...run.sends]);
  }
  return 0;
}

/** The monitor, the alarm policy over what it writes, the notifier and the release watch. */
async function startParts(config: Config, io: Io): Promise<Pick<Running, 'policy' | 'recent' | 'monitor' | 'notifier' | 'watch'>> {
  // The production alarm policy at the schedule's own pace (no 60 s floor), evaluated over
  // what this process writes, seeded with the store's recent past.
  const policy = alarmPolicy(config, { minPeriodSeconds: 1 });
  const recent = new RecentMetrics(policy);
  const history = await new LocalStore(config.store.dir).read({ from: new Date(Date.now() - recent.windowMs) });
  recent.add(history.records, new Date());
  const monitor = cliMonitor(config, [{ write: async (records) => recent.add(records, new Date()) }]);
  // Pages go out when a paging composite changes state, as the deployed notifier sends them.
  const store = new LocalStore(config.store.dir);
  const windows = new LocalWindowStore(config.store.dir);
  const toStoreAndEvaluator = {
    write: async (records: Parameters<typeof store.append>[0]) => {
      recent.add(records, new Date());
      await store.append(records);
    },
  };
  const notifier = await PageNotifier.create(config, policy, { record: (records) => toStoreAndEvaluator.write(records), windows });
  // A release window that ends is verified by the monitor itself; a verified version is expected from then on.
  const watch = new ReleaseWatch({ config, monitor, windows, releases: new ReleaseStore(config.store.dir), history: createLocalHistory(config, { store }), sinks: [toStoreAndEvaluator], notifier });
  await watch.start().catch((e: Error) => io.err(`flp-monitor: the release store could not be read: ${e.message}\n`));
  return { policy, recent, monitor, notifier, watch };
}

/** Draws a run: the live table on a terminal, else a line per run and per alarm that changes state (as SNS would say it). */
function renderer(config: Config, io: Io, options: ScheduleOptions, live: boolean, last: Running['last']): Running['render'] {
  const style = styleOf(io);
  let lastStates = new Map<string, string>();
  return (group, monitorNow, evaluation) => {
    const time = new Date().toLocaleTimeString('en-GB', { hour12: false });
    if (live) {
      const v = monitorNow.verdict();
      const lines = [
        `flp-monitor · ${config.environment} · ${time}`,
        ...(options.header ?? []),
        '',
        paint(style, v.ok, verdictLine(v)),
        '',
        resultsTable(monitorNow.latest(), style.width),
        '',
        ...alarmLines(evaluation),
        ...(last.sent ? [notificationLine(last.sent, 'last page: ')] : []),
        '',
        `schedule: journey every ${config.schedule.journeySeconds} s${journeyRecheckSeconds(config) ? ` (after ${config.schedule.journeyRecheckSeconds} s while failing)` : ''}, sync every ${config.schedule.syncSeconds} s, nodes every ${config.schedule.nodesSeconds} s · store ${config.store.dir} · Ctrl-C to stop`,
      ];
      // Cursor home and clear screen: terminal control, not colour, so NO_COLOR keeps it.
      io.out(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
    } else {
      io.out(`${time} ${group.padEnd(7)} ${verdictLine(monitorNow.verdict())}\n`);
      // Plain output says when an alarm changes state, as SNS would.
      const states = new Map(evaluation.composites.map((c) => [c.spec.id, stateWord(c)]));
      for (const c of evaluation.composites) {
        const now = states.get(c.spec.id)!;
        if (now !== (lastStates.get(c.spec.id) ?? 'OK')) io.out(`${time} alarm   ${describeComposite(c)}\n`);
      }
      lastStates = states;
    }
  };
}

/** One probe group on its interval, never overlapping itself: run, tell the notifier, evaluate the alarms, draw. */
async function groupLoop({ config, io, policy, recent, monitor, notifier, signal, live, sends, last, render }: Running, group: ProbeGroup): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    let nextSeconds = intervalSeconds(config, group);
    try {
      const results = await monitor.runGroup(group);
      // A failing journey is re-checked after schedule.journeyRecheckSeconds, as the deployment's re-check schedule does.
      nextSeconds = nextRunSeconds(config, group, results);
      if (!signal.aborted) {
        notifier.observe(results);
        const evaluation = evaluatePolicy(policy, recent.records, new Date());
        render(group, monitor, evaluation);
        // Delivery (with its retries) runs beside the probes, never delaying the next run.
        const sending = notifier.evaluate(evaluation, monitor.latest()).then(
          (sent) => {
            for (const n of sent) {
              last.sent = n;
              if (!live) io.out(`${new Date().toLocaleTimeString('en-GB', { hour12: false })} notify  ${notificationLine(n)}\n`);
            }
          },
          (e: Error) => io.err(`flp-monitor: a notification could not be sent or kept: ${e.message}\n`),
        );
        sends.add(sending);
        void sending.finally(() => sends.delete(sending));
      }
    } catch (e) {
      io.err(`flp-monitor: the ${group} run failed inside the monitor: ${(e as Error).message}\n`);
    }
    const wait = Math.max(0, nextSeconds * 1000 - (Date.now() - started));
    await sleep(wait, undefined, { signal }).catch(() => undefined);
  }
}

/** Every few seconds: has a release window ended? Its verification runs beside the probes. */
async function verifyLoop({ config, io, watch, signal, live, last }: Running): Promise<void> {
  const every = Math.max(1, Math.min(config.schedule.nodesSeconds, config.schedule.syncSeconds, 30)) * 1000;
  while (!signal.aborted) {
    try {
      for (const v of await watch.tick(signal)) {
        const time = new Date().toLocaleTimeString('en-GB', { hour12: false });
        for (const n of v.sent) {
          last.sent = n;
          if (!live) io.out(`${time} release ${notificationLine(n)}\n`);
        }
        for (const e of v.errors) io.err(`flp-monitor: the release verdict could not be recorded in a sink: ${e.message}\n`);
      }
    } catch (e) {
      if (!signal.aborted) io.err(`flp-monitor: ${(e as Error).message}\n`);
    }
    await sleep(every, undefined, { signal }).catch(() => undefined);
  }
}

/** A sent notification in one line: its kind, subject and what each channel answered. */
function notificationLine(s: SentNotification, prefix?: string): string {
  const at = prefix === undefined ? '' : `${prefix}${new Date(s.notification.at).toLocaleTimeString('en-GB', { hour12: false })} `;
  const answers = s.deliveries.length ? s.deliveries.map((d) => `${d.channel} ${d.ok ? `delivered${d.status ? ` (${d.status})` : ''}` : `FAILED: ${d.error ?? d.status}`}`).join(', ') : 'no channel configured (kept in the store)';
  return `${at}${s.notification.kind} ${s.notification.subject} → ${answers}`;
}

function stateWord(c: CompositeStatus): string {
  return c.state === 'ALARM' ? (c.suppressedBy.length ? 'SUPPRESSED' : 'ALARM') : 'OK';
}

function describeComposite(c: CompositeStatus): string {
  const word = stateWord(c);
  const why = c.state === 'ALARM' ? ` (${c.firing.join(', ')})` : '';
  const held = c.suppressedBy.length ? `, suppressed by ${c.suppressedBy.join(', ')}` : '';
  return `${word} ${c.spec.id} → ${c.spec.owner}: ${c.spec.title}${why}${held}`;
}

/** The alarm section of the live view: what would page whom right now. */
function alarmLines(e: Evaluation): string[] {
  const active = e.composites.filter((c) => c.state === 'ALARM');
  if (!active.length) return ['alarms: none (local evaluation of the production alarm policy)'];
  return ['alarms (local evaluation of the production alarm policy):', ...active.map((c) => `  ${describeComposite(c)}`)];
}
