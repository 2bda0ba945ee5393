/**
 * `notify preview` holds pages back during a run-time maintenance window as during one of the
 * config's: the page a failure would send is listed as held back, naming the window.
 */
import { describe, expect, it } from 'vitest';
import { previewPages } from '../../../../lib/alarms/preview.ts';
import { parseConfig } from '../../../../lib/core/config.ts';
import type { ClassifiedResult } from '../../../../lib/core/result.ts';
import { addWindow } from '../../../../lib/core/windows.ts';
import { rawConfig } from '../../../support/config.ts';

const config = parseConfig(rawConfig());
const at = new Date('2026-12-01T01:30:00Z');
const down: ClassifiedResult = {
  probe: 'node:flp-1', kind: 'node', target: 'https://flp-1.example.test:8443', ok: false, startedAt: at.toISOString(), durationMs: 12, attempts: 2,
  evidence: [{ type: 'network', url: 'https://flp-1.example.test:8443/health', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }], error: 'connection refused', artifacts: [], steps: [], observations: { node: 'flp-1' },
  class: 'infrastructure', owner: 'PLSP', summary: 'flp-1 refused the connection',
};

describe('notify preview and run-time windows', () => {
  it('pages PLSP without a window, and holds the page back while a run-time window is open', () => {
    expect(previewPages(config, [down], at).pages.map((p) => p.owner)).toEqual(['PLSP']);
    const { list } = addWindow([], { start: new Date('2026-12-01T01:00:00Z'), end: new Date('2026-12-01T03:00:00Z'), reason: 'network change' }, new Date('2026-12-01T00:00:00Z'));
    const held = previewPages(config, [down], at, list);
    expect(held.pages).toEqual([]);
    expect(held.heldBack).toEqual([{ class: 'infrastructure', owner: 'PLSP', by: 'maintenance window "network change"' }]);
    expect(previewPages(config, [down], new Date('2026-12-01T03:00:00Z'), list).pages).toHaveLength(1);
  });
});
