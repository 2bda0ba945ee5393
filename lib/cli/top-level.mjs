/**
 * The top level of `flp-monitor`, in plain JavaScript: its name, description, version and the
 * one-line description of each command. main.ts builds the whole command line on these; bin.mjs
 * answers `--help`, `-h`, `--version` and `-V` from them directly, without loading TypeScript
 * (tsx alone takes a third of a second to start), through the same commander, so both print the
 * same bytes at any terminal width. Nothing here is built or cached: editing this file or
 * package.json shows at the next start.
 *
 * A new top-level command is added to COMMANDS here and built in main.ts;
 * test/integration/cli-start.test.ts fails while the two disagree.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help } from 'commander';

export const NAME = 'flp-monitor';
export const DESCRIPTION = 'Synthetic transaction monitor for forløbsplaner (FLP): journeys, data sync, servers, and who owns a failure.';

/**
 * The top-level commands in the order the help lists them. `options`: the command takes options
 * of its own (its help line says "[options]"); a group of subcommands takes none.
 */
export const COMMANDS = [
  { name: 'run', options: true, description: 'run every probe against the configured target (on its schedule, or once with --once)' },
  { name: 'start', options: true, description: 'start the bundled sandbox (when the config has a "sandbox" section) and monitor it on schedule, with a live status table' },
  { name: 'alarms', options: true, description: 'list the alarm policy of the config (as deployed), or --evaluate it over the local store now' },
  { name: 'cost', options: true, description: 'monthly AWS cost of the configured deployment, beside CloudWatch Synthetics and Checkly for the same checks, and the journey at 1, 5 and 15 min' },
  { name: 'canary', options: true, description: 'after a release: run every probe a few times, check versions, probe results and journey latency against the baseline; exit 1 when the release failed' },
  { name: 'sla', options: true, description: 'availability report for a month or a range: per service, incidents with class and owner, latency, sync lag (Markdown, CSV, HTML or JSON)' },
  { name: 'release', options: false, description: 'release verdicts: the canary\'s and the monitor\'s verification at a release window\'s end' },
  { name: 'config', options: false, description: 'the config file' },
  { name: 'notify', options: false, description: 'the pages flp-monitor sends (README "Notifications")' },
  { name: 'window', options: false, description: 'maintenance windows set at run time: while one is open, pages are held back (README "Maintenance windows")' },
  { name: 'sandbox', options: false, description: 'the bundled reference FLP target' },
];

/** The version of the checkout, as `npm` and `npx` know it. */
export function packageVersion() {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
}

/** Adds the top-level command `name` to `program` with its description from COMMANDS. */
export function topCommand(program, name) {
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new Error(`"${name}" is not in COMMANDS of lib/cli/top-level.mjs`);
  return program.command(name).description(spec.description);
}

/** The program without its commands: name, description, version flag, where output goes. */
export function topLevelProgram({ version, out, err, outColour, errColour }) {
  return new Command(NAME)
    .description(DESCRIPTION)
    .version(version, '-V, --version', 'print the version and exit')
    .exitOverride()
    // Commander strips any colour from help and errors where these say no (NO_COLOR, a pipe).
    .configureOutput({ writeOut: out, writeErr: err, getOutHasColors: () => outColour, getErrHasColors: () => errColour })
    .showHelpAfterError('(run flp-monitor --help for usage)');
}

/** The arguments answered without main.ts. */
const FAST = new Set(['--help', '-h', '--version', '-V']);

/**
 * Answers `flp-monitor --help` (or `-h`, `--version`, `-V`, alone) as main.ts would, and returns
 * the exit code; returns undefined for any other arguments, which main.ts handles. The top-level
 * help has no colour of its own (commander's default styles are plain), so colour is not decided.
 */
export function answerTopLevel(argv, out = (s) => process.stdout.write(s)) {
  if (argv.length !== 1 || !FAST.has(argv[0])) return undefined;
  const program = topLevelProgram({ version: packageVersion(), out, err: (s) => process.stderr.write(s), outColour: false, errColour: false });
  for (const c of COMMANDS) topCommand(program, c.name);
  // These commands carry no options here: their help line says what main.ts's commands take.
  program.configureHelp({
    subcommandTerm(cmd) {
      const spec = COMMANDS.find((c) => c.name === cmd.name());
      return spec ? `${spec.name}${spec.options ? ' [options]' : ''}` : Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return undefined;
}
