import { describe, expect, it } from 'vitest';
import { chromiumFailureEvidence, chromiumNetCode } from '../../../../probes/journey/chromium-errors.ts';

const url = 'http://flp.sandbox.test:8700/lps/launch';

describe('chromiumFailureEvidence', () => {
  it("reports a name that does not resolve with Node's ENOTFOUND", () => {
    expect(chromiumFailureEvidence('page.goto: net::ERR_NAME_NOT_RESOLVED at http://x/\nCall log:', url)).toEqual({
      type: 'network',
      url,
      code: 'ENOTFOUND',
      message: 'net::ERR_NAME_NOT_RESOLVED',
    });
  });

  it("reports a refused connection with Node's ECONNREFUSED", () => {
    expect(chromiumFailureEvidence('net::ERR_CONNECTION_REFUSED', url)).toMatchObject({ type: 'network', code: 'ECONNREFUSED' });
  });

  it("keeps Chromium's code for resets and empty responses", () => {
    expect(chromiumFailureEvidence('page.goto: net::ERR_CONNECTION_RESET at x', url)).toMatchObject({ type: 'network', code: 'net::ERR_CONNECTION_RESET' });
    expect(chromiumFailureEvidence('net::ERR_EMPTY_RESPONSE', url)).toMatchObject({ type: 'network', code: 'net::ERR_EMPTY_RESPONSE' });
  });

  it('reports certificate and SSL failures as TLS', () => {
    expect(chromiumFailureEvidence('net::ERR_CERT_DATE_INVALID', url)).toEqual({ type: 'tls', url, code: 'net::ERR_CERT_DATE_INVALID', message: 'net::ERR_CERT_DATE_INVALID' });
    expect(chromiumFailureEvidence('net::ERR_CERT_AUTHORITY_INVALID', url)).toMatchObject({ type: 'tls' });
    expect(chromiumFailureEvidence('net::ERR_SSL_PROTOCOL_ERROR', url)).toMatchObject({ type: 'tls' });
  });

  it('gives no evidence for failures that are not the network (a cancelled request, a plain message)', () => {
    expect(chromiumFailureEvidence('net::ERR_ABORTED', url)).toBeUndefined();
    expect(chromiumFailureEvidence('Timeout 3000ms exceeded.', url)).toBeUndefined();
  });

  it('finds the code inside a longer message', () => {
    expect(chromiumNetCode('page.goto: net::ERR_UNSAFE_PORT at http://127.0.0.1:1/')).toBe('net::ERR_UNSAFE_PORT');
    expect(chromiumNetCode('nothing here')).toBeUndefined();
  });
});
