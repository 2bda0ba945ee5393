import { describe, expect, it } from 'vitest';
import { maskCpr, redact } from '../../../../lib/core/privacy.ts';

describe('CPR masking', () => {
  it('masks the CPR in launch URLs, API paths and messages', () => {
    expect(maskCpr('http://lb/lps/launch?clinic=012345&cpr=2512489996&system=x')).toBe('http://lb/lps/launch?clinic=012345&cpr=251248-xxxx&system=x');
    expect(maskCpr('GET /api/patients/2512489996/overview answered 500')).toBe('GET /api/patients/251248-xxxx/overview answered 500');
    expect(maskCpr('patient 251248-9996')).toBe('patient 251248-xxxx');
  });

  it('leaves timestamps, epoch milliseconds, ports and durations alone', () => {
    const s = '2026-11-22T10:00:00.000Z 1763800000000 port 8701 took 1234 ms';
    expect(maskCpr(s)).toBe(s);
  });

  it('masks every string in a nested result without touching numbers', () => {
    const r = redact({ url: '/api/patients/2512489996/overview', n: 2512489996, list: ['cpr=0101901234'] });
    expect(r).toEqual({ url: '/api/patients/251248-xxxx/overview', n: 2512489996, list: ['cpr=010190-xxxx'] });
  });
});
