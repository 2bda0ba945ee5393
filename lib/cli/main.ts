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
import { packageVersion, topCommand, topLevelProgram } from './top-level.mjs';

// Command modules load on demand: `sandbox fault` need not load Playwright, nor `run` the sandbox.

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

  topCommand(program, 'run')
    .addOption(configOption())
    .option('--once', 'run every probe once, print the verdict and exit (0 passed, 1 failure found)')
    .option('--json', 'print exactly one JSON document on stdout (with --once)')
    .addOption(new Option('--reporter <name>', 'with --once, a CI report instead of the table: junit (JUnit XML) or github (GitHub Actions annotations)').choices(['junit', 'github']))
    .option('--out <file>', 'write the --reporter output to this file; the table goes to stdout')
    .action(async (opts: { config: string; once?: boolean; json?: boolean; reporter?: string; out?: string }) => {
      if (opts.json && !opts.once) throw new UsageError('--json needs --once');
      code = await (await import('./run.ts')).runCommand(opts, cio);
    });

  topCommand(program, 'start')
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      code = await (await import('./start.ts')).startCommand(opts, cio);
    });

  topCommand(program, 'alarms')
    .addOption(configOption())
    .option('--markdown', 'print a Markdown table (the README\'s)')
    .option('--evaluate', 'each alarm\'s state over the local store now; exit 1 when something would page')
    .option('--json', 'print exactly one JSON document on stdout: the policy, or with --evaluate each alarm\'s state')
    .action(async (opts: { config: string; markdown?: boolean; evaluate?: boolean; json?: boolean }) => {
      if (opts.json && opts.markdown) throw new UsageError('--json and --markdown exclude each other: give one');
      code = await (await import('./alarms.ts')).alarmsCommand(opts, cio);
    });

  topCommand(program, 'cost')
    .addOption(configOption())
    .option('--journey-every <time>', 'price the journey at this pace instead of the config\'s, e.g. 1m')
    .option('--sync-every <time>', 'price the sync probes at this pace, e.g. 5m')
    .option('--nodes-every <time>', 'price the node probes at this pace, e.g. 5m')
    .option('--no-store', 'use the default durations, not the medians in the local store')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { config: string; journeyEvery?: string; syncEvery?: string; nodesEvery?: string; store?: boolean; json?: boolean }) => {
      code = await (await import('./cost.ts')).costCommand(opts, cio);
    });

  topCommand(program, 'canary')
    .addOption(configOption())
    .option('--expect-version <version>', 'the version every node must run after the release (required)')
    .option('--runs <n>', 'run every probe this many times (default 3)')
    .option('--duration <time>', 'run for this long instead, e.g. 90s, 10m, 1h')
    .option('--baseline-days <days>', 'days before now the latency baseline is taken from (default canary.baselineDays)')
    .option('--source <source>', 'where the baseline comes from: local or cloudwatch', 'local')
    .option('--nodes', 'in every run also the full journey on each node directly (each nodes[].url serves the same app): a node with a broken install fails the release')
    .option('--json', 'print exactly one JSON document on stdout')
    .addOption(new Option('--reporter <name>', 'a CI report instead of the table: junit (JUnit XML) or github (GitHub Actions annotations)').choices(['junit', 'github']))
    .option('--out <file>', 'write the --reporter output to this file; the table goes to stdout')
    .action(async (opts: { config: string; expectVersion?: string; runs?: string; duration?: string; baselineDays?: string; source?: string; nodes?: boolean; json?: boolean; reporter?: string; out?: string }) => {
      code = await (await import('./canary.ts')).canaryCommand(opts, cio);
    });

  topCommand(program, 'sla')
    .addOption(configOption())
    .option('--month <YYYY-MM>', 'a calendar month in Copenhagen time')
    .option('--from <time>', 'start: an ISO 8601 time with zone, or a date (Copenhagen midnight)')
    .option('--to <time>', 'end (not included): an ISO 8601 time with zone, or a date')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'html', 'json']).default('md'))
    .option('--out <file>', 'write the report to this file instead of stdout')
    .addOption(new Option('--source <source>', 'where the history comes from').choices(['local', 'cloudwatch']).default('local'))
    .action(async (opts: { config: string; month?: string; from?: string; to?: string; format?: string; out?: string; source?: string }) => {
      code = await (await import('./sla.ts')).slaCommand(opts, cio);
    });

  const release = topCommand(program, 'release');
  release
    .command('status')
    .description('the last release verdicts, newest first, and the version later runs expect')
    .addOption(configOption())
    .option('--source <source>', 'where the verdicts come from: local (the store\'s releases.json) or cloudwatch (the Release metric)', 'local')
    .option('--limit <n>', 'list this many verdicts (default 10)')
    .option('--json', 'print exactly one JSON document on stdout: { expected, releases }')
    .action(async (opts: { config: string; source?: string; limit?: string; json?: boolean }) => {
      code = await (await import('./release.ts')).releaseStatusCommand(opts, cio);
    });

  const config = topCommand(program, 'config');
  config
    .command('schema')
    .description('print the config file\'s JSON Schema, for editors: npx flp-monitor config schema > flp-monitor.schema.json')
    .action(async () => {
      code = (await import('./config.ts')).configSchemaCommand(cio);
    });

  const notify = topCommand(program, 'notify');
  notify
    .command('test')
    .description('send a test page through each configured channel and say what each answered; exit 1 when one failed')
    .addOption(configOption())
    .option('--channel <name>', 'only this channel (its name, or its type when unnamed)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { config: string; channel?: string; json?: boolean }) => {
      code = await (await import('./notify.ts')).notifyTestCommand(opts, cio);
    });
  notify
    .command('preview')
    .description('run every probe once and print the pages the verdict would send, and what it holds back; exit 1 when something would page')
    .addOption(configOption())
    .option('--json', 'print exactly one JSON document on stdout: { pages, heldBack }')
    .action(async (opts: { config: string; json?: boolean }) => {
      code = await (await import('./notify.ts')).notifyPreviewCommand(opts, cio);
    });

  // Maintenance windows at run time (lib/cli/window.ts).
  const windowSourceOption = () => new Option('--source <source>', 'local: <store.dir>/windows.json; aws: state/<environment>/windows.json in the artifacts bucket').choices(['local', 'aws']).default('local');
  const bucketOption = () => new Option('--bucket <name>', 'with --source aws: the artifacts bucket (default $FLP_ARTIFACTS_BUCKET; the stack output ArtifactsBucketName)');
  const windowCmd = topCommand(program, 'window');
  windowCmd
    .command('add')
    .description('add a window: --start ISO|now|+30m --end ISO|+90m|+3h (from --start) --reason TEXT')
    .addOption(configOption())
    .option('--start <time>', 'when it begins: an ISO 8601 time with a zone, "now", or "+30m" from now')
    .option('--end <time>', 'its planned end: an ISO 8601 time with a zone, or "+90m", "+3h", "+1h30m" from --start')
    .option('--reason <text>', 'why: shown beside every held-back page and in the SLA report')
    .option('--release <version>', 'the version the window installs')
    .option('--owner <name>', 'whose work it is: one of the config\'s owners (default: the release owner for a release, else the infrastructure owner)')
    .addOption(windowSourceOption())
    .addOption(bucketOption())
    .option('--json', 'print exactly one JSON document on stdout: { source, store, window }')
    .action(async (opts: { config: string; start?: string; end?: string; reason?: string; release?: string; owner?: string; source?: string; bucket?: string; json?: boolean }) => {
      code = await (await import('./window.ts')).windowAddCommand(opts, cio);
    });
  windowCmd
    .command('list')
    .description('the run-time windows, and the config\'s for the coming 7 days, each planned, open or ended')
    .addOption(configOption())
    .addOption(windowSourceOption())
    .addOption(bucketOption())
    .option('--json', 'print exactly one JSON document on stdout: { at, source, store, open, windows }')
    .action(async (opts: { config: string; source?: string; bucket?: string; json?: boolean }) => {
      code = await (await import('./window.ts')).windowListCommand(opts, cio);
    });
  windowCmd
    .command('end [id]')
    .description('close a window early: the one named, or without an id the one open now')
    .addOption(configOption())
    .addOption(windowSourceOption())
    .addOption(bucketOption())
    .option('--json', 'print exactly one JSON document on stdout: { source, store, window }')
    .action(async (id: string | undefined, opts: { config: string; source?: string; bucket?: string; json?: boolean }) => {
      code = await (await import('./window.ts')).windowEndCommand(id, opts, cio);
    });
  windowCmd
    .command('remove <id>')
    .description('delete a window added by mistake (a window that took place is better ended: an ended window stays on record)')
    .addOption(configOption())
    .addOption(windowSourceOption())
    .addOption(bucketOption())
    .option('--json', 'print exactly one JSON document on stdout: { source, store, window }')
    .action(async (id: string, opts: { config: string; source?: string; bucket?: string; json?: boolean }) => {
      code = await (await import('./window.ts')).windowRemoveCommand(id, opts, cio);
    });

  const sandbox = topCommand(program, 'sandbox');
  sandbox
    .command('start')
    .description('run the sandbox in the foreground on the ports the config names')
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      code = await (await import('./sandbox.ts')).sandboxStart(opts, cio);
    });
  sandbox
    .command('fault <name>')
    .description('switch a fault on in the running sandbox (see "sandbox status" for the names)')
    .addOption(configOption())
    .option('--node <name>', 'the node the fault concerns (node-down, version-drift, node-broken, dns)')
    .option('--source <name>', 'the sync source the fault concerns (sync-*, page-stale)')
    .option('--ms <n>', 'delay in milliseconds (slow)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--ms must be a whole number of milliseconds, not "${v}"`);
      return n;
    })
    .option('--system <name>', 'the LPS system the fault concerns (vendor-rejects, vendor-changed; default medsign)')
    .action(async (name: string, opts: { config: string; node?: string; source?: string; ms?: number; system?: string }) => {
      code = await (await import('./sandbox.ts')).sandboxFault(name, opts, cio);
    });
  sandbox
    .command('clear')
    .description('switch every fault off')
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      code = await (await import('./sandbox.ts')).sandboxClear(opts, cio);
    });
  sandbox
    .command('status')
    .description('list the active faults and the fault names')
    .addOption(configOption())
    .option('--json', 'print exactly one JSON document on stdout: { active, faults }')
    .action(async (opts: { config: string; json?: boolean }) => {
      code = await (await import('./sandbox.ts')).sandboxStatus(opts, cio);
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
