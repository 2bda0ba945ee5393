import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lib/core/config.ts';
import { keyFromSecret, withLaunchKeys } from '../../../../lib/runtime/launch-keys.ts';
import { rawConfig } from '../../../support/config.ts';
import type { KeyedLaunchProfile } from '../../../../probes/launch.ts';

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
    const { config: keyed, missing } = await withLaunchKeys(c, async (name) => (read.push(name), secrets[name]!), JSON.stringify({ username: 'u', lpsKeys: { klinik: 'from-journey-secret' } }));
    expect(missing).toEqual([]);
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

  it("leaves a profile whose key cannot be had without one, naming the secret and why, and keys the others", async () => {
    const c = config(
      [
        { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/medsign' },
        { system: 'praksisnet', vendor: 'PraksisNet', style: 'signed', keySecretName: 'flp/praksis' },
        { system: 'klinik', vendor: 'Klinik', style: 'signed', keySecretName: 'flp/klinik' },
        { system: 'nordlys', vendor: 'Nordlys', style: 'signed' },
      ],
      { journeySecretName: 'flp/journey' },
    );
    const read = async (name: string) => {
      if (name === 'flp/medsign') throw new Error("could not read the LPS launch key secret flp/medsign: ResourceNotFoundException: Secrets Manager can't find the specified secret.");
      return name === 'flp/praksis' ? '{"username":"x"}' : 'k';
    };
    const { config: keyed, missing } = await withLaunchKeys(c, read, '{"lpsKeys":{}}');
    expect(missing).toEqual([
      { system: 'medsign', secret: 'flp/medsign', problem: "lps.profiles[0] (medsign): could not read the LPS launch key secret flp/medsign: ResourceNotFoundException: Secrets Manager can't find the specified secret." },
      { system: 'praksisnet', secret: 'flp/praksis', problem: 'lps.profiles[1] (praksisnet): secret flp/praksis holds no key (a bare value, or JSON { "key": … })' },
      { system: 'nordlys', secret: 'flp/journey', problem: 'lps.profiles[3] (nordlys): no key: the journey secret flp/journey holds no lpsKeys.nordlys' },
    ]);
    const profiles = keyed.lps.profiles as KeyedLaunchProfile[];
    expect(profiles.map((p) => [p.system, p.key, p.keyProblem])).toEqual([
      ['medsign', undefined, missing[0]!.problem],
      ['praksisnet', undefined, missing[1]!.problem],
      ['klinik', 'k', undefined],
      ['nordlys', undefined, missing[2]!.problem],
    ]);
  });

  it('names the journey secret when it could not be read, for the keys it was to hold', async () => {
    const c = config([{ system: 'medsign', vendor: 'MedSign ApS', style: 'signed' }], { journeySecretName: 'flp/journey' });
    const { missing } = await withLaunchKeys(c, async () => 'k', { name: 'arn:flp-journey', problem: 'could not read the journey secret arn:flp-journey: AccessDeniedException: not authorized' });
    expect(missing).toEqual([{ system: 'medsign', secret: 'arn:flp-journey', problem: 'lps.profiles[0] (medsign): lpsKeys.medsign not read: could not read the journey secret arn:flp-journey: AccessDeniedException: not authorized' }]);
  });

  it('reads a missing key again, and keeps what it found before', async () => {
    const c = config([
      { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/medsign' },
      { system: 'praksisnet', vendor: 'PraksisNet', style: 'signed', keySecretName: 'flp/praksis' },
    ]);
    let created = false;
    const read: string[] = [];
    const secret = async (name: string) => {
      read.push(name);
      if (name === 'flp/medsign' && !created) throw new Error('could not read flp/medsign: ResourceNotFoundException');
      return `key-of-${name}`;
    };
    const first = await withLaunchKeys(c, secret);
    expect(first.missing.map((m) => m.system)).toEqual(['medsign']);
    created = true;
    read.length = 0;
    const again = await withLaunchKeys(first.config, secret, undefined, new Set(['medsign']));
    expect(read).toEqual(['flp/medsign']);
    expect(again.missing).toEqual([]);
    expect((again.config.lps.profiles as KeyedLaunchProfile[]).map((p) => [p.key, p.keyProblem])).toEqual([
      ['key-of-flp/medsign', undefined],
      ['key-of-flp/praksis', undefined],
    ]);
  });

  it('reads a key from a bare value or a JSON object, and nothing from an empty or keyless one', () => {
    expect(keyFromSecret('abc')).toBe('abc');
    expect(keyFromSecret('{"key":"abc"}')).toBe('abc');
    expect(keyFromSecret('{"other":"abc"}')).toBeUndefined();
    expect(keyFromSecret('  ')).toBeUndefined();
  });
});

describe('withLaunchKeys for some profiles', () => {
  it('reads only the keys it is told to', async () => {
    const read: string[] = [];
    const c = config([
      { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', keySecretName: 'flp/medsign' },
      { system: 'praksisnet', vendor: 'PraksisNet', style: 'signed', keySecretName: 'flp/praksis' },
    ]);
    const { config: keyed } = await withLaunchKeys(c, async (name) => (read.push(name), 'k'), undefined, new Set(['medsign']));
    expect(read).toEqual(['flp/medsign']);
    expect(keyed.lps.profiles.map((p) => p.key)).toEqual(['k', undefined]);
  });
});
