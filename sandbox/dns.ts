/**
 * The sandbox's DNS server (UDP): it alone knows the names under the sandbox domain. A known
 * name resolves to the sandbox's address; anything else is NXDOMAIN. The `dns` fault makes
 * every name (or one node's name) NXDOMAIN.
 */
import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import type { World } from './world.ts';

const NXDOMAIN = 3;
const SERVFAIL = 2;

export interface DnsServer {
  port: number;
  close(): Promise<void>;
}

/** The names the sandbox answers for, lower case: flp.<domain>, sync.<domain>, <node>.<domain>. */
export function sandboxNames(world: World): Map<string, string | null> {
  const names = new Map<string, string | null>();
  names.set(`flp.${world.domain}`.toLowerCase(), null);
  names.set(`sync.${world.domain}`.toLowerCase(), null);
  for (const node of world.nodes) names.set(`${node}.${world.domain}`.toLowerCase(), node);
  return names;
}

export async function startDnsServer(world: World, host: string, port: number): Promise<DnsServer> {
  const names = sandboxNames(world);
  // The address clients should connect to: the bind address, or loopback when bound to all.
  const v4 = isIPv4(host) && host !== '0.0.0.0' ? host : isIPv6(host) ? null : '127.0.0.1';
  const v6 = isIPv6(host) && host !== '::' ? host : null;
  const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');

  function answer(query: dnsPacket.Packet): Buffer {
    const questions = query.questions ?? [];
    const answers: dnsPacket.Answer[] = [];
    let rcode = 0;
    const dnsFaults = world.faults.list().filter((f) => f.name === 'dns');
    const allDown = dnsFaults.some((f) => f.node === undefined);
    for (const q of questions) {
      const name = q.name.toLowerCase().replace(/\.$/, '');
      if (!names.has(name)) {
        rcode = NXDOMAIN;
        continue;
      }
      const node = names.get(name);
      if (allDown || (node && dnsFaults.some((f) => f.node === node))) {
        rcode = NXDOMAIN;
        continue;
      }
      // TTL 0: a resolver must ask again, so switching the fault takes effect at once.
      if (q.type === 'A' && v4) answers.push({ type: 'A', name: q.name, ttl: 0, class: 'IN', data: v4 });
      if (q.type === 'AAAA' && v6) answers.push({ type: 'AAAA', name: q.name, ttl: 0, class: 'IN', data: v6 });
    }
    if (questions.length === 0) rcode = SERVFAIL;
    const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | rcode,
      questions,
      answers: rcode === 0 ? answers : [],
    });
  }

  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: ignore, as a real server would
    }
    if (query.type !== 'query') return;
    socket.send(answer(query), rinfo.port, rinfo.address);
  });
  socket.on('error', () => {
    /* a failed send to a client that went away is not ours to report */
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) =>
      reject(Object.assign(new Error(`sandbox DNS server cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`, { cause: err }), { code: err.code })),
    );
    socket.bind(port, host, () => resolve());
  });
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
