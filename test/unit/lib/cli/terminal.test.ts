/**
 * What the CLI assumes about stdout: a terminal's width and colour, a pipe's whole lines, and
 * NO_COLOR (https://no-color.org) switching colour off whatever else is true.
 */
import { describe, expect, it } from 'vitest';
import { outputStyle, paint, PLAIN } from '../../../../lib/cli/terminal.ts';

const tty = { isTTY: true, columns: 120 };
const pipe = { isTTY: false, columns: undefined };

describe('the style of stdout', () => {
  it('gives a pipe whole lines and no colour', () => {
    expect(outputStyle(pipe, {})).toEqual({ terminal: false, width: undefined, colour: false });
    expect(outputStyle({}, { FORCE_COLOR: '1' })).toEqual(PLAIN);
  });

  it('gives a terminal its width and colour', () => {
    expect(outputStyle(tty, {})).toEqual({ terminal: true, width: 120, colour: true });
  });

  it('drops colour on a terminal when NO_COLOR is set to anything but the empty string', () => {
    expect(outputStyle(tty, { NO_COLOR: '1' }).colour).toBe(false);
    expect(outputStyle(tty, { NO_COLOR: 'false' }).colour).toBe(false);
    expect(outputStyle(tty, { NO_COLOR: '' }).colour).toBe(true);
    // Width is not colour: a NO_COLOR terminal still gets lines that fit it.
    expect(outputStyle(tty, { NO_COLOR: '1' }).width).toBe(120);
  });

  it('drops colour on a dumb terminal', () => {
    expect(outputStyle(tty, { TERM: 'dumb' }).colour).toBe(false);
  });
});

describe('paint', () => {
  it('colours a verdict only where colour is allowed', () => {
    expect(paint({ terminal: true, width: 80, colour: true }, false, 'FAIL x')).toBe('\x1b[1;31mFAIL x\x1b[0m');
    expect(paint({ terminal: true, width: 80, colour: true }, true, 'OK')).toBe('\x1b[32mOK\x1b[0m');
    expect(paint({ terminal: true, width: 80, colour: false }, false, 'FAIL x')).toBe('FAIL x');
  });
});
