/**
 * `flp-monitor sandbox …`: run the bundled reference target, and switch its faults on and off
 * while it runs (what a person does in a second terminal beside `npm start`).
 */
import { loadConfig, type Config } from '../core/config.ts';
import { renderTable } from './output.ts';
import type { Io } from './io.ts';
import { UsageError } from './errors.ts';
import { DEFAULT_FAULT_SYSTEM, FAULT_NAMES, SANDBOX_LPS_SYSTEM_NAMES, SYSTEM_FAULTS, sandboxOptionsFromConfig, startSandbox, type FaultName, type Sandbox } from '../../sandbox/index.ts';
import { clearFaults, listFaults, setFault } from '../../sandbox/admin-client.ts';

function adminUrlOf(config: Config): string {
  if (!config.sandbox) throw new UsageError(`config ${config.file ?? ''} has no "sandbox" section, so there is no sandbox to talk to`);
  return `http://127.0.0.1:${config.sandbox.adminPort}`;
}

/** Starts the sandbox on the ports the config names and returns it with lines describing it. */
export async function startConfiguredSandbox(config: Config): Promise<{ sandbox: Sandbox; header: string[] }> {
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox(sandboxOptionsFromConfig(config));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new UsageError(`the sandbox cannot start: a port the config names is already in use (${err.message}); is another "npm start" running?`);
    if (err.code === 'EACCES') throw new UsageError(`the sandbox cannot start: this user may not listen on a port the config names (${err.message}); choose ports above 1023`);
    throw e;
  }
  const header = [
    `sandbox: load balancer ${sandbox.baseUrl}, nodes ${sandbox.nodes.map((n) => n.name).join(', ')}, version ${sandbox.version}, DNS ${sandbox.dnsServer}`,
    `inject a fault from another terminal: npx flp-monitor sandbox fault db-down   (clear: npx flp-monitor sandbox clear)`,
  ];
  return { sandbox, header };
}

export async function sandboxStart(opts: { config: string }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  adminUrlOf(config);
  const { sandbox, header } = await startConfiguredSandbox(config);
  io.out(`${header.join('\n')}\nadmin ${sandbox.adminUrl} · Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  return 0;
}

async function admin<T>(config: Config, call: (url: string) => Promise<T>): Promise<T> {
  try {
    return await call(adminUrlOf(config));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

export async function sandboxFault(name: string, opts: { config: string; node?: string; source?: string; ms?: number; system?: string }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  if (!(FAULT_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown fault "${name}"; faults are: ${FAULT_NAMES.join(', ')}`);
  if (opts.system !== undefined) {
    if (!SYSTEM_FAULTS.has(name as FaultName)) throw new UsageError(`fault ${name} takes no --system (only ${[...SYSTEM_FAULTS].join(', ')} do)`);
    if (!SANDBOX_LPS_SYSTEM_NAMES.includes(opts.system)) {
      throw new UsageError(`unknown LPS system "${opts.system}"; the sandbox knows: ${SANDBOX_LPS_SYSTEM_NAMES.join(', ')} (default ${DEFAULT_FAULT_SYSTEM})`);
    }
  }
  const params = {
    ...(opts.node ? { node: opts.node } : {}),
    ...(opts.source ? { source: opts.source } : {}),
    ...(opts.ms !== undefined ? { ms: opts.ms } : {}),
    ...(opts.system !== undefined ? { system: opts.system } : {}),
  };
  const active = await admin(config, (url) => setFault(url, name, params));
  io.out(`fault ${name} is on; active: ${active.map(describe).join(', ')}\n`);
  return 0;
}

export async function sandboxClear(opts: { config: string }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  await admin(config, (url) => clearFaults(url));
  io.out('all faults cleared\n');
  return 0;
}

export async function sandboxStatus(opts: { config: string; json?: boolean }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  const active = await admin(config, (url) => listFaults(url));
  if (opts.json) {
    io.out(`${JSON.stringify({ active, faults: FAULT_NAMES }, null, 2)}\n`);
    return 0;
  }
  io.out(`${active.length ? renderTable(active, [{ header: 'active fault', value: describe }]) : 'no fault is active'}\n\nfaults: ${FAULT_NAMES.join(', ')}\n`);
  return 0;
}

function describe(f: { name: string; node?: string; source?: string; ms?: number; system?: string }): string {
  return [f.name, f.node && `node=${f.node}`, f.source && `source=${f.source}`, f.ms !== undefined && `ms=${f.ms}`, f.system && `system=${f.system}`].filter(Boolean).join(' ');
}
