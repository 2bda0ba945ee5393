/**
 * Talks to a running sandbox's admin server (e.g. from a second terminal beside `npm start`).
 * Every function throws an Error with one clear sentence when the admin server is not
 * reachable or refuses the request.
 */
import type { ActiveFault, FaultParams } from './faults.ts';
import type { SandboxStats } from './world.ts';

const TIMEOUT_MS = 5000;

async function call(adminUrl: string, method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(path, adminUrl.endsWith('/') ? adminUrl : `${adminUrl}/`);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new Error(`the sandbox admin server at ${adminUrl} is not reachable (${why}); is the sandbox running?`, { cause: err });
  }
  if (!res.ok) {
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      /* not JSON: use the text */
    }
    throw new Error(`the sandbox admin server refused ${method} ${url.pathname} (${res.status}): ${message}`);
  }
  return res;
}

/** Switches a fault on; returns every active fault. Throws on an unknown fault, node or source. */
export async function setFault(adminUrl: string, name: string, params: FaultParams = {}): Promise<ActiveFault[]> {
  const res = await call(adminUrl, 'POST', 'faults', { name, ...params });
  return (await res.json()) as ActiveFault[];
}

/** Switches every fault off. */
export async function clearFaults(adminUrl: string): Promise<void> {
  await call(adminUrl, 'DELETE', 'faults');
}

export async function listFaults(adminUrl: string): Promise<ActiveFault[]> {
  const res = await call(adminUrl, 'GET', 'faults');
  return (await res.json()) as ActiveFault[];
}

export async function getStats(adminUrl: string): Promise<SandboxStats> {
  const res = await call(adminUrl, 'GET', 'stats');
  return (await res.json()) as SandboxStats;
}
