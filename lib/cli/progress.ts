/**
 * Progress of a long command on stderr: on a terminal a one-line bar redrawn in place (and
 * ticking while a step is in progress), otherwise plain lines only, so a log or CI output
 * stays readable. Stdout is left alone for the command's result.
 */

/** Where progress goes: `process.stderr` or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressState {
  /** Done, from 0 to 1. */
  fraction: number;
  /** Text after the bar: `2/3 runs · 4.1 s · 0 failed`. */
  label: string;
}

export interface Progress {
  /** Redraws the bar (a terminal only). */
  update(): void;
  /** A line that stays: printed above the bar on a terminal, as is otherwise. */
  line(text: string): void;
  /** Removes the bar and stops redrawing. */
  done(): void;
}

export interface ProgressOptions {
  /** Text before the bar. */
  title: string;
  /** Read at every redraw. */
  state: () => ProgressState;
  /** Redraw this often while nothing else happens, so elapsed time moves; 0 to not tick. Default 500. */
  tickMs?: number;
  /** Cells of the bar. Default 24. */
  width?: number;
}

const CLEAR = '\r\x1b[2K';

/** The bar as text: `[██████░░░░░░] 50%`. */
export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

export function createProgress(stream: ProgressStream, options: ProgressOptions): Progress {
  const tty = !!stream.isTTY;
  const width = options.width ?? 24;
  let shown = false;
  let finished = false;
  const draw = () => {
    if (!tty || finished) return;
    const s = options.state();
    let text = `${options.title} ${renderBar(s.fraction, width)} ${s.label}`;
    // A line longer than the terminal wraps, and `\r` would then redraw only its last part.
    const columns = stream.columns || 80;
    if (text.length >= columns) text = `${text.slice(0, Math.max(0, columns - 2))}…`;
    stream.write(`${CLEAR}${text}`);
    shown = true;
  };
  const tickMs = options.tickMs ?? 500;
  const timer = tty && tickMs > 0 ? setInterval(draw, tickMs) : null;
  // The bar must never keep the process alive.
  timer?.unref();
  draw();
  return {
    update: draw,
    line(text) {
      if (tty && shown) stream.write(CLEAR);
      stream.write(`${text}\n`);
      shown = false;
      draw();
    },
    done() {
      if (finished) return;
      finished = true;
      if (timer) clearInterval(timer);
      if (tty && shown) stream.write(CLEAR);
    },
  };
}
