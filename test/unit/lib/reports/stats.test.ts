/**
 * The one percentile the reports share (the canary and the SLA report): p in percent, nearest
 * rank, each point weighted by the runs it stands for.
 */
import { describe, expect, it } from 'vitest';
import { maximum, percentile } from '../../../../lib/reports/stats.ts';

describe('percentile', () => {
  const pts = (...values: number[]) => values.map((value) => ({ value, weight: 1 }));

  it('takes the nearest rank: the median of 1..10 is 5, the p95 is 10', () => {
    // given ten runs, one of each value from 1 to 10, in no order
    const runs = pts(10, 1, 9, 2, 8, 3, 7, 4, 6, 5);
    // when / then
    expect(percentile(runs, 50)).toBe(5);
    expect(percentile(runs, 95)).toBe(10);
    expect(percentile(pts(300), 95)).toBe(300);
    expect(percentile([], 50)).toBeNull();
  });

  it('counts a CloudWatch point as the runs behind it', () => {
    // given points that stand for nine runs and for one
    // when / then
    expect(percentile([{ value: 100, weight: 9 }, { value: 900, weight: 1 }], 50)).toBe(100);
    expect(percentile([{ value: 100, weight: 9 }, { value: 900, weight: 1 }], 95)).toBe(900);
    expect(percentile([{ value: 100, weight: 1 }, { value: 900, weight: 9 }], 50)).toBe(900);
  });
});

describe('maximum', () => {
  it('takes the largest value that has weight, and null when none has', () => {
    // given a weightless outlier and two measured values
    const points = [{ value: 5, weight: 1 }, { value: 99, weight: 0 }, { value: 7, weight: 2 }];
    // when / then
    expect(maximum(points)).toBe(7);
    expect(maximum([{ value: 99, weight: 0 }])).toBeNull();
  });
});
