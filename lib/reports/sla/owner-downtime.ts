/**
 * Whose downtime it was: each failing cell's down time is split among its failures by the runs
 * each stands for and laid at their owners' doors, inside counted time only. Per owner the
 * report gives the journey's downtime (what users felt) and the time any service was down
 * because of them, overlaps across services counted once.
 */
import type { Cell, MeasuredCell, Shares } from './cells.ts';
import type { SlaService } from './services.ts';
import { intersect, normalise, total, type Span } from './time.ts';

/** Down time laid at one owner's door. */
export interface OwnerDowntime {
  owner: string;
  /** Down time of the journey (the user-facing service) attributed to this owner. */
  journeyMs: number;
  /** Time in which any service was down because of this owner (overlaps across services counted once). */
  overallMs: number;
}

/** Every service's measured cells and counted time → the downtime of each owner: of the journey, and of any service (overlaps once). */
export function downtimeByOwner(services: readonly SlaService[], measured: readonly (readonly MeasuredCell[])[], counted: readonly Span[]): OwnerDowntime[] {
  const spansByOwner = new Map<string, Span[]>();
  const journeyByOwner = new Map<string, number>();
  services.forEach((service, i) => {
    for (const { cell, share } of measured[i]!) {
      if (cell.failed <= 0) continue;
      for (const { owner, spans } of ownerSpans(cell, share, counted)) {
        const list = spansByOwner.get(owner);
        if (list) list.push(...spans);
        else spansByOwner.set(owner, [...spans]);
        if (service.kind === 'journey') journeyByOwner.set(owner, (journeyByOwner.get(owner) ?? 0) + total(spans));
      }
    }
  });
  const owners = [...new Set([...spansByOwner.keys(), ...journeyByOwner.keys()])];
  return owners
    .map((owner) => ({ owner, journeyMs: journeyByOwner.get(owner) ?? 0, overallMs: total(normalise(spansByOwner.get(owner) ?? [])) }))
    .filter((o) => o.overallMs > 0 || o.journeyMs > 0)
    .sort((a, b) => b.journeyMs - a.journeyMs || b.overallMs - a.overallMs || a.owner.localeCompare(b.owner));
}

/**
 * A failing cell → whose downtime it was: each failure's share of the cell's down time, laid end
 * to end from the cell's start (so owners of one cell never overlap), cut to counted time.
 * Failures whose part lies wholly outside counted time are left out.
 */
function ownerSpans(cell: Cell, share: Shares, counted: readonly Span[]): { owner: string; spans: Span[] }[] {
  const out: { owner: string; spans: Span[] }[] = [];
  let offset = cell.start;
  for (const f of cell.failures) {
    const fraction = (share.down * f.runs) / cell.failed;
    const length = (cell.end - cell.start) * fraction;
    const spans = intersect(counted, [{ start: offset, end: offset + length }]);
    offset += length;
    if (spans.length) out.push({ owner: f.owner, spans });
  }
  return out;
}
