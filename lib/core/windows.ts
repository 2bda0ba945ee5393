/**
 * Maintenance windows set at run time (`flp-monitor window add|end|remove`), beside the config's
 * `maintenance.*`: a release or other planned work, with its planned start and end, the reason,
 * the release it installs and whose work it is, and when it was closed early (`window end`).
 * Pure: the list comes in and goes out; the local store and the deployment's S3 state keep it
 * (lib/adapters/window-store*.ts), every probe run reads it.
 */
import { z } from 'zod';
import type { Config } from './config.ts';
import { windowsBetween, type MaintenanceWindow } from './maintenance.ts';

const ISO = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time');

export const runtimeWindowSchema = z.strictObject({
  /** `w-20261201-0100-ab12`: its planned start, and four characters to tell two apart. */
  id: z.string().regex(/^w-[0-9a-z-]+$/),
  start: ISO,
  /** The planned end. */
  end: ISO,
  reason: z.string().min(1),
  /** The version the window installs: at its end the monitor verifies every server runs it. */
  release: z.string().min(1).optional(),
  /** Whose work it is (an owner name); overrun time is charged to it. Default: release windows KiAP's release owner, others the infrastructure owner. */
  owner: z.string().min(1).optional(),
  /** When `window end` closed it, if before its planned end. */
  endedAt: ISO.optional(),
  createdAt: ISO,
});

export type RuntimeWindow = z.output<typeof runtimeWindowSchema>;

/** The S3 prefix of a deployment's state in the artifacts bucket; its lifecycle never expires it. */
export const STATE_PREFIX = 'state/';

/** The run-time windows of a deployment in the artifacts bucket: `state/<environment>/windows.json`. */
export function windowsKey(environment: string): string {
  return `${STATE_PREFIX}${environment}/windows.json`;
}

/** Where a window stands at `at`: not begun, open, or over (closed early, cancelled before it began, or past its planned end). */
export type WindowStatus = 'planned' | 'open' | 'ended';

/** `end` is the actual end ({@link actualEnd} of a run-time window). */
export function windowStatus(w: { start: Date | string; end: Date }, at: Date): WindowStatus {
  const start = new Date(w.start).getTime();
  const end = w.end.getTime();
  if (end <= at.getTime() || end <= start) return 'ended';
  return start > at.getTime() ? 'planned' : 'open';
}

export const windowListSchema = z.array(runtimeWindowSchema);

/** Reads a stored list; throws naming what is wrong (the store's file or object). */
export function parseWindowList(raw: unknown, where: string): RuntimeWindow[] {
  const result = windowListSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new Error(`${where}: not a list of maintenance windows (${first.path.join('.') || '(root)'}: ${first.message})`);
  }
  return result.data;
}

/** When the window actually ends (or ended): closed early, or its planned end. */
export function actualEnd(w: RuntimeWindow): Date {
  const planned = new Date(w.end);
  return w.endedAt && Date.parse(w.endedAt) < planned.getTime() ? new Date(w.endedAt) : planned;
}

/** The window's owner: its own, else the owner of the class its work would be paged as (a release: `release`; other work: `infrastructure`). */
export function windowOwner(w: Pick<RuntimeWindow, 'owner' | 'release'>, owners: Config['owners']): string {
  return w.owner ?? (w.release ? owners.release : owners.infrastructure);
}

export interface NewWindow {
  start: Date;
  end: Date;
  reason: string;
  release?: string;
  owner?: string;
}

/** Adds a window; throws naming the problem (end not after start, an end already past). */
export function addWindow(list: readonly RuntimeWindow[], input: NewWindow, now: Date, random: () => number = Math.random): { list: RuntimeWindow[]; window: RuntimeWindow } {
  if (Number.isNaN(input.start.getTime())) throw new Error('--start: not a time');
  if (Number.isNaN(input.end.getTime())) throw new Error('--end: not a time');
  if (input.end <= input.start) throw new Error(`--end ${input.end.toISOString()} is not after --start ${input.start.toISOString()}`);
  if (input.end <= now) throw new Error(`--end ${input.end.toISOString()} has already passed`);
  if (!input.reason.trim()) throw new Error('--reason: say why (it is shown in every held-back page and in the SLA report)');
  const stamp = input.start.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  const taken = new Set(list.map((w) => w.id));
  let id = '';
  // Four random characters; a random source that keeps repeating itself gets a counter instead.
  for (let i = 0; !id || taken.has(id); i++) {
    const tail = i < 100 ? Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0').slice(-4) : `x${i}`;
    id = `w-${stamp}-${tail}`;
  }
  const window: RuntimeWindow = {
    id,
    start: input.start.toISOString(),
    end: input.end.toISOString(),
    reason: input.reason.trim(),
    ...(input.release ? { release: input.release } : {}),
    ...(input.owner ? { owner: input.owner } : {}),
    createdAt: now.toISOString(),
  };
  return { list: [...list, window], window };
}

/**
 * Closes a window early: the one named, or the one open now. A window that has not begun is
 * closed at its start (it never opens). Throws when there is none, when more than one is open
 * and none is named, and when the window is already over.
 */
export function endWindow(list: readonly RuntimeWindow[], id: string | undefined, now: Date): { list: RuntimeWindow[]; window: RuntimeWindow } {
  const open = list.filter((w) => Date.parse(w.start) <= now.getTime() && actualEnd(w) > now);
  if (!id && open.length > 1) throw new Error(`${open.length} windows are open now (${open.map((w) => w.id).join(', ')}): say which to end`);
  const target = id ? list.find((w) => w.id === id) : open[0];
  if (!target) throw new Error(id ? `no window ${id} (window list shows them)` : 'no window is open now (window list shows them)');
  if (actualEnd(target) <= now) throw new Error(`window ${target.id} already ended at ${actualEnd(target).toISOString()}`);
  const ended: RuntimeWindow = { ...target, endedAt: (Date.parse(target.start) > now.getTime() ? new Date(target.start) : now).toISOString() };
  return { list: list.map((w) => (w.id === target.id ? ended : w)), window: ended };
}

/** Removes a window; throws when there is no such window. */
export function removeWindow(list: readonly RuntimeWindow[], id: string): { list: RuntimeWindow[]; window: RuntimeWindow } {
  const target = list.find((w) => w.id === id);
  if (!target) throw new Error(`no window ${id} (window list shows them)`);
  return { list: list.filter((w) => w.id !== id), window: target };
}

/** A window as the maintenance module's windows are (start, actual end, reason). */
export function asMaintenanceWindow(w: RuntimeWindow): MaintenanceWindow {
  return { start: new Date(w.start), end: actualEnd(w), reason: w.reason, recurring: false };
}

/** Every window, config and run-time, overlapping `[from, to)`, oldest first. */
export function allWindowsBetween(maintenance: Config['maintenance'], runtime: readonly RuntimeWindow[], from: Date, to: Date): MaintenanceWindow[] {
  const extra = runtime.map(asMaintenanceWindow).filter((w) => w.start < to && w.end > from);
  return [...windowsBetween(maintenance, from, to), ...extra].sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The window open at `at`, config or run-time, or null. */
export function openWindow(maintenance: Config['maintenance'], runtime: readonly RuntimeWindow[], at: Date): MaintenanceWindow | null {
  return allWindowsBetween(maintenance, runtime, at, new Date(at.getTime() + 1))[0] ?? null;
}

/**
 * The windows that may have overrun by `at`: config and run-time windows with their planned end,
 * ending within `lookbackMs` before `at` (or later). A run-time window closed early by `window
 * end` was declared done, so what follows it is no overrun: it is left out.
 */
export function plannedWindowsBefore(maintenance: Config['maintenance'], runtime: readonly RuntimeWindow[], at: Date, lookbackMs: number): MaintenanceWindow[] {
  const from = new Date(at.getTime() - lookbackMs);
  const planned = runtime
    .filter((w) => !w.endedAt || Date.parse(w.endedAt) >= Date.parse(w.end))
    .map((w): MaintenanceWindow => ({ start: new Date(w.start), end: new Date(w.end), reason: w.reason, recurring: false }))
    .filter((w) => w.start < at && w.end > from);
  return [...windowsBetween(maintenance, from, at), ...planned];
}
