import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lib/core/config.ts';
import { keyFromSecret, withLaunchKeys } from '../../../../lib/runtime/launch-keys.ts';
import { rawConfig } from '../../../support/config.ts';

const config = (profiles: ({ system: string } & Record<string, unknown>)[], aws: Record<string, unknown> = {}) =>
  parseConfig(rawConfig({ journey: { clinic: '012345', cpr: '2512489996', lpsSystem: profiles[0]!.system }, lps: { profiles }, aws }), { baseDir: '/tmp' });

describe('withLaunchKeys', () => {
  it("fills each signed profile's key from its own secret, else from the journey secret's lpsKeys, and reads nothing for the others", async () => {
    const read: string[] = [];
    const secrets: Record<string, string> = { 'flp/medsign': '{"key":"from-own-secret"}', 'flp/praksis': '  bare-value\n' };
    const c = config(
      [
        { system: 'nordjournal', vendor: 'Nordlys Data', style: 'query' },
        { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/medsign' },
        { system: 'praksisnet', vendor: 'PraksisNet', style: 'signed', keySecretName: 'flp/praksis' },
        { system: 'klinik', vendor: 'Klinik', style: 'signed' },
        { system: 'local', vendor: 'Local', style: 'signed', key: 'written-in-config' },
      ],
      { journeySecretName: 'flp/journey' },
    );
    const keyed = await withLaunchKeys(c, async (name) => (read.push(name), secrets[name]!), JSON.stringify({ username: 'u', lpsKeys: { klinik: 'from-journey-secret' } }));
    expect(keyed.lps.profiles.map((p) => [p.system, p.key])).toEqual([
      ['nordjournal', undefined],
      ['medsign', 'from-own-secret'],
      ['praksisnet', 'bare-value'],
      ['klinik', 'from-journey-secret'],
      ['local', 'written-in-config'],
    ]);
    expect(read.sort()).toEqual(['flp/medsign', 'flp/praksis']);
    // The config the caller holds is not changed: keys live only in the copy the probes get.
    expect(c.lps.profiles[1]!.key).toBeUndefined();
  });

  it('names the profile and the secret when no key can be found', async () => {
    const own = config([{ system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/medsign' }]);
    await expect(withLaunchKeys(own, async () => '{"username":"x"}')).rejects.toThrow('lps.profiles[0] (medsign): secret flp/medsign holds no key (a bare value, or JSON { "key": … })');
    const journey = config([{ system: 'medsign', vendor: 'MedSign ApS', style: 'signed' }], { journeySecretName: 'flp/journey' });
    await expect(withLaunchKeys(journey, async () => '', '{"lpsKeys":{}}')).rejects.toThrow('lps.profiles[0] (medsign): no key: set keySecretName, or lpsKeys.medsign in the journey secret');
  });

  it('reads a key from a bare value or a JSON object, and nothing from an empty or keyless one', () => {
    expect(keyFromSecret('abc')).toBe('abc');
    expect(keyFromSecret('{"key":"abc"}')).toBe('abc');
    expect(keyFromSecret('{"other":"abc"}')).toBeUndefined();
    expect(keyFromSecret('  ')).toBeUndefined();
  });
});

describe('withLaunchKeys for one function', () => {
  it("reads only the keys it is told to: the journey function signs its own profile's launch alone", async () => {
    const read: string[] = [];
    const c = config([
      { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/medsign' },
      { system: 'praksisnet', vendor: 'PraksisNet', style: 'signed', keySecretName: 'flp/praksis' },
    ]);
    const keyed = await withLaunchKeys(c, async (name) => (read.push(name), 'k'), undefined, new Set(['medsign']));
    expect(read).toEqual(['flp/medsign']);
    expect(keyed.lps.profiles.map((p) => p.key)).toEqual(['k', undefined]);
  });
});
