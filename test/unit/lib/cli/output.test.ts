/**
 * Tables for people: cut to a terminal's width there, whole everywhere else (a pipe, a file, a
 * CI log), so nothing a user greps for is lost to an assumed width.
 */
import { describe, expect, it } from 'vitest';
import { resultsTable } from '../../../../lib/cli/output.ts';
import type { ClassifiedResult } from '../../../../lib/core/result.ts';

const summary = `sync lab failed: ${'the status endpoint answered with a body that is not the contract shape; '.repeat(5)}`.trim();

const row = (over: Partial<ClassifiedResult> = {}): ClassifiedResult => ({
  probe: 'sync:lab',
  kind: 'sync',
  target: 'http://sync.example.test/sync/lab/status',
  ok: false,
  startedAt: '2026-11-22T10:00:00Z',
  durationMs: 12,
  attempts: 1,
  steps: [],
  evidence: [],
  error: null,
  artifacts: [],
  observations: {},
  class: 'sync',
  owner: 'PLSP',
  summary,
  ...over,
});

describe('the results table', () => {
  it('keeps a 300-character summary whole when stdout is not a terminal', () => {
    expect(summary.length).toBeGreaterThanOrEqual(300);
    const table = resultsTable([row()], undefined);
    const line = table.split('\n')[2]!;
    expect(line.endsWith(summary)).toBe(true);
    expect(table).not.toContain('…');
  });

  it('cuts the summary to fit a terminal, with an ellipsis', () => {
    const line = resultsTable([row()], 100).split('\n')[2]!;
    expect(line.length).toBeLessThanOrEqual(100);
    expect(line).toMatch(/^sync:lab +FAIL +sync +PLSP +12 ms +sync lab failed: .*…$/);
  });
});
