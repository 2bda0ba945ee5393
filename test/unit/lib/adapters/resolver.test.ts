import dgram from 'node:dgram';
import dns from 'node:dns';
import type { AddressInfo } from 'node:net';
import * as packet from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createResolver } from '../../../../lib/adapters/resolver.ts';

type Zone = Record<string, { A?: string[]; AAAA?: string[]; rcode?: number }>;

/** A tiny authoritative DNS server on loopback UDP: answers from `zone`, NXDOMAIN for the rest. */
async function dnsResponder(zone: Zone, { silent = false } = {}) {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const query = packet.decode(msg);
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(`${question.type} ${question.name}`);
    if (silent) return;
    const entry = zone[question.name.toLowerCase()];
    const rcode = entry ? (entry.rcode ?? 0) : 3; // 3: NXDOMAIN
    const answers: packet.Answer[] =
      question.type === 'AAAA'
        ? (entry?.AAAA ?? []).map((data) => ({ type: 'AAAA', name: question.name, ttl: 60, data }))
        : (entry?.A ?? []).map((data) => ({ type: 'A', name: question.name, ttl: 60, data }));
    const reply = packet.encode({
      id: query.id,
      type: 'response',
      flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_DESIRED | rcode,
      questions: query.questions,
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return { server: `127.0.0.1:${port}`, queries, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

describe('createResolver with configured DNS servers', () => {
  let dnsServer: Awaited<ReturnType<typeof dnsResponder>>;

  beforeAll(async () => {
    dnsServer = await dnsResponder({
      'flp-1.sandbox.test': { A: ['127.0.0.1', '127.0.0.2'] },
      'v6only.sandbox.test': { AAAA: ['::1'] },
      'broken.sandbox.test': { rcode: 2 }, // SERVFAIL
    });
  });
  afterAll(() => dnsServer.close());
  afterEach(() => {
    dnsServer.queries.length = 0;
  });

  it('answers a name from the configured server, IPv4 first', async () => {
    const resolve = createResolver([dnsServer.server]);

    await expect(resolve('flp-1.sandbox.test')).resolves.toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
    ]);
    expect(dnsServer.queries).toEqual(['A flp-1.sandbox.test']);
  });

  it('falls back to AAAA when the name has no A record', async () => {
    const resolve = createResolver([dnsServer.server]);

    await expect(resolve('v6only.sandbox.test')).resolves.toEqual([{ address: '::1', family: 6 }]);
    expect(dnsServer.queries).toEqual(['A v6only.sandbox.test', 'AAAA v6only.sandbox.test']);
  });

  it('rejects a name that does not exist with ENOTFOUND, without a second query', async () => {
    const resolve = createResolver([dnsServer.server]);

    await expect(resolve('nowhere.sandbox.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(dnsServer.queries).toEqual(['A nowhere.sandbox.test']);
  });

  it('keeps the server failure code (ESERVFAIL)', async () => {
    const resolve = createResolver([dnsServer.server]);

    await expect(resolve('broken.sandbox.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
  });

  it('returns IP literals as they are without asking the server', async () => {
    const resolve = createResolver([dnsServer.server]);

    await expect(resolve('10.1.2.3')).resolves.toEqual([{ address: '10.1.2.3', family: 4 }]);
    await expect(resolve('[::1]')).resolves.toEqual([{ address: '::1', family: 6 }]);
    await expect(resolve('localhost')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(dnsServer.queries).toEqual([]);
  });

  it('refuses a DNS server given by name, saying it must be an address', () => {
    expect(() => createResolver(['ns1.example.test:53'])).toThrow(/dnsServers must be IP addresses/);
  });

  it('rejects with ETIMEOUT when the server never answers', async () => {
    const mute = await dnsResponder({}, { silent: true });
    try {
      const resolve = createResolver([mute.server], { timeoutMs: 100, tries: 1 });
      const started = performance.now();

      await expect(resolve('flp-1.sandbox.test')).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await mute.close();
    }
  });
});

describe('createResolver without DNS servers', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('asks the system resolver for every address', async () => {
    const lookup = vi.spyOn(dns.promises, 'lookup').mockResolvedValue([{ address: '192.0.2.7', family: 4 }] as never);
    const resolve = createResolver();

    await expect(resolve('flp.example.test')).resolves.toEqual([{ address: '192.0.2.7', family: 4 }]);
    expect(lookup).toHaveBeenCalledWith('flp.example.test', { all: true });
  });

  it("keeps the system resolver's error code", async () => {
    const err = Object.assign(new Error('getaddrinfo ENOTFOUND flp.example.test'), { code: 'ENOTFOUND' });
    vi.spyOn(dns.promises, 'lookup').mockRejectedValue(err);
    const resolve = createResolver();

    await expect(resolve('flp.example.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('returns an IP literal without a lookup', async () => {
    const lookup = vi.spyOn(dns.promises, 'lookup');
    const resolve = createResolver();

    await expect(resolve('127.0.0.1')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(lookup).not.toHaveBeenCalled();
  });
});
