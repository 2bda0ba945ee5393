/**
 * Host name resolution for the HTTP client: either the system resolver, or the DNS servers the
 * config names (`target.dnsServers`), so the monitor sees the names the way its users' network
 * does and a DNS failure is observed, not hidden behind a cache.
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import type { Resolve } from '../core/context.ts';

export interface ResolverOptions {
  /** Per-query timeout against the configured servers, in milliseconds. Default 2000. */
  timeoutMs?: number;
  /** Attempts per server before giving up. Default 2. */
  tries?: number;
}

/** Strips the brackets a URL puts around an IPv6 literal (`[::1]` → `::1`). */
function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function withCode(err: unknown, hostname: string): Error {
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string') return err;
  const wrapped = new Error(`cannot resolve ${hostname}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  (wrapped as NodeJS.ErrnoException).code = 'ENOTFOUND';
  return wrapped;
}

/**
 * Builds a `Resolve`. With `dnsServers` ("host:port" or "host", as in the config) it asks those
 * servers directly: A records first, AAAA when the name has no A record. Without, it uses the
 * system resolver (`getaddrinfo`, which also reads /etc/hosts). IP literals come back as they
 * are. Failures reject with Node's error and its `code`: `ENOTFOUND` for a name that does not
 * exist, `ETIMEOUT`, `ECONNREFUSED`, `ESERVFAIL`, … from the servers.
 */
export function createResolver(dnsServers?: string[], options: ResolverOptions = {}): Resolve {
  const literal = (hostname: string) => {
    const host = bare(hostname);
    const family = isIP(host);
    return family === 4 || family === 6 ? [{ address: host, family: family as 4 | 6 }] : null;
  };

  if (!dnsServers || dnsServers.length === 0) {
    return async (hostname) => {
      const ip = literal(hostname);
      if (ip) return ip;
      try {
        const found = await dns.promises.lookup(hostname, { all: true });
        return found.map((a) => ({ address: a.address, family: a.family === 6 ? (6 as const) : (4 as const) }));
      } catch (err) {
        throw withCode(err, hostname);
      }
    };
  }

  const resolver = new dns.promises.Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  try {
    resolver.setServers(dnsServers);
  } catch (err) {
    throw new Error(`dnsServers must be IP addresses with an optional port ("127.0.0.1:53", "[::1]:53"): ${(err as Error).message}`, { cause: err });
  }

  return async (hostname) => {
    const ip = literal(hostname);
    if (ip) return ip;
    // RFC 6761: "localhost" is loopback and never asked of a DNS server.
    if (hostname === 'localhost' || hostname.endsWith('.localhost')) return [{ address: '127.0.0.1', family: 4 }];
    try {
      const v4 = await resolver.resolve4(hostname);
      if (v4.length) return v4.map((address) => ({ address, family: 4 as const }));
    } catch (err) {
      // Only "the name exists but has no A record" is worth an AAAA query; NXDOMAIN,
      // SERVFAIL or a timeout would answer the same again.
      if ((err as NodeJS.ErrnoException).code !== dns.NODATA) throw withCode(err, hostname);
    }
    try {
      const v6 = await resolver.resolve6(hostname);
      if (v6.length) return v6.map((address) => ({ address, family: 6 as const }));
    } catch (err) {
      throw withCode(err, hostname);
    }
    const none = new Error(`${hostname} has no A or AAAA record`);
    (none as NodeJS.ErrnoException).code = dns.NODATA;
    throw none;
  };
}
