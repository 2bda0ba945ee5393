/**
 * The signed LPS profiles' keys, read at run time and never written anywhere: a profile's own
 * `key` (local use), else its `keySecretName` (the bare value, or JSON `{ "key": … }`), else the
 * journey secret's `lpsKeys[<system>]` (JSON `{ "lpsKeys": { "medsign": "…" } }`). The config the
 * probes get carries the keys in memory only; the template and the logs never see them. A key
 * that cannot be had degrades that profile alone: its checks fail as `monitor`, naming the secret.
 */
import type { Config } from '../core/config.ts';
import type { KeyedLaunchProfile } from '../../probes/launch.ts';

export { launchKeySecretNames, launchKeysInJourneySecret } from '../core/launch-secrets.ts';

/** A secret's value as a key: the bare string, or the `key` field of a JSON object. */
export function keyFromSecret(value: string): string | undefined {
  const text = value.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { key?: unknown };
      return typeof parsed.key === 'string' && parsed.key ? parsed.key : undefined;
    } catch {
      return undefined;
    }
  }
  return text || undefined;
}

/** The journey secret's `lpsKeys` map, when it is JSON holding one. */
export function lpsKeysFromJourneySecret(value: string | undefined): Record<string, string> {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value) as { lpsKeys?: unknown };
    if (typeof parsed.lpsKeys !== 'object' || parsed.lpsKeys === null) return {};
    return Object.fromEntries(Object.entries(parsed.lpsKeys).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  } catch {
    return {};
  }
}

/** A signed profile whose key could not be had: which, from which secret, and why (in words naming the secret, never a value). */
export interface LaunchKeyProblem {
  system: string;
  /** The secret the key was to come from (`keySecretName`, or the journey secret); null when none is configured. */
  secret: string | null;
  problem: string;
}

/** The config with the keys filled in, and the profiles that have none (each carrying its `keyProblem`). */
export interface LaunchKeys {
  config: Config;
  missing: LaunchKeyProblem[];
}

/**
 * The config with every signed profile's key filled in. A key that cannot be had (its secret not
 * found or not readable, or holding no key) never fails the caller: that profile goes on without
 * a key and with the reason as its `keyProblem`, so its checks fail as the monitor's, naming the
 * secret and why (probes/launch.ts), and every other profile's and probe's run as usual.
 */
export async function withLaunchKeys(
  config: Config,
  readSecret: (name: string) => Promise<string>,
  journeySecret?: string | { problem: string; name: string },
  /** Only these systems' keys; default every profile's. */
  only?: ReadonlySet<string>,
): Promise<LaunchKeys> {
  const journey = typeof journeySecret === 'object' ? journeySecret : undefined;
  const fromJourney = lpsKeysFromJourneySecret(typeof journeySecret === 'string' ? journeySecret : undefined);
  const missing: LaunchKeyProblem[] = [];
  const profiles = await Promise.all(
    config.lps.profiles.map(async (given: KeyedLaunchProfile, i): Promise<KeyedLaunchProfile> => {
      if (given.style !== 'signed' || given.key || (only && !only.has(given.system))) return given;
      // Read again (a key missing before): the old reason goes, a new one comes if it is still missing.
      const { keyProblem: _, ...p } = given;
      const lack = (secret: string | null, problem: string): KeyedLaunchProfile => {
        missing.push({ system: p.system, secret, problem });
        return { ...p, keyProblem: problem };
      };
      if (p.keySecretName) {
        let value: string;
        try {
          value = await readSecret(p.keySecretName);
        } catch (err) {
          return lack(p.keySecretName, `lps.profiles[${i}] (${p.system}): ${(err as Error).message}`);
        }
        const key = keyFromSecret(value);
        if (!key) return lack(p.keySecretName, `lps.profiles[${i}] (${p.system}): secret ${p.keySecretName} holds no key (a bare value, or JSON { "key": … })`);
        return { ...p, key };
      }
      const name = journey?.name ?? config.aws.journeySecretName ?? null;
      if (journey) return lack(name, `lps.profiles[${i}] (${p.system}): lpsKeys.${p.system} not read: ${journey.problem}`);
      const key = fromJourney[p.system];
      if (!key)
        return lack(name, `lps.profiles[${i}] (${p.system}): no key: ${name ? `the journey secret ${name} holds no lpsKeys.${p.system}` : 'set keySecretName, or lpsKeys.' + p.system + ' in the journey secret (aws.journeySecretName)'}`);
      return { ...p, key };
    }),
  );
  return { config: { ...config, lps: { ...config.lps, profiles } }, missing: config.lps.profiles.flatMap((p) => missing.filter((m) => m.system === p.system)) };
}
