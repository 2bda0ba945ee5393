/**
 * The host-resolver rules both composition roots give Chromium. Chromium cannot be told to use
 * another DNS server, so with `target.dnsServers` configured the load balancer's name is mapped
 * to the address that server gives, and the browser restarts when the answer changes.
 */
import type { Config } from '../core/config.ts';
import type { Resolve } from '../core/context.ts';

/**
 * The host-resolver rules the journey needs: with `target.dnsServers` configured, Chromium
 * cannot use that server itself, so the load balancer's name is mapped to the address it gives
 * (the CLI's monitor and the Lambda handler alike). A failed lookup maps nothing: the journey resolves the name
 * itself and reports the failure as its evidence.
 */
export async function journeyHostRules(config: Config, resolve: Resolve): Promise<Record<string, string>> {
  if (!config.target.dnsServers) return {};
  const host = new URL(config.target.baseUrl).hostname;
  try {
    const [first] = await resolve(host);
    return first ? { [host]: first.address } : {};
  } catch {
    return {};
  }
}
