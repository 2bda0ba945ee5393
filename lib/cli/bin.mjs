#!/usr/bin/env node
// The checkout runs its TypeScript sources directly through tsx, so `npx flp-monitor` never
// runs a stale build. `--help` and `--version` alone are answered before tsx loads, from the
// plain JavaScript module main.ts takes its top level from (lib/cli/top-level.mjs).
import { answerTopLevel } from './top-level.mjs';

let code;
try {
  code = answerTopLevel(process.argv.slice(2));
} catch {
  // Leave it to main(), which says what went wrong the way it always has.
}
if (code === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  try {
    const { main } = await import('./main.ts');
    code = await main(process.argv.slice(2));
  } catch (e) {
    // main() reports every failure itself; reaching here means it could not even load.
    process.stderr.write(`flp-monitor: unexpected failure: this is a bug in flp-monitor, not a problem with your usage or config.\n${e?.stack ?? e}\n`);
    code = 70;
  }
}
// Exit explicitly: a scheduled run stopped by Ctrl-C may leave a hung socket to a broken target.
process.exit(code);
