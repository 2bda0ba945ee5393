/**
 * Starts the whole sandbox on loopback: the load balancer, the application nodes (HTTPS, leaf
 * certificates from a sandbox CA), the sync status service, the DNS server for the sandbox
 * domain, and the admin server that switches faults at run time.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import path from 'node:path';
import type { Config } from '../lib/core/config.ts';
import { createAdminHandler } from './admin.ts';
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority, type CertificateAuthority, type KeyPairPem } from './certs.ts';
import { startDnsServer, type DnsServer } from './dns.ts';
import { FaultState, type ActiveFault, type FaultName, type FaultParams } from './faults.ts';
import { closeServer, listen, trackSockets } from './http-util.ts';
import { createLoadBalancer } from './load-balancer.ts';
import { LaunchTraffic, SANDBOX_LPS_SYSTEMS, SANDBOX_LPS_SYSTEM_NAMES, type SandboxLpsSystem } from './lps.ts';
import { createNodeApp } from './app.ts';
import { createSyncHandler } from './sync.ts';
import { World, type SandboxStats } from './world.ts';

export interface SandboxOptions {
  /** Bind address of every server. Default `127.0.0.1`. */
  host?: string;
  /** Load balancer port. Default 0 (ephemeral). */
  lbPort?: number;
  /** The application nodes (HTTPS). Default `flp-1`, `flp-2`, `flp-3` on ephemeral ports. */
  nodes?: { name: string; port?: number }[];
  /** Sync status service port. Default 0. */
  syncPort?: number;
  /** DNS server (UDP) port. Default 0. */
  dnsPort?: number;
  /** Admin server port. Default 0. */
  adminPort?: number;
  /** Sync sources. Default `lab`, `diagnoses`, `medication`, `measurements`. */
  sources?: string[];
  /** The version every node reports. Default `2026.4.1`. */
  version?: string;
  /** Domain of the sandbox's host names: `flp.<domain>`, `<node>.<domain>`, `sync.<domain>`. Default `sandbox.test`. */
  domain?: string;
  /** Where the CA is kept (`ca.pem`, `ca-key.pem`); created if missing, reused when present. */
  certDir: string;
  /** The sandbox clock (ms since the epoch) that signed launches and launch statistics go by. Default Date.now. */
  clock?: () => number;
  /** Simulate real clinics' launches (every system's `realLaunchesPerSecond`, once a second). Default true. */
  launchTraffic?: boolean;
}

export interface Sandbox {
  /** The load balancer, `http://flp.<domain>:<port>`. */
  baseUrl: string;
  /** Each node, `https://<node>.<domain>:<port>`. */
  nodes: { name: string; url: string }[];
  /** Each source's status URL, `http://sync.<domain>:<port>/sync/<source>/status`. */
  sync: { source: string; url: string }[];
  /** The admin server, `http://127.0.0.1:<port>`. */
  adminUrl: string;
  /** The DNS server that resolves the sandbox's names, `127.0.0.1:<port>`. */
  dnsServer: string;
  /** PEM of the CA that signed the nodes' certificates (`<certDir>/ca.pem`). */
  caFile: string;
  version: string;
  /** The LPS systems the sandbox accepts launches from (with the signed systems' keys). */
  lpsSystems: readonly SandboxLpsSystem[];
  /** Switches a fault on. Throws FaultError on an unknown fault, node, source or system. */
  setFault(name: FaultName, params?: FaultParams): void;
  clearFaults(): void;
  activeFaults(): ActiveFault[];
  stats(): SandboxStats;
  /** Closes every server and socket (hung ones included) at once. */
  close(): Promise<void>;
}

export const DEFAULT_NODES = ['flp-1', 'flp-2', 'flp-3'] as const;
export const DEFAULT_SOURCES = ['lab', 'diagnoses', 'medication', 'measurements'] as const;
export const DEFAULT_VERSION = '2026.4.1';
export const DEFAULT_DOMAIN = 'sandbox.test';

const DAY = 86_400_000;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Reuses the CA in certDir when it is readable and valid for another 30 days; otherwise makes and writes a new one. */
async function loadOrCreateCa(certDir: string): Promise<{ ca: CertificateAuthority; caFile: string }> {
  await mkdir(certDir, { recursive: true });
  const caFile = path.join(certDir, 'ca.pem');
  const keyFile = path.join(certDir, 'ca-key.pem');
  try {
    const [certPem, keyPem] = await Promise.all([readFile(caFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const ca = await loadCertificateAuthority(certPem, keyPem);
    if (Date.parse(new X509Certificate(certPem).validTo) > Date.now() + 30 * DAY) return { ca, caFile };
  } catch {
    // missing or unreadable: make a new one below
  }
  const ca = await createCertificateAuthority('FLP Sandbox CA');
  await writeFile(keyFile, ca.keyPem, { mode: 0o600 });
  await writeFile(caFile, ca.certPem);
  return { ca, caFile };
}

type TlsMode = 'valid' | 'expired' | 'untrusted';

interface NodeServer {
  name: string;
  server: https.Server;
  sockets: Set<Socket>;
  port: number;
  up: boolean;
  tls: TlsMode;
  leaves: Record<TlsMode, KeyPairPem>;
}

function validateOptions(nodes: { name: string }[], domain: string, sources: string[]): void {
  const problems: string[] = [];
  if (nodes.length === 0) problems.push('nodes: at least one node is needed');
  const seen = new Set<string>();
  for (const n of nodes) {
    if (!LABEL.test(n.name)) problems.push(`nodes: "${n.name}" is not a DNS label (letters, digits and "-")`);
    if (seen.has(n.name)) problems.push(`nodes: "${n.name}" is listed twice`);
    seen.add(n.name);
  }
  if (['flp', 'sync'].some((reserved) => seen.has(reserved))) problems.push('nodes: "flp" and "sync" are taken by the load balancer and the sync service');
  if (!domain.split('.').every((l) => LABEL.test(l))) problems.push(`domain: "${domain}" is not a DNS name`);
  if (sources.length === 0) problems.push('sources: at least one source is needed');
  for (const s of sources) if (!/^[A-Za-z0-9_-]+$/.test(s)) problems.push(`sources: "${s}" must be letters, digits, "_" or "-"`);
  if (problems.length) throw new Error(`sandbox options are not valid: ${problems.join('; ')}`);
}

/** Each node's HTTPS server with its three leaf certificates (valid, expired, signed by no one), not yet listening. */
async function nodeServers(world: World, ca: Awaited<ReturnType<typeof loadOrCreateCa>>['ca'], nodeSpecs: { name: string; port?: number }[], domain: string, ipAddresses: string[]): Promise<NodeServer[]> {
  const now = Date.now();
  return Promise.all(
  nodeSpecs.map(async (spec) => {
    const names = { commonName: `${spec.name}.${domain}`, dnsNames: [`${spec.name}.${domain}`], ipAddresses };
    const [valid, expired, untrusted] = await Promise.all([
      issueCertificate(ca, { ...names, notBefore: new Date(now - DAY), notAfter: new Date(now + 90 * DAY) }),
      issueCertificate(ca, { ...names, notBefore: new Date(now - 120 * DAY), notAfter: new Date(now - 2 * DAY) }),
      issueCertificate(null, { ...names, notBefore: new Date(now - DAY), notAfter: new Date(now + 90 * DAY) }),
    ]);
    const server = https.createServer({ cert: valid.certPem, key: valid.keyPem }, createNodeApp(world, spec.name));
    // Longer than the load balancer keeps an idle pooled connection, so it rarely meets a closing one.
    server.keepAliveTimeout = 65_000;
    return { name: spec.name, server, sockets: trackSockets(server), port: spec.port ?? 0, up: false, tls: 'valid' as TlsMode, leaves: { valid, expired, untrusted } };
  }),
  );
}

/** What the running sandbox changes as faults come and go. */
interface Live {
  host: string;
  nodes: NodeServer[];
  faults: FaultState;
  /** Set when the sandbox closes: nothing is reconciled after. */
  closed: boolean;
  /** Servers coming back up (`settled` waits for them). */
  pending: Promise<unknown>[];
  /** `transient`: which servers still have to reset one connection. */
  transientFault: ActiveFault | undefined;
  transientPending: Set<string>;
}

/** Brings servers in line with the faults now active. */
function reconcile(live: Live, lb: ReturnType<typeof createLoadBalancer>): void {
  if (live.closed) return;
  for (const n of live.nodes) {
    const down = live.faults.list().some((f) => f.name === 'node-down' && f.node === n.name);
    if (down && n.up) {
      n.up = false;
      n.server.close();
      for (const s of n.sockets) s.destroy();
    } else if (!down && !n.up) {
      n.up = true;
      live.pending.push(
        listen(n.server, n.port, live.host, `node ${n.name}`).catch((err: unknown) => {
          n.up = false;
          throw err;
        }),
      );
    }
  }
  const tls: TlsMode = live.faults.has('tls-untrusted') ? 'untrusted' : live.faults.has('tls-expired') ? 'expired' : 'valid';
  for (const n of live.nodes) {
    if (n.tls === tls) continue;
    n.tls = tls;
    n.server.setSecureContext({ cert: n.leaves[tls].certPem, key: n.leaves[tls].keyPem });
    n.server.closeIdleConnections();
  }
  if (!live.faults.has('lb-hang')) lb.releaseHung();
  const transient = live.faults.find('transient');
  if (transient !== live.transientFault) {
    live.transientFault = transient;
    live.transientPending = new Set(transient ? ['lb', 'sync', ...live.nodes.filter((n) => n.up).map((n) => `node:${n.name}`)] : []);
  }
}

/** Starts the sandbox. Rejects (with `code` EADDRINUSE when a port is taken) and leaves nothing running when a server cannot start. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const domain = (options.domain ?? DEFAULT_DOMAIN).toLowerCase();
  const nodeSpecs: { name: string; port?: number }[] = options.nodes ?? DEFAULT_NODES.map((name) => ({ name }));
  const sources = options.sources ?? [...DEFAULT_SOURCES];
  const version = options.version ?? DEFAULT_VERSION;
  validateOptions(nodeSpecs, domain, sources);

  const faults = new FaultState({ nodes: nodeSpecs.map((n) => n.name), sources, systems: SANDBOX_LPS_SYSTEM_NAMES });
  const world = new World({ version, domain, nodes: nodeSpecs.map((n) => n.name), sources, faults, ...(options.clock ? { clock: options.clock } : {}) });
  const traffic = new LaunchTraffic({ faults, stats: world.launches, clock: world.now });

  const { ca, caFile } = await loadOrCreateCa(options.certDir);
  const ipAddresses = [...new Set(['127.0.0.1', ...(isIP(host) && host !== '0.0.0.0' && host !== '::' ? [host] : [])])];
  const nodes = await nodeServers(world, ca, nodeSpecs, domain, ipAddresses);

  const lbServer = http.createServer();
  const lbSockets = trackSockets(lbServer);
  const syncServer = http.createServer(createSyncHandler(world));
  const syncSockets = trackSockets(syncServer);
  const adminServer = http.createServer();
  const adminSockets = trackSockets(adminServer);
  let dns: DnsServer | undefined;

  const live: Live = { host, nodes, faults, closed: false, pending: [], transientFault: undefined, transientPending: new Set() };
  const resetOnce = (id: string) => (socket: Socket) => {
    if (!live.transientPending.delete(id)) return;
    socket.resetAndDestroy();
    if (live.transientPending.size === 0) faults.remove('transient');
  };
  lbServer.on('connection', resetOnce('lb'));
  syncServer.on('connection', resetOnce('sync'));
  for (const n of nodes) n.server.on('connection', resetOnce(`node:${n.name}`));

  const closeAll = async () => {
    traffic.stop();
    lb.close();
    for (const t of world.timers) clearTimeout(t);
    world.timers.clear();
    await Promise.all([
      closeServer(lbServer, lbSockets),
      closeServer(syncServer, syncSockets),
      closeServer(adminServer, adminSockets),
      ...nodes.map((n) => closeServer(n.server, n.sockets)),
      dns?.close(),
    ]);
  };

  try {
    for (const n of nodes) {
      n.port = await listen(n.server, n.port, host, `node ${n.name}`);
      n.up = true;
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => closeServer(n.server, n.sockets)));
    throw err;
  }
  const lb = createLoadBalancer(
    world,
    nodes.map((n) => ({ name: n.name, host, port: n.port })),
  );
  lbServer.on('request', lb.handle);

  faults.onChange(() => reconcile(live, lb));

  const settled = async () => {
    const waiting = live.pending;
    live.pending = [];
    await Promise.all(waiting);
  };

  const sandbox: Sandbox = {
    baseUrl: '',
    nodes: [],
    sync: [],
    adminUrl: '',
    dnsServer: '',
    caFile,
    version,
    lpsSystems: SANDBOX_LPS_SYSTEMS,
    setFault: (name, params) => void faults.set(name, params ?? {}),
    clearFaults: () => faults.clear(),
    activeFaults: () => faults.list(),
    stats: () => world.stats(),
    close: (() => {
      let closing: Promise<void> | undefined;
      return () => {
        live.closed = true;
        closing ??= closeAll();
        return closing;
      };
    })(),
  };
  adminServer.on('request', createAdminHandler({ ...sandbox, settled }));

  try {
    const lbPort = await listen(lbServer, options.lbPort ?? 0, host, 'load balancer');
    const syncPort = await listen(syncServer, options.syncPort ?? 0, host, 'sync service');
    const adminPort = await listen(adminServer, options.adminPort ?? 0, host, 'admin server');
    dns = await startDnsServer(world, host, options.dnsPort ?? 0);
    const hostPort = (p: number) => (host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`);
    Object.assign(sandbox, {
      baseUrl: `http://flp.${domain}:${lbPort}`,
      nodes: nodes.map((n) => ({ name: n.name, url: `https://${n.name}.${domain}:${n.port}` })),
      sync: sources.map((source) => ({ source, url: `http://sync.${domain}:${syncPort}/sync/${source}/status` })),
      adminUrl: `http://${hostPort(adminPort)}`,
      dnsServer: hostPort(dns.port),
    });
    if (options.launchTraffic !== false) traffic.start();
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  return sandbox;
}

function portOf(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/**
 * The sandbox a config describes: ports from `target.baseUrl`, `target.nodes[].url`,
 * `sync[0].url`, `target.dnsServers[0]` and `sandbox.adminPort`; the domain from the load
 * balancer's host name (`flp.<domain>`); `certDir` the folder of `target.caFile`.
 */
export function sandboxOptionsFromConfig(config: Config): SandboxOptions {
  const lbHost = new URL(config.target.baseUrl).hostname;
  const dnsServer = config.target.dnsServers?.[0];
  const syncUrl = config.sync[0]?.url;
  const options: SandboxOptions = {
    host: '127.0.0.1',
    lbPort: portOf(config.target.baseUrl),
    nodes: config.target.nodes.map((n) => ({ name: n.name, port: portOf(n.url) })),
    syncPort: syncUrl ? portOf(syncUrl) : 0,
    dnsPort: dnsServer ? Number(dnsServer.slice(dnsServer.lastIndexOf(':') + 1)) : 0,
    adminPort: config.sandbox?.adminPort ?? 0,
    sources: config.sync.length ? config.sync.map((s) => s.source) : [...DEFAULT_SOURCES],
    version: config.sandbox?.version ?? DEFAULT_VERSION,
    domain: lbHost.startsWith('flp.') ? lbHost.slice(4) : DEFAULT_DOMAIN,
    certDir: path.dirname(config.target.caFile ?? path.resolve('.flp-monitor/sandbox/ca.pem')),
  };
  return options;
}
