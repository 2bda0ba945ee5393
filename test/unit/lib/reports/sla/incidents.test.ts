/**
 * The incident builder on its own: a service's cells in, incidents out. Cells are five-minute
 * intervals with one slot each, as the local store gives them.
 */
import { describe, expect, it } from 'vitest';
import { measureCells, type Cell, type Failure } from '../../../../../lib/reports/sla/cells.ts';
import { incidentStretches, serviceIncidents } from '../../../../../lib/reports/sla/incidents.ts';
import type { SlaService } from '../../../../../lib/reports/sla/services.ts';

const MIN = 60_000;
const journey: SlaService = { id: 'journey', label: 'FLP journey', kind: 'journey', intervalSeconds: 300 };
const always = [{ start: 0, end: 24 * 60 * MIN }];

const failure = (cls: Failure['class'], summary: string, extra: Partial<Failure> = {}): Failure => ({ class: cls, owner: cls ? `${cls} owner` : 'unknown', summary, runs: 1, ...extra });
const passed = (minute: number): Cell => ({ start: minute * MIN, end: (minute + 5) * MIN, slots: 1, passed: 1, failed: 0, failures: [] });
const missing = (minute: number): Cell => ({ ...passed(minute), passed: 0 });
const failed = (minute: number, f: Failure = failure('application', 'page error')): Cell => ({ ...passed(minute), passed: 0, failed: 1, failures: [f] });

describe('incident stretches', () => {
  it('joins consecutive failing intervals into one incident, and a passing interval ends it', () => {
    // given two failures, a pass, then one more failure
    const cells = [passed(0), failed(5), failed(10), passed(15), failed(20)];
    // when
    const stretches = incidentStretches(measureCells(cells, always));
    // then
    expect(stretches.map((s) => [s.cells[0]!.start / MIN, s.cells.at(-1)!.end / MIN, s.downtimeMs / MIN])).toEqual([
      [5, 15, 10],
      [20, 25, 5],
    ]);
  });

  it('lets an interval without runs end an incident: a monitor that was down says nothing', () => {
    // given a failure, an interval nobody measured, another failure
    const cells = [failed(0), missing(5), failed(10)];
    // when
    const stretches = incidentStretches(measureCells(cells, always));
    // then
    expect(stretches.map((s) => s.cells.length)).toEqual([1, 1]);
  });

  it('counts only the downtime in counted time, and keeps an incident wholly outside it with none', () => {
    // given counted time that covers half of the first failing interval and none of the second incident
    const counted = [{ start: 0, end: 2.5 * MIN }];
    const cells = [failed(0), failed(5), passed(10), failed(15)];
    // when
    const stretches = incidentStretches(measureCells(cells, counted));
    // then
    expect(stretches.map((s) => s.downtimeMs / MIN)).toEqual([2.5, 0]);
  });
});

describe('describing an incident', () => {
  it('names the class with the most downtime, its owner and its most frequent summary, and lists the others', () => {
    // given two application failures with one text and one monitor failure
    const cells = [failed(0), failed(5), failed(10, failure('monitor', 'browser crash'))];
    // when
    const [incident] = serviceIncidents(journey, measureCells(cells, always));
    // then
    expect(incident).toMatchObject({ service: 'journey', start: 0, end: 15 * MIN, downtimeMs: 15 * MIN, failedRuns: 3, class: 'application', owner: 'application owner' });
    expect(incident!.summary).toBe('page error (3 failed runs; also monitor ×1)');
    expect(incident!.classes.map((c) => [c.class, c.downtimeMs / MIN, c.failedRuns])).toEqual([
      ['application', 10, 2],
      ['monitor', 5, 1],
    ]);
  });

  it('leads with the root cause when most of the journey failure was a symptom of another service', () => {
    // given a journey failure put under the database's infrastructure failure
    const root = { service: 'node:flp-1', class: 'infrastructure' as const, summary: 'db down' };
    const cells = [failed(0, failure('infrastructure', 'page error', { rootCause: root })), failed(5, failure('infrastructure', 'page error', { rootCause: root }))];
    // when
    const [incident] = serviceIncidents(journey, measureCells(cells, always));
    // then
    expect(incident!.summary).toBe('root cause infrastructure on node:flp-1: db down; the journey saw: page error (2 failed runs)');
  });

  it('says what a CloudWatch incident was reconstructed from', () => {
    // given a period cell with FailureCount evidence instead of run text
    const cell: Cell = { ...failed(0), slots: 1, failures: [failure('sync', '', { failureCounts: { sync: 2, monitor: 1 } })] };
    // when
    const [incident] = serviceIncidents(journey, measureCells([cell], always));
    // then
    expect(incident!.summary).toBe('1 failed run (Success); FailureCount in the same periods: sync 2, monitor 1; taken as sync (reconstructed from CloudWatch)');
  });
});
