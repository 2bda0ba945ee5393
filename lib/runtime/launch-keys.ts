/**
 * The signed LPS profiles' keys, read at run time and never written anywhere: a profile's own
 * `key` (local use), else its `keySecretName` (the bare value, or JSON `{ "key": … }`), else the
 * journey secret's `lpsKeys[<system>]` (JSON `{ "lpsKeys": { "medsign": "…" } }`). The config the
 * probes get carries the keys in memory only; the template and the logs never see them.
 */
import type { Config, LaunchProfile } from '../core/config.ts';

/** The Secrets Manager secrets the signed LPS profiles name (`keySecretName`), each once. */
export function launchKeySecretNames(config: Pick<Config, 'lps'>): string[] {
  return [...new Set(config.lps.profiles.filter((p) => p.style === 'signed' && !p.key && p.keySecretName).map((p) => p.keySecretName!))];
}

/** Whether a signed profile takes its key from the journey secret (`lpsKeys.<system>`): then the LPS launches need that secret too. */
export function launchKeysInJourneySecret(config: Pick<Config, 'lps' | 'aws'>): boolean {
  return !!config.aws.journeySecretName && config.lps.profiles.some((p) => p.style === 'signed' && !p.key && !p.keySecretName);
}

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

/**
 * The config with every signed profile's key filled in. Throws an error naming the profile and
 * the secret when a key cannot be found: a cold-start failure of the monitor, not a launch FLP refused.
 */
export async function withLaunchKeys(
  config: Config,
  readSecret: (name: string) => Promise<string>,
  journeySecret?: string,
  /** Only these systems' keys (the journey function signs its own profile's launch alone); default every profile's. */
  only?: ReadonlySet<string>,
): Promise<Config> {
  const fromJourney = lpsKeysFromJourneySecret(journeySecret);
  const profiles = await Promise.all(
    config.lps.profiles.map(async (p, i): Promise<LaunchProfile> => {
      if (p.style !== 'signed' || p.key || (only && !only.has(p.system))) return p;
      if (p.keySecretName) {
        const key = keyFromSecret(await readSecret(p.keySecretName));
        if (!key) throw new Error(`lps.profiles[${i}] (${p.system}): secret ${p.keySecretName} holds no key (a bare value, or JSON { "key": … })`);
        return { ...p, key };
      }
      const key = fromJourney[p.system];
      if (!key) throw new Error(`lps.profiles[${i}] (${p.system}): no key: set keySecretName, or lpsKeys.${p.system} in the journey secret (aws.journeySecretName)`);
      return { ...p, key };
    }),
  );
  return { ...config, lps: { ...config.lps, profiles } };
}
