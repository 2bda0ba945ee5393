import { describe, expect, it } from 'vitest';
import { withSecretCpr } from '../../../../lib/runtime/journey-secret.ts';
import { parseConfig } from '../../../../lib/core/config.ts';
import { rawConfig } from '../../../support/config.ts';

const config = () => parseConfig(rawConfig());

describe('the journey secret\'s CPR', () => {
  it('replaces journey.cpr when the secret holds one, so the CPR need not ship with the config', () => {
    expect(withSecretCpr(config(), JSON.stringify({ cpr: '0101011234', lpsKeys: {} }), 'flp/journey').journey.cpr).toBe('0101011234');
  });

  it('leaves the config as it is for a secret without a cpr, or one that is no JSON', () => {
    expect(withSecretCpr(config(), JSON.stringify({ lpsKeys: { medsign: 'k' } }), 'flp/journey').journey.cpr).toBe(config().journey.cpr);
    expect(withSecretCpr(config(), 'user:password', 'flp/journey').journey.cpr).toBe(config().journey.cpr);
    expect(withSecretCpr(config(), undefined, 'flp/journey').journey.cpr).toBe(config().journey.cpr);
  });

  it('names the secret, never its value, when its cpr is not 10 digits', () => {
    expect(() => withSecretCpr(config(), JSON.stringify({ cpr: '251248-9996' }), 'flp/journey')).toThrow('the journey secret flp/journey: "cpr" must be a string of 10 digits (the test patient\'s CPR)');
    expect(() => withSecretCpr(config(), JSON.stringify({ cpr: '251248-9996' }), 'flp/journey')).not.toThrow(/251248/);
  });
});
