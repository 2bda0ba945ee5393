/**
 * The journey secret (`aws.journeySecretName`), read at cold start: JSON that may hold the test
 * patient's CPR (`{ "cpr": "…" }`), which then replaces `journey.cpr`, and the signed LPS
 * profiles' keys (`lpsKeys`, lib/runtime/launch-keys.ts). A CPR kept there is read at run time
 * and never written into the template, the environment or a log.
 */
import type { Config } from '../core/config.ts';

/**
 * The config with `journey.cpr` from the secret when the secret is JSON with a `cpr`; otherwise
 * unchanged. Throws naming the secret (never its value) when that `cpr` is not 10 digits.
 */
export function withSecretCpr(config: Config, secret: string | undefined, secretName: string): Config {
  if (!secret?.trim().startsWith('{')) return config;
  let cpr: unknown;
  try {
    cpr = (JSON.parse(secret) as { cpr?: unknown }).cpr;
  } catch {
    return config;
  }
  if (cpr === undefined) return config;
  if (typeof cpr !== 'string' || !/^\d{10}$/.test(cpr)) throw new Error(`the journey secret ${secretName}: "cpr" must be a string of 10 digits (the test patient's CPR)`);
  return { ...config, journey: { ...config.journey, cpr } };
}
