/**
 * Where the signed LPS profiles' keys come from, as the config says: the secrets the runtime
 * reads (lib/runtime/launch-keys.ts) and the stack grants (lib/runtime/function-calls.ts).
 */
import type { Config } from './config.ts';

/** The Secrets Manager secrets the signed LPS profiles name (`keySecretName`), each once. */
export function launchKeySecretNames(config: Pick<Config, 'lps'>): string[] {
  return [...new Set(config.lps.profiles.filter((p) => p.style === 'signed' && !p.key && p.keySecretName).map((p) => p.keySecretName!))];
}

/** Whether a signed profile takes its key from the journey secret (`lpsKeys.<system>`): then the LPS launches need that secret too. */
export function launchKeysInJourneySecret(config: Pick<Config, 'lps' | 'aws'>): boolean {
  return !!config.aws.journeySecretName && config.lps.profiles.some((p) => p.style === 'signed' && !p.key && !p.keySecretName);
}
