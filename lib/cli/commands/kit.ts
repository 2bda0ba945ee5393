/**
 * One file per command of the command line (after checkly-cli's src/commands/): each registers
 * its options and its action on the program; the action loads the command's module (lib/cli/<name>.ts)
 * on demand, so `sandbox fault` need not load Playwright, nor `run` the sandbox.
 */
import type { Command, Option } from 'commander';
import type { Io } from '../io.ts';

/** What every command's registration gets from main. */
export interface CommandKit {
  program: Command;
  cio: Io;
  /** `-c, --config <file>`, a new Option each time (commander takes an option once). */
  configOption: () => Option;
  /** Sets the exit code the command line returns. */
  setCode: (code: number) => void;
}
