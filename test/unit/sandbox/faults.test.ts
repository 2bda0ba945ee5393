import { describe, expect, it } from 'vitest';
import { FaultError, FaultState, resolveFault } from '../../../sandbox/faults.ts';
import { buildPdf } from '../../../sandbox/pdf.ts';
import { previousVersion } from '../../../sandbox/world.ts';

const targets = { nodes: ['flp-1', 'flp-2', 'flp-3'], sources: ['lab', 'diagnoses'] };

describe('sandbox fault parameters', () => {
  it('fills in the documented defaults', () => {
    expect(resolveFault('node-down', {}, targets)).toMatchObject({ name: 'node-down', node: 'flp-2' });
    expect(resolveFault('version-drift', {}, targets)).toMatchObject({ node: 'flp-3' });
    expect(resolveFault('sync-stale', {}, targets)).toMatchObject({ source: 'lab' });
    expect(resolveFault('slow', {}, targets)).toMatchObject({ ms: 2000 });
    expect(resolveFault('dns', {}, targets)).not.toHaveProperty('node');
  });

  it('falls back to a node that exists when the sandbox has other node names', () => {
    const custom = { nodes: ['app-a', 'app-b'], sources: ['lab'] };
    expect(resolveFault('node-down', {}, custom).node).toBe('app-b');
    expect(resolveFault('version-drift', {}, custom).node).toBe('app-b');
  });

  it('refuses unknown faults, targets and parameters a fault does not take, with a sentence saying what is valid', () => {
    expect(() => resolveFault('disk-full', {}, targets)).toThrow(FaultError);
    expect(() => resolveFault('disk-full', {}, targets)).toThrow(/valid faults are: node-down, lb-502/);
    expect(() => resolveFault('node-down', { node: 'flp-7' }, targets)).toThrow('fault node-down: unknown node "flp-7"; nodes are: flp-1, flp-2, flp-3');
    expect(() => resolveFault('sync-failed', { source: 'xray' }, targets)).toThrow('fault sync-failed: unknown source "xray"; sources are: lab, diagnoses');
    expect(() => resolveFault('lb-502', { node: 'flp-1' }, targets)).toThrow(/takes no node/);
    expect(() => resolveFault('db-down', { ms: 5 }, targets)).toThrow(/takes no ms/);
    expect(() => resolveFault('slow', { ms: -1 }, targets)).toThrow(/between 0 and 600000/);
  });

  it('replaces a fault set again for the same target and keeps faults for different targets', () => {
    const state = new FaultState(targets);
    let changes = 0;
    state.onChange(() => changes++);
    state.set('slow', { ms: 100 });
    state.set('slow', { ms: 300 });
    state.set('node-down', { node: 'flp-1' });
    state.set('node-down', { node: 'flp-3' });
    expect(state.list().map((f) => [f.name, f.node ?? f.ms])).toEqual([
      ['slow', 300],
      ['node-down', 'flp-1'],
      ['node-down', 'flp-3'],
    ]);
    expect(state.has('node-down', { node: 'flp-2' })).toBe(false);
    state.remove('node-down');
    expect(state.list().map((f) => f.name)).toEqual(['slow']);
    state.clear();
    expect(state.list()).toEqual([]);
    expect(changes).toBe(6);
  });
});

describe('sandbox helpers', () => {
  it('reports the previous patch version under version-drift', () => {
    expect(previousVersion('2026.4.1')).toBe('2026.4.0');
    expect(previousVersion('2026.4.0')).toBe('2026.4.0-previous');
  });

  it('builds a PDF whose cross-reference offsets point at its objects', () => {
    const pdf = buildPdf('Forløbsplan', ['Patient: CPR 251248-xxxx', 'Klinik: (012345)']).toString('latin1');
    expect(pdf.startsWith('%PDF-1.4\n')).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
    expect(pdf.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...pdf.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(5);
    offsets.forEach((offset, i) => expect(pdf.slice(offset, offset + 8)).toBe(`${i + 1} 0 obj\n`));
    expect(pdf).toContain('(Forl\\370bsplan) Tj');
  });
});
