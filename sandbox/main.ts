/**
 * Runs the sandbox in the foreground until SIGINT or SIGTERM (`npx flp-monitor sandbox start`:
 * the CLI validates the config and passes its options; the sandbox loads nothing of lib/).
 */
import { FAULT_NAMES } from './faults.ts';
import { sandboxOptionsFromConfig, startSandbox, type Sandbox, type SandboxOptions } from './server.ts';

/** Starts the sandbox, prints its URLs, and resolves after a signal has closed it cleanly. */
export async function runSandboxForeground(options: SandboxOptions, out: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const sandbox: Sandbox = await startSandbox(options);
  out(`FLP sandbox ${sandbox.version}`);
  out(`  load balancer  ${sandbox.baseUrl}`);
  for (const n of sandbox.nodes) out(`  node           ${n.url}`);
  for (const s of sandbox.sync) out(`  sync           ${s.url}`);
  out(`  DNS            ${sandbox.dnsServer} (resolves the names above)`);
  out(`  CA             ${sandbox.caFile}`);
  out(`  LPS systems    ${sandbox.lpsSystems.map((s) => `${s.system} (${s.style})`).join(', ')}; launch stats ${sandbox.baseUrl}/lps/launch-stats?minutes=15`);
  out(`  admin          ${sandbox.adminUrl}  (POST /faults {"name": …}, DELETE /faults, GET /stats)`);
  out(`  faults         ${FAULT_NAMES.join(', ')}`);
  out('Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.close();
  out('sandbox stopped');
}

