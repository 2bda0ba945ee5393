/**
 * A crash inside a command is flp-monitor's bug, not the user's mistake: exit 70 (EX_SOFTWARE)
 * with a message saying so and the stack, never the 2 of usage and config errors.
 */
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../../lib/core/config.ts';
import { UsageError } from '../../../../lib/cli/errors.ts';
import { EXIT, main } from '../../../../lib/cli/main.ts';

// The command `alarms` stands in for any command; what it throws is set per test.
const thrown = vi.hoisted(() => ({ error: null as unknown }));
vi.mock('../../../../lib/cli/alarms.ts', () => ({
  alarmsCommand: async () => {
    throw thrown.error;
  },
}));

async function crashWith(error: unknown) {
  thrown.error = error;
  let out = '';
  let err = '';
  const code = await main(['alarms'], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('a command that crashes', () => {
  it('exits 70 saying it is a bug in flp-monitor, with the stack', async () => {
    const r = await crashWith(new TypeError("Cannot read properties of undefined (reading 'owner')"));
    expect(r.code).toBe(EXIT.internal);
    expect(EXIT.internal).toBe(70);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^flp-monitor: unexpected failure: this is a bug in flp-monitor \d+\.\d+\.\d+ \(Node v\d+/);
    expect(r.err).toContain('not a problem with your usage or config');
    expect(r.err).toContain("TypeError: Cannot read properties of undefined (reading 'owner')");
    expect(r.err).toMatch(/\n\s+at .*main-crash\.test\.ts/);
  });

  it('exits 70 for a thrown value that is not an Error', async () => {
    const r = await crashWith('a string');
    expect(r.code).toBe(EXIT.internal);
    expect(r.err).toContain('a string');
  });

  it('still exits 2, with one message and no stack, for usage and config errors', async () => {
    for (const e of [new UsageError('--runs must be a whole number'), new ConfigError('/x.json', ['environment: is required'])]) {
      const r = await crashWith(e);
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toMatch(/^flp-monitor: /);
      expect(r.err).not.toMatch(/bug|\n\s+at /);
    }
  });
});
