/**
 * What both composition roots (the CLI's monitor and the Lambda handler) start the journey's
 * Chromium with for this target: the host-resolver rules (see `host-rules.ts`) and the keys of
 * the private-CA leaves it may accept. Chromium cannot be given a CA (it ignores
 * `NODE_EXTRA_CA_CERTS`; Lambda has no `certutil`), so before a run the load balancer's
 * certificate is checked here with Node's TLS against exactly `target.caFile`, at the address
 * Chromium will connect to, and a leaf that verifies is passed on by its SPKI hash. A leaf
 * that does not (another CA, self-signed, expired, another name) adds nothing: Chromium
 * refuses it as before and the journey reports the TLS failure. The browser restarts whenever
 * the result changes.
 */
import { isIP } from 'node:net';
import type { Config } from '../core/config.ts';
import type { Logger, Resolve } from '../core/context.ts';
import { readCaPems, verifiedLeafSpkis } from '../adapters/tls-trust.ts';
import { journeyHostRules } from './host-rules.ts';

/** The per-target part of the journey browser's launch flags. */
export interface JourneyBrowserTarget {
  hostResolverRules: Record<string, string>;
  /** Base64 SHA-256 SPKI hashes of load-balancer leaves that verified against `target.caFile`. */
  trustedSpkis: string[];
}

/** More addresses than this for one name are not all checked: Chromium picks among the first ones. */
const MAX_ADDRESSES = 4;

/** The CA certificates of `target.caFile`, read now; `null` without one. Throws naming the file when it is unreadable or holds no certificate. */
export function readTargetCa(config: Config): string[] | null {
  return config.target.caFile ? readCaPems(config.target.caFile) : null;
}

/**
 * The SPKI hashes Chromium may accept for the journey: the load balancer's leaf, checked at
 * each address Chromium may use (the mapped one under host-resolver rules, else every address
 * the resolver gives), when `baseUrl` is HTTPS and a CA is configured. Nodes are not checked:
 * the journey's browser never visits them (the HTTP probes do, with their own trust). Never
 * throws; a host that does not resolve or answer adds nothing, and the journey reports it.
 */
export async function journeyTrustedSpkis(
  config: Config,
  resolve: Resolve,
  hostRules: Record<string, string>,
  ca: readonly string[] | null,
  logger?: Logger,
): Promise<string[]> {
  const url = new URL(config.target.baseUrl);
  if (url.protocol !== 'https:' || !ca?.length) return [];
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 443;
  let addresses: string[];
  if (hostRules[host]) addresses = [hostRules[host]];
  else if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).slice(0, MAX_ADDRESSES).map((a) => a.address);
    } catch {
      return [];
    }
  }
  const { spkis, checks } = await verifiedLeafSpkis({ host, port, addresses, ca, timeoutMs: config.timeouts.requestMs });
  for (const c of checks) {
    if (c.ok) logger?.debug('load balancer certificate verified against target.caFile', { host, address: c.address, subject: c.subject, validTo: c.validTo });
    else if (c.certificate)
      // Chromium will refuse it as signed by an unknown authority; this says what is really wrong.
      logger?.warn('the load balancer certificate does not verify against target.caFile; the browser will refuse it', { host, address: c.address, code: c.code, reason: c.message });
    else logger?.debug('could not check the load balancer certificate', { host, address: c.address, code: c.code, reason: c.message });
  }
  return spkis;
}

/** The host-resolver rules and the trusted leaf keys for this run of the journey. */
export async function journeyBrowserTarget(config: Config, resolve: Resolve, ca: readonly string[] | null, logger?: Logger): Promise<JourneyBrowserTarget> {
  const hostResolverRules = await journeyHostRules(config, resolve);
  const trustedSpkis = await journeyTrustedSpkis(config, resolve, hostResolverRules, ca, logger);
  return { hostResolverRules, trustedSpkis };
}
