/**
 * How stdout may be written to: clipped to the terminal's width, coloured, or neither. Decided
 * once in `main()` from the stream and the environment, so commands never read `process.stdout`
 * or `process.env` themselves.
 */

/** What a command may assume about its stdout. */
export interface OutputStyle {
  /** Stdout is a terminal: a live view may redraw the screen. */
  terminal: boolean;
  /**
   * Cut table lines to fit this many columns; `undefined` never cuts. Only a terminal has a
   * width: a pipe or a file gets whole lines, however long.
   */
  width: number | undefined;
  /** ANSI colour and bold allowed: a terminal, and `NO_COLOR` not set (https://no-color.org). */
  colour: boolean;
}

/** What tests and pipes get: whole lines, no colour. */
export const PLAIN: OutputStyle = { terminal: false, width: undefined, colour: false };

/** The style of a stream: `process.stdout` and `process.env` in `main()`, fakes in tests. */
export function outputStyle(stream: { isTTY?: boolean; columns?: number }, env: Record<string, string | undefined>): OutputStyle {
  const tty = !!stream.isTTY;
  return {
    terminal: tty,
    width: tty && stream.columns ? stream.columns : undefined,
    // NO_COLOR counts when set to anything but the empty string; a dumb terminal has no colour either.
    colour: tty && !env.NO_COLOR && env.TERM !== 'dumb',
  };
}

/** `text` in green (ok) or bold red, when colour is allowed. */
export function paint(style: OutputStyle, ok: boolean, text: string): string {
  if (!style.colour) return text;
  return ok ? `\x1b[32m${text}\x1b[0m` : `\x1b[1;31m${text}\x1b[0m`;
}
