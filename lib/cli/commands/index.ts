/** Every command's registration, in the order of the help (lib/cli/top-level.mjs COMMANDS). */
import { registerRun } from './run.ts';
import { registerStart } from './start.ts';
import { registerAlarms } from './alarms.ts';
import { registerCost } from './cost.ts';
import { registerCanary } from './canary.ts';
import { registerSla } from './sla.ts';
import { registerRelease } from './release.ts';
import { registerConfig } from './config.ts';
import { registerNotify } from './notify.ts';
import { registerWindow } from './window.ts';
import { registerSandbox } from './sandbox.ts';
import type { CommandKit } from './kit.ts';

export type { CommandKit } from './kit.ts';

/** Registers every command on the program, in order. */
export function registerCommands(kit: CommandKit): void {
  registerRun(kit);
  registerStart(kit);
  registerAlarms(kit);
  registerCost(kit);
  registerCanary(kit);
  registerSla(kit);
  registerRelease(kit);
  registerConfig(kit);
  registerNotify(kit);
  registerWindow(kit);
  registerSandbox(kit);
}
