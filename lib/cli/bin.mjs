#!/usr/bin/env node
// The checkout runs its TypeScript sources directly through tsx, so `npx flp-monitor` never
// runs a stale build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly: a scheduled run stopped by Ctrl-C may leave a hung socket to a broken target.
process.exit(code);
