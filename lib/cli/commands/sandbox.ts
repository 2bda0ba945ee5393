/** `flp-monitor sandbox start|fault|clear|status`: the reference target and its faults. */
import { UsageError } from '../errors.ts';
import { topCommand } from '../top-level.mjs';
import type { CommandKit } from './kit.ts';

export function registerSandbox({ program, cio, configOption, setCode }: CommandKit): void {
  const sandbox = topCommand(program, 'sandbox');
  sandbox
    .command('start')
    .description('run the sandbox in the foreground on the ports the config names')
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      setCode(await (await import('../sandbox.ts')).sandboxStart(opts, cio));
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
      setCode(await (await import('../sandbox.ts')).sandboxFault(name, opts, cio));
    });
  sandbox
    .command('clear')
    .description('switch every fault off')
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      setCode(await (await import('../sandbox.ts')).sandboxClear(opts, cio));
    });
  sandbox
    .command('status')
    .description('list the active faults and the fault names')
    .addOption(configOption())
    .option('--json', 'print exactly one JSON document on stdout: { active, faults }')
    .action(async (opts: { config: string; json?: boolean }) => {
      setCode(await (await import('../sandbox.ts')).sandboxStatus(opts, cio));
    });
}
