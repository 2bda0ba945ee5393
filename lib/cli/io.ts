/**
 * What every command writes to, and the one check every browser-running command makes before
 * it starts: a Chromium to run the journey in.
 */
import type { Config } from '../core/config.ts';
import { findChromium } from '../adapters/browser.ts';
import { PLAIN, type OutputStyle } from './terminal.ts';

/** A command's output streams; tests pass strings collectors. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** What `out` is: its width and whether colour is allowed. Default {@link PLAIN} (whole lines, no colour). */
  style?: OutputStyle;
}

/** The style of a command's stdout, {@link PLAIN} when the caller gave none. */
export function styleOf(io: Io): OutputStyle {
  return io.style ?? PLAIN;
}

/** Fails early, with one sentence saying what to run, when the journey needs a browser and there is none. */
export function ensureBrowser(config: Config, io: Io): boolean {
  if (!config.journey.enabled) return true;
  try {
    findChromium();
    return true;
  } catch (e) {
    io.err(`flp-monitor: ${(e as Error).message}\n`);
    return false;
  }
}
