import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/core/config.ts';
import { sandboxOptionsFromConfig, startSandbox } from '../../../sandbox/index.ts';
import { onLoopback, request } from './helpers.ts';

let certDir: string;

beforeAll(async () => {
  certDir = await mkdtemp(path.join(tmpdir(), 'flp-sandbox-life-'));
});
afterAll(async () => {
  await rm(certDir, { recursive: true, force: true });
});

describe('sandbox lifecycle', () => {
  it('reuses the CA in certDir, so a trust file written earlier stays valid', async () => {
    const first = await startSandbox({ certDir, nodes: [{ name: 'flp-1' }] });
    const caPem = await readFile(first.caFile, 'utf8');
    await first.close();
    const second = await startSandbox({ certDir, nodes: [{ name: 'flp-1' }] });
    try {
      expect(await readFile(second.caFile, 'utf8')).toBe(caPem);
      const node = second.nodes[0]?.url ?? '';
      // Trusting the CA from the first run still verifies the second run's node (by name via SNI).
      const tls = await import('node:tls');
      const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(node).port), servername: 'flp-1.sandbox.test', ca: caPem });
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      expect(socket.authorized).toBe(true);
      socket.destroy();
    } finally {
      await second.close();
    }
  });

  it('closes promptly even with a hung load-balancer connection and a slow request in flight', async () => {
    const sandbox = await startSandbox({ certDir });
    const lbOnLoopback = onLoopback(sandbox.baseUrl);
    sandbox.setFault('slow', { ms: 60_000 });
    const slow = request(`${lbOnLoopback}api/patients/2512489996/overview?clinic=1`, { timeoutMs: 10_000 }).catch((e: NodeJS.ErrnoException) => e.code);
    sandbox.setFault('lb-hang');
    const hung = request(`${lbOnLoopback}health`, { timeoutMs: 10_000 }).catch((e: NodeJS.ErrnoException) => e.code);
    await new Promise((r) => setTimeout(r, 150));
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toBe('ECONNRESET');
    expect(await slow).toBe('ECONNRESET');
    await expect(request(`${lbOnLoopback}health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails to start with EADDRINUSE, naming the port, and leaves nothing listening', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startSandbox({ certDir, syncPort: port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
        message: expect.stringContaining(`sync service cannot listen on 127.0.0.1:${port}`),
      });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('rejects node names that are not DNS labels', async () => {
    await expect(startSandbox({ certDir, nodes: [{ name: 'flp_1' }] })).rejects.toThrow(/"flp_1" is not a DNS label/);
  });

  it('takes ports, names, sources, version and certDir from a config', () => {
    const config = parseConfig(
      {
        environment: 'sandbox',
        target: {
          baseUrl: 'http://flp.sandbox.test:8700',
          nodes: [
            { name: 'flp-1', url: 'https://flp-1.sandbox.test:8701' },
            { name: 'flp-2', url: 'https://flp-2.sandbox.test:8702' },
          ],
          caFile: '.flp-monitor/sandbox/ca.pem',
          dnsServers: ['127.0.0.1:8753'],
        },
        journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
        sync: [
          { source: 'lab', url: 'http://sync.sandbox.test:8710/sync/lab/status', maxLagMinutes: 120 },
          { source: 'diagnoses', url: 'http://sync.sandbox.test:8710/sync/diagnoses/status', maxLagMinutes: 1440 },
        ],
        sandbox: { adminPort: 8799, version: '2026.4.1' },
      },
      { baseDir: '/srv/monitor' },
    );
    expect(sandboxOptionsFromConfig(config)).toEqual({
      host: '127.0.0.1',
      lbPort: 8700,
      nodes: [
        { name: 'flp-1', port: 8701 },
        { name: 'flp-2', port: 8702 },
      ],
      syncPort: 8710,
      dnsPort: 8753,
      adminPort: 8799,
      sources: ['lab', 'diagnoses'],
      version: '2026.4.1',
      domain: 'sandbox.test',
      certDir: '/srv/monitor/.flp-monitor/sandbox',
    });
  });
});
