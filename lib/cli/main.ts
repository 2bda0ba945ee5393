/**
 * `flp-monitor`: the command line. Exit codes: 0 all passed, 1 a failure was found, 2 bad usage
 * or config (or the monitor could not start), 70 an internal error: a bug in flp-monitor, never
 * the user's doing (EX_SOFTWARE of sysexits.h).
 */
import { CommanderError, Option } from 'commander';
import { ConfigError, DEFAULT_CONFIG_FILE } from '../core/config.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';
import { outputStyle, PLAIN, type OutputStyle } from './terminal.ts';
import { packageVersion, topLevelProgram } from './top-level.mjs';
import { registerCommands } from './commands/index.ts';

// Command modules load on demand (lib/cli/commands/): `sandbox fault` need not load Playwright, nor `run` the sandbox.

export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

/**
 * Runs the command line and returns the exit code. Without `io`, it writes to the process's
 * stdout and stderr and takes their style (width, colour) from them and the environment; tests
 * pass collectors, and get whole lines without colour unless they pass a `style`.
 */
export async function main(argv: string[], io: Partial<Io> = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s));
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  const style: OutputStyle = io.style ?? (io.out ? PLAIN : outputStyle(process.stdout, process.env));
  const errColour = io.err ? false : outputStyle(process.stderr, process.env).colour;
  const cio: Io = { out, err, style };
  const version = packageVersion();
  let code: number = EXIT.ok;
  const configOption = () => new Option('-c, --config <file>', 'config file').default(DEFAULT_CONFIG_FILE);

  // The top level (name, description, version, each command's line in the help) is
  // lib/cli/top-level.mjs's, which bin.mjs answers --help and --version from without loading this.
  const program = topLevelProgram({ version, out, err, outColour: style.colour, errColour });
  registerCommands({
    program,
    cio,
    configOption,
    setCode: (c) => {
      code = c;
    },
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof ConfigError || e instanceof UsageError) {
      err(`flp-monitor: ${e.message}\n`);
      return EXIT.usage;
    }
    // Anything else is flp-monitor's own fault, not the user's: say so, with what a bug report needs.
    const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    err(
      `flp-monitor: unexpected failure: this is a bug in flp-monitor ${version} (Node ${process.version}), not a problem with your usage or config.\n` +
        `Please report it with the command you ran and this output:\n${detail}\n`,
    );
    return EXIT.internal;
  }
}
