/** `flp-monitor window add|list|end|remove`: maintenance windows at run time. */
import { Option } from 'commander';
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerWindow({ program, cio, configOption, setCode }: CommandKit): void {
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
      setCode(await (await import('../window.ts')).windowAddCommand(opts, cio));
    });
  windowCmd
    .command('list')
    .description('the run-time windows, and the config\'s for the coming 7 days, each planned, open or ended')
    .addOption(configOption())
    .addOption(windowSourceOption())
    .addOption(bucketOption())
    .option('--json', 'print exactly one JSON document on stdout: { at, source, store, open, windows }')
    .action(async (opts: { config: string; source?: string; bucket?: string; json?: boolean }) => {
      setCode(await (await import('../window.ts')).windowListCommand(opts, cio));
    });
  windowCmd
    .command('end [id]')
    .description('close a window early: the one named, or without an id the one open now')
    .addOption(configOption())
    .addOption(windowSourceOption())
    .addOption(bucketOption())
    .option('--json', 'print exactly one JSON document on stdout: { source, store, window }')
    .action(async (id: string | undefined, opts: { config: string; source?: string; bucket?: string; json?: boolean }) => {
      setCode(await (await import('../window.ts')).windowEndCommand(id, opts, cio));
    });
  windowCmd
    .command('remove <id>')
    .description('delete a window added by mistake (a window that took place is better ended: an ended window stays on record)')
    .addOption(configOption())
    .addOption(windowSourceOption())
    .addOption(bucketOption())
    .option('--json', 'print exactly one JSON document on stdout: { source, store, window }')
    .action(async (id: string, opts: { config: string; source?: string; bucket?: string; json?: boolean }) => {
      setCode(await (await import('../window.ts')).windowRemoveCommand(id, opts, cio));
    });
}
