#!/usr/bin/env node
// The checkout runs its TypeScript sources directly through tsx, so `npx flp-monitor` never
// runs a stale build.
import { register } from 'tsx/esm/api';

register();
let code;
try {
  const { main } = await import('./main.ts');
  code = await main(process.argv.slice(2));
} catch (e) {
  // main() reports every failure itself; reaching here means it could not even load.
  process.stderr.write(`flp-monitor: unexpected failure: this is a bug in flp-monitor, not a problem with your usage or config.\n${e?.stack ?? e}\n`);
  code = 70;
}
// Exit explicitly: a scheduled run stopped by Ctrl-C may leave a hung socket to a broken target.
process.exit(code);
