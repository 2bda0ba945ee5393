/**
 * The admin server: switches faults while the sandbox runs and reports its statistics.
 * `GET /faults`, `POST /faults {name, node?, source?, ms?, system?}`, `DELETE /faults`, `GET /stats`.
 * Its requests are not counted in the statistics.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FAULT_DESCRIPTIONS, FAULT_NAMES, FaultError, type ActiveFault, type FaultName, type FaultParams } from './faults.ts';
import { readBody, sendJson } from './http-util.ts';
import type { SandboxStats } from './world.ts';

export interface AdminTarget {
  setFault(name: FaultName, params?: FaultParams): void;
  clearFaults(): void;
  activeFaults(): ActiveFault[];
  stats(): SandboxStats;
  /** Resolves once listeners reopened by a fault change are listening again. */
  settled(): Promise<void>;
}

export function createAdminHandler(target: AdminTarget): (req: IncomingMessage, res: ServerResponse) => void {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/faults') {
      if (req.method === 'GET') return sendJson(res, 200, target.activeFaults());
      if (req.method === 'DELETE') {
        target.clearFaults();
        await target.settled();
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.method === 'POST') {
        let body: unknown;
        try {
          body = JSON.parse((await readBody(req)).toString('utf8'));
        } catch {
          return sendJson(res, 400, { error: 'body must be JSON {"name": "<fault>", "node"?, "source"?, "ms"?, "system"?}' });
        }
        if (typeof body !== 'object' || body === null) return sendJson(res, 400, { error: 'body must be a JSON object {"name": "<fault>"}' });
        const { name, node, source, ms, system } = body as Record<string, unknown>;
        if (node !== undefined && typeof node !== 'string') return sendJson(res, 400, { error: 'node must be a string' });
        if (source !== undefined && typeof source !== 'string') return sendJson(res, 400, { error: 'source must be a string' });
        if (ms !== undefined && typeof ms !== 'number') return sendJson(res, 400, { error: 'ms must be a number' });
        if (system !== undefined && typeof system !== 'string') return sendJson(res, 400, { error: 'system must be a string (an LPS system)' });
        const params: FaultParams = {};
        if (node !== undefined) params.node = node;
        if (source !== undefined) params.source = source;
        if (ms !== undefined) params.ms = ms;
        if (system !== undefined) params.system = system;
        try {
          target.setFault(name as FaultName, params);
        } catch (err) {
          if (err instanceof FaultError) return sendJson(res, 400, { error: err.message, faults: FAULT_NAMES });
          throw err;
        }
        await target.settled();
        return sendJson(res, 200, target.activeFaults());
      }
      return sendJson(res, 405, { error: 'use GET, POST or DELETE on /faults' }, { allow: 'GET, POST, DELETE' });
    }
    if (path === '/stats' && req.method === 'GET') return sendJson(res, 200, target.stats());
    if (path === '/' && req.method === 'GET') {
      return sendJson(res, 200, {
        endpoints: ['GET /faults', 'POST /faults {"name", "node"?, "source"?, "ms"?, "system"?}', 'DELETE /faults', 'GET /stats'],
        faults: FAULT_DESCRIPTIONS,
        active: target.activeFaults(),
      });
    }
    sendJson(res, 404, { error: `no such admin endpoint: ${req.method} ${path}` });
  }
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  };
}
