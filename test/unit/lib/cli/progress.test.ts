import { describe, expect, it } from 'vitest';
import { createProgress, renderBar } from '../../../../lib/cli/progress.ts';

function stream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (s: string) => void writes.push(s) };
}

describe('progress on stderr', () => {
  it('draws a bar of the fraction done', () => {
    expect(renderBar(0, 10)).toBe('[░░░░░░░░░░]   0%');
    expect(renderBar(0.5, 10)).toBe('[█████░░░░░]  50%');
    expect(renderBar(1.7, 4)).toBe('[████] 100%');
    expect(renderBar(Number.NaN, 4)).toBe('[░░░░]   0%');
  });

  it('on a terminal, redraws the bar in place and keeps lines above it', () => {
    const s = stream(true);
    let done = 0;
    const p = createProgress(s, { title: 'canary', width: 4, tickMs: 0, state: () => ({ fraction: done / 2, label: `${done}/2 runs` }) });
    done = 1;
    p.update();
    p.line('run 2/2: FAIL sync / PLSP');
    p.done();
    expect(s.writes).toEqual([
      '\r\x1b[2Kcanary [░░░░]   0% 0/2 runs',
      '\r\x1b[2Kcanary [██░░]  50% 1/2 runs',
      '\r\x1b[2K',
      'run 2/2: FAIL sync / PLSP\n',
      '\r\x1b[2Kcanary [██░░]  50% 1/2 runs',
      '\r\x1b[2K',
    ]);
    p.update();
    expect(s.writes).toHaveLength(6);
  });

  it('keeps the bar within the terminal width, so it never wraps', () => {
    const s = stream(true, 20);
    createProgress(s, { title: 'canary 2026.4.1', width: 10, tickMs: 0, state: () => ({ fraction: 0, label: 'a long label' }) }).done();
    expect(s.writes[0]).toBe('\r\x1b[2Kcanary 2026.4.1 [░…');
  });

  it('when not a terminal, writes plain lines only', () => {
    const s = stream(false);
    const p = createProgress(s, { title: 'canary', state: () => ({ fraction: 0.5, label: 'x' }) });
    p.update();
    p.line('run 1/2: pass (1.2 s)');
    p.done();
    expect(s.writes).toEqual(['run 1/2: pass (1.2 s)\n']);
  });

  it('ticks while nothing else happens, so the elapsed time moves', async () => {
    const s = stream(true);
    const p = createProgress(s, { title: 't', tickMs: 10, state: () => ({ fraction: 0, label: '' }) });
    await new Promise((r) => setTimeout(r, 55));
    p.done();
    expect(s.writes.length).toBeGreaterThanOrEqual(3);
  });
});
