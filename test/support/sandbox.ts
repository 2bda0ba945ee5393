/**
 * A sandbox on ephemeral loopback ports and a config file that targets it, the way a user
 * points flp-monitor at their own staging copy of FLP.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_LPS_SYSTEMS, startSandbox, type Sandbox } from '../../sandbox/index.ts';

export interface SandboxFixture {
  sandbox: Sandbox;
  dir: string;
  configFile: string;
  raw: Record<string, unknown>;
}

/**
 * The sandbox's LPS vendors as launch profiles (signed ones with their keys), the way the bundled
 * config lists them: the statistics read over the last minute, since the sandbox's clinics launch
 * a few times a second.
 */
export function sandboxLps(): Record<string, unknown> {
  return {
    profiles: SANDBOX_LPS_SYSTEMS.map((s) => ({ system: s.system, vendor: s.vendor, style: s.style, ...(s.key ? { key: s.key } : {}) })),
    statsMinutes: 1,
  };
}

export function configFor(sandbox: Sandbox, dir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    environment: 'test',
    target: {
      baseUrl: sandbox.baseUrl,
      nodes: sandbox.nodes,
      expectedVersion: sandbox.version,
      caFile: sandbox.caFile,
      dnsServers: [sandbox.dnsServer],
    },
    journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
    sync: sandbox.sync.map((s) => ({ ...s, maxLagMinutes: s.source === 'lab' ? 120 : 1440 })),
    timeouts: { requestMs: 1500, stepMs: 3000 },
    store: { dir: path.join(dir, 'store') },
    artifacts: { dir: path.join(dir, 'artifacts') },
    ...overrides,
  };
}

export async function startSandboxFixture(overrides: Record<string, unknown> = {}): Promise<SandboxFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-it-'));
  const sandbox = await startSandbox({ certDir: path.join(dir, 'certs') });
  const raw = configFor(sandbox, dir, overrides);
  const configFile = path.join(dir, 'flp-monitor.config.json');
  await writeFile(configFile, JSON.stringify(raw, null, 2));
  return { sandbox, dir, configFile, raw };
}
