/**
 * Percentiles for reports (the canary's baseline and verdict, the SLA report's latency and lag):
 * one convention for both, p in percent (50, 95). Nearest rank, so every figure is a value that
 * was measured (no interpolation between two runs), weighted by how many runs a data point
 * stands for (1 for a raw run, SampleCount for a CloudWatch point).
 */

export interface Weighted {
  value: number;
  /** How many samples the value stands for (1 for a raw run). */
  weight: number;
}

/**
 * The `p`-th percentile (0 < p ≤ 100) by nearest rank: the smallest value with at least p % of
 * the total weight at or below it. Null when there is no weight.
 */
export function percentile(points: readonly Weighted[], p: number): number | null {
  const usable = points.filter((x) => x.weight > 0 && Number.isFinite(x.value));
  const totalWeight = usable.reduce((s, x) => s + x.weight, 0);
  if (!totalWeight) return null;
  const sorted = [...usable].sort((a, b) => a.value - b.value);
  const rank = (p / 100) * totalWeight;
  let seen = 0;
  for (const x of sorted) {
    seen += x.weight;
    // A tolerance for weights that are sums of fractions.
    if (seen >= rank - 1e-9) return x.value;
  }
  return sorted.at(-1)!.value;
}

/** The largest value with weight; null when there is none. */
export function maximum(points: readonly Weighted[]): number | null {
  let best: number | null = null;
  for (const x of points) if (x.weight > 0 && Number.isFinite(x.value) && (best === null || x.value > best)) best = x.value;
  return best;
}
