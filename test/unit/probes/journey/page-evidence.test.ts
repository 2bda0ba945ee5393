import { EventEmitter } from 'node:events';
import type { Page, Request, Response } from 'playwright';
import { describe, expect, it } from 'vitest';
import { PageEvidence } from '../../../../probes/journey/page-evidence.ts';

const BASE = 'http://flp.test';

/** A page that only emits what the collector listens to. */
function fakePage(): EventEmitter & Page {
  return new EventEmitter() as EventEmitter & Page;
}

function request(url: string, options: { method?: string; failure?: string; navigation?: boolean } = {}): Request {
  return {
    url: () => url,
    method: () => options.method ?? 'GET',
    isNavigationRequest: () => options.navigation ?? false,
    failure: () => (options.failure ? { errorText: options.failure } : null),
  } as unknown as Request;
}

function response(req: Request, status: number, headers: Record<string, string> = {}, body: unknown = null): Response {
  return {
    url: () => req.url(),
    status: () => status,
    headers: () => headers,
    request: () => req,
    json: async () => body,
  } as unknown as Response;
}

const collector = (page: Page) => new PageEvidence(page, { plansPath: '/api/plans' });

describe('PageEvidence', () => {
  it("hands a page fetch the browser's failure that arrives after the fetch rejected, as soon as it arrives", async () => {
    // given a print request still in flight when the page's fetch rejects
    const page = fakePage();
    const seen = collector(page);
    const pdf = request(`${BASE}/api/plans/7/pdf`);
    page.emit('request', pdf);
    // when the step asks, and the browser reports the failure a moment later
    const t0 = performance.now();
    const asked = seen.failureOf('GET', `${BASE}/api/plans/7/pdf`, 5_000);
    setTimeout(() => page.emit('requestfailed', request(`${BASE}/api/plans/7/pdf`, { failure: 'net::ERR_CONNECTION_RESET' })), 20);
    // then it gets the browser's reason, without waiting out its bound
    const expected = { type: 'request-failed', url: `${BASE}/api/plans/7/pdf`, method: 'GET', failure: 'net::ERR_CONNECTION_RESET' };
    expect(await asked).toEqual(expected);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(seen.evidence).toEqual([expected]);
  });

  it('answers at once when the failure was recorded before the fetch rejected', async () => {
    const page = fakePage();
    const seen = collector(page);
    page.emit('requestfailed', request(`${BASE}/api/plans/7`, { method: 'DELETE', failure: 'net::ERR_CONNECTION_REFUSED' }));
    expect(await seen.failureOf('DELETE', `${BASE}/api/plans/7`, 0)).toMatchObject({ failure: 'net::ERR_CONNECTION_REFUSED' });
  });

  it('answers nothing, without waiting, for a request that finished or was cancelled, and records no cancellation', async () => {
    const page = fakePage();
    const seen = collector(page);
    const t0 = performance.now();
    const finished = seen.failureOf('GET', `${BASE}/a`, 5_000);
    const cancelled = seen.failureOf('GET', `${BASE}/b`, 5_000);
    page.emit('requestfinished', request(`${BASE}/a`));
    page.emit('requestfailed', request(`${BASE}/b`, { failure: 'net::ERR_ABORTED' }));
    expect(await finished).toBeUndefined();
    expect(await cancelled).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(seen.evidence).toEqual([]);
  });

  it('gives up after its bound when the browser never reports the request, and at close', async () => {
    const page = fakePage();
    const seen = collector(page);
    const t0 = performance.now();
    expect(await seen.failureOf('GET', `${BASE}/never`, 50)).toBeUndefined();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    const pending = seen.failureOf('GET', `${BASE}/never`, 60_000);
    seen.close();
    expect(await pending).toBeUndefined();
  });

  it('keeps apart requests with the same URL and another method', async () => {
    const page = fakePage();
    const seen = collector(page);
    page.emit('requestfailed', request(`${BASE}/api/plans/7`, { method: 'GET', failure: 'net::ERR_CONNECTION_RESET' }));
    expect(await seen.failureOf('DELETE', `${BASE}/api/plans/7`, 30)).toBeUndefined();
  });

  it('records an uncaught page error as a finding of the step that runs, and nothing once closed', () => {
    const page = fakePage();
    const seen = collector(page);
    seen.enter('overview');
    page.emit('pageerror', new Error('goals is undefined\n    at render'));
    seen.close();
    page.emit('pageerror', new Error('while closing'));
    page.emit('requestfailed', request(`${BASE}/x`, { failure: 'net::ERR_CONNECTION_RESET' }));
    expect(seen.evidence).toEqual([{ type: 'page-error', message: 'goals is undefined' }]);
    expect(seen.findings).toEqual([{ step: 'overview', message: 'the page threw an uncaught error: goals is undefined' }]);
  });

  it("records the page's error answers, and a gateway's as the proxy answering; not the navigation's, which the launch reports", () => {
    const page = fakePage();
    const seen = collector(page);
    page.emit('response', response(request(`${BASE}/api/patients/1/overview`), 500, { 'content-type': 'application/json' }));
    page.emit('response', response(request(`${BASE}/api/plans`, { method: 'POST' }), 502, { 'content-type': 'text/html', server: 'nginx' }));
    page.emit('response', response(request(`${BASE}/lps/launch`, { navigation: true }), 503));
    page.emit('response', response(request(`${BASE}/ok`), 200));
    expect(seen.evidence).toEqual([
      { type: 'request-failed', url: `${BASE}/api/patients/1/overview`, method: 'GET', status: 500 },
      { type: 'request-failed', url: `${BASE}/api/plans`, method: 'POST', status: 502 },
      { type: 'http-status', url: `${BASE}/api/plans`, status: 502, origin: 'proxy', contentType: 'text/html', server: 'nginx' },
    ]);
  });

  it('names the oldest request still waiting for its first byte, until its answer starts', () => {
    const page = fakePage();
    const seen = collector(page);
    const launch = request(`${BASE}/lps/launch`, { navigation: true });
    const script = request(`${BASE}/app.js`);
    page.emit('request', launch);
    page.emit('request', script);
    expect(seen.awaitingFirstByte()).toBe(`${BASE}/lps/launch`);
    page.emit('response', response(launch, 303));
    expect(seen.awaitingFirstByte()).toBe(`${BASE}/app.js`);
    page.emit('requestfailed', request(`${BASE}/other`, { failure: 'net::ERR_ABORTED' }));
    page.emit('requestfinished', script);
    expect(seen.awaitingFirstByte()).toBeUndefined();
  });

  it("keeps the plan id from the page's own POST /api/plans answer for cleanup", async () => {
    const page = fakePage();
    const seen = collector(page);
    expect(seen.postedPlan).toBeUndefined();
    page.emit('response', response(request(`${BASE}/api/plans`, { method: 'POST' }), 201, {}, { id: 42 }));
    expect(await seen.postedPlan).toEqual({ id: '42' });
  });
});
