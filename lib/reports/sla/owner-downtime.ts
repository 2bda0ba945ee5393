/**
 * Whose downtime it was: each failing cell's down time is split among its failures by the runs
 * each stands for and laid at their owners' doors, inside counted time only; down time in a
 * maintenance window's overrun (overruns.ts) goes to the window's owner instead, whatever its
 * class. Per owner the report gives the journey's downtime (what users felt) and the time any
 * service was down because of them, overlaps across services counted once, and how much of
 * each was overrun.
 */
import type { MeasuredCell } from './cells.ts';
import { chargedSpans, type OverrunSegment } from './overruns.ts';
import type { SlaService } from './services.ts';
import { normalise, total, type Span } from './time.ts';

/** Down time laid at one owner's door. */
export interface OwnerDowntime {
  owner: string;
  /** Down time of the journey (the user-facing service) attributed to this owner, overruns included. */
  journeyMs: number;
  /** Time in which any service was down because of this owner (overlaps across services counted once), overruns included. */
  overallMs: number;
  /** The part of `journeyMs` that was overrun of this owner's maintenance windows. */
  journeyOverrunMs: number;
  /** The part of `overallMs` that was overrun of this owner's maintenance windows (overlaps counted once). */
  overrunMs: number;
}

/** Every service's measured cells, counted time and overrun segments (per service) → the downtime of each owner: of the journey, and of any service (overlaps once). */
export function downtimeByOwner(
  services: readonly SlaService[],
  measured: readonly (readonly MeasuredCell[])[],
  counted: readonly Span[],
  overruns: readonly (readonly OverrunSegment[])[] = [],
): OwnerDowntime[] {
  const spansByOwner = new Map<string, Span[]>();
  const overrunByOwner = new Map<string, Span[]>();
  const journeyByOwner = new Map<string, number>();
  const journeyOverrunByOwner = new Map<string, number>();
  const add = (map: Map<string, Span[]>, owner: string, spans: readonly Span[]) => {
    const list = map.get(owner);
    if (list) list.push(...spans);
    else map.set(owner, [...spans]);
  };
  services.forEach((service, i) => {
    const segments = overruns[i] ?? [];
    for (const { cell, share } of measured[i]!) {
      if (cell.failed <= 0) continue;
      for (const { owner, spans, overrun } of chargedSpans(cell, share, counted, segments)) {
        add(spansByOwner, owner, spans);
        if (overrun) add(overrunByOwner, owner, spans);
        if (service.kind === 'journey') {
          journeyByOwner.set(owner, (journeyByOwner.get(owner) ?? 0) + total(spans));
          if (overrun) journeyOverrunByOwner.set(owner, (journeyOverrunByOwner.get(owner) ?? 0) + total(spans));
        }
      }
    }
  });
  const owners = [...new Set([...spansByOwner.keys(), ...journeyByOwner.keys()])];
  return owners
    .map((owner) => ({
      owner,
      journeyMs: journeyByOwner.get(owner) ?? 0,
      overallMs: total(normalise(spansByOwner.get(owner) ?? [])),
      journeyOverrunMs: journeyOverrunByOwner.get(owner) ?? 0,
      overrunMs: total(normalise(overrunByOwner.get(owner) ?? [])),
    }))
    .filter((o) => o.overallMs > 0 || o.journeyMs > 0)
    .sort((a, b) => b.journeyMs - a.journeyMs || b.overallMs - a.overallMs || a.owner.localeCompare(b.owner));
}
