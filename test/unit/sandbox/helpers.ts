/** Plain Node clients for the sandbox tests: HTTP(S) that resolves names through the sandbox's DNS. */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** A `lookup` for Node's http/https/net that asks only the given DNS server ("host:port"). */
export function sandboxLookup(dnsServer: string): LookupFunction {
  const resolver = new dns.promises.Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([dnsServer]);
  return ((hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    resolver.resolve4(hostname).then(
      (addresses) => {
        if (options.all) callback(null, addresses.map((address) => ({ address, family: 4 })));
        else callback(null, addresses[0] ?? '', 4);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  }) as LookupFunction;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Trust this CA (HTTPS). */
  ca?: string;
  lookup?: LookupFunction;
  timeoutMs?: number;
  synthetic?: boolean;
}

/** One request on a fresh connection. Rejects with the socket/TLS error (its `code`) or `code: 'TIMEOUT'`. */
export function request(url: string, opts: RequestOptions = {}): Promise<Answer> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...(opts.synthetic === false ? {} : { 'x-flp-synthetic': '1' }), ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        protocol: u.protocol,
        hostname: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers,
        agent: false,
        ...(opts.lookup ? { lookup: opts.lookup } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error(`no answer from ${url} within ${opts.timeoutMs} ms`), { code: 'TIMEOUT' }));
    }, opts.timeoutMs ?? 5000);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Rewrites a sandbox URL to 127.0.0.1 (same port and path), for tests that do not need DNS. */
export function onLoopback(url: string): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  return u.toString();
}

export function json<T = Record<string, unknown>>(answer: Answer): T {
  return JSON.parse(answer.text) as T;
}
