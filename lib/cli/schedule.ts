/**
 * The scheduled loop behind `start` and `run`: each probe group on its own interval, never
 * overlapping itself, with a live status table on a terminal (plain lines otherwise), until
 * Ctrl-C.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.ts';
import type { Monitor, ProbeGroup } from '../monitor.ts';
import { resultsTable, verdictLine } from './output.ts';
import { cliMonitor, type Io } from './run.ts';

export interface ScheduleOptions {
  /** Lines shown above the table (the sandbox's addresses, how to inject a fault). */
  header?: string[];
  /** Stops the loop; when absent, SIGINT and SIGTERM stop it. */
  signal?: AbortSignal;
  /** Redraw a full-screen table (default: when stdout is a terminal). */
  live?: boolean;
}

function intervalOf(config: Config, group: ProbeGroup): number {
  const s = config.schedule;
  return (group === 'journey' ? s.journeySeconds : group === 'sync' ? s.syncSeconds : s.nodesSeconds) * 1000;
}

export async function runSchedule(config: Config, io: Io, options: ScheduleOptions): Promise<number> {
  const monitor = cliMonitor(config);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (!options.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else options.signal.addEventListener('abort', onSignal, { once: true });
  const live = options.live ?? !!process.stdout.isTTY;
  const render = (group: ProbeGroup, monitorNow: Monitor) => {
    const time = new Date().toLocaleTimeString('en-GB', { hour12: false });
    if (live) {
      const v = monitorNow.verdict();
      const lines = [
        `flp-monitor · ${config.environment} · ${time}`,
        ...(options.header ?? []),
        '',
        colour(v.ok, verdictLine(v)),
        '',
        resultsTable(monitorNow.latest(), process.stdout.columns ?? 160),
        '',
        `schedule: journey every ${config.schedule.journeySeconds} s, sync every ${config.schedule.syncSeconds} s, nodes every ${config.schedule.nodesSeconds} s · store ${config.store.dir} · Ctrl-C to stop`,
      ];
      io.out(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
    } else {
      io.out(`${time} ${group.padEnd(7)} ${verdictLine(monitorNow.verdict())}\n`);
    }
  };
  if (!live) for (const h of options.header ?? []) io.out(`${h}\n`);

  const loop = async (group: ProbeGroup) => {
    while (!stop.signal.aborted) {
      const started = Date.now();
      try {
        await monitor.runGroup(group);
        if (!stop.signal.aborted) render(group, monitor);
      } catch (e) {
        io.err(`flp-monitor: the ${group} run failed inside the monitor: ${(e as Error).message}\n`);
      }
      const wait = Math.max(0, intervalOf(config, group) - (Date.now() - started));
      await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  };
  const loops = Promise.all(monitor.groups().map(loop));
  // After Ctrl-C, a run in flight gets a moment to finish and be recorded; a journey stuck
  // on a hung target is not waited for.
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await Promise.race([loops, stopped.then(() => sleep(3000))]);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await monitor.close();
  }
  return 0;
}

function colour(ok: boolean, text: string): string {
  return ok ? `\x1b[32m${text}\x1b[0m` : `\x1b[1;31m${text}\x1b[0m`;
}
