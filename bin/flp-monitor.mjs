#!/usr/bin/env node
// The checkout runs its TypeScript sources directly through tsx, so `npx flp-monitor` never
// runs a stale build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
