import { describe, expect, it } from 'vitest';
import { responseOrigin } from '../../../../lib/core/response-origin.ts';

// Error answers as common gateways send them, none of them our sandbox's: the verdict must not
// depend on texts only our sandbox prints.
describe('who answered an error: gateway or application', () => {
  it.each([
    ['AWS ALB 502 (server awselb/2.0, text/html)', 502, 'text/html'],
    ['AWS ALB 503 with no healthy targets', 503, 'text/html'],
    ['nginx 504 gateway timeout', 504, 'text/html'],
    ['HAProxy 503 without a body type', 503, undefined],
    ['Azure Application Gateway 502', 502, 'text/html; charset=utf-8'],
    ['Cloudflare 504 with a JSON body', 504, 'application/json'],
  ])('%s is the gateway', (_name, status, type) => {
    expect(responseOrigin(status, type)).toBe('proxy');
  });

  it.each([
    ['an application 500 in JSON', 500, 'application/json'],
    ['an application 503 in problem+json (database down)', 503, 'application/problem+json'],
    ['an application 404 in JSON', 404, 'application/json; charset=utf-8'],
  ])('%s is the application', (_name, status, type) => {
    expect(responseOrigin(status, type)).toBe('app');
  });

  it('cannot tell who sent a plain 500 page and says so', () => {
    expect(responseOrigin(500, 'text/html')).toBe('unknown');
  });
});
