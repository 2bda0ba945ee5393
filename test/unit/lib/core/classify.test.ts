import { describe, expect, it } from 'vitest';
import { classify, classifyEvidence, verdictOf } from '../../../../lib/core/classify.ts';
import { DEFAULT_OWNERS } from '../../../../lib/core/config.ts';
import type { Evidence, FailureClass, ProbeKind, ProbeResult } from '../../../../lib/core/result.ts';

const LB = 'http://flp.example.test';

function result(probe: string, kind: ProbeKind, evidence: Evidence[], error = `${probe} failed`, attempts = 1): ProbeResult {
  return {
    probe,
    kind,
    target: probe,
    ok: evidence.length === 0,
    startedAt: '2026-11-22T10:00:00.000Z',
    durationMs: 100,
    attempts,
    steps: [],
    evidence,
    error: evidence.length ? error : 'ok',
    observations: {},
    artifacts: [],
  };
}

const healthy = () => [
  result('journey', 'journey', []),
  result('lb', 'node', []),
  result('node:flp-1', 'node', []),
  result('node:flp-2', 'node', []),
  result('release', 'release', []),
  result('sync:lab', 'sync', []),
];

/** Replaces the healthy result of `probe` with a failing one. */
function withFailures(failures: ProbeResult[], attempts = 1): ProbeResult[] {
  const byProbe = new Map(healthy().map((r) => [r.probe, { ...r, attempts }]));
  for (const f of failures) byProbe.set(f.probe, f);
  return [...byProbe.values()];
}

function verdict(results: ProbeResult[]) {
  return verdictOf(
    results.map((r) => classify(r, DEFAULT_OWNERS)),
    DEFAULT_OWNERS,
  );
}

// Each row of the contract's fault matrix, as the evidence the probes record for it.
const matrix: { fault: string; results: ProbeResult[]; expected: FailureClass | null; owner?: string }[] = [
  { fault: 'none', results: healthy(), expected: null },
  {
    fault: 'one node refuses connections (load balancer still serves)',
    results: withFailures([result('node:flp-2', 'node', [{ type: 'network', url: 'https://flp-2/health', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }])]),
    expected: 'infrastructure',
    owner: 'PLSP',
  },
  ...[502, 503, 504].map((status) => ({
    fault: `load balancer answers ${status} while nodes are healthy`,
    results: withFailures([
      result('lb', 'node', [{ type: 'http-status', url: `${LB}/health`, status, origin: 'proxy', contentType: 'text/html', server: 'nginx' } as Evidence]),
      result('journey', 'journey', [{ type: 'http-status', url: `${LB}/lps/launch`, status, origin: 'proxy', contentType: 'text/html' } as Evidence]),
    ]),
    expected: 'infrastructure' as const,
  })),
  {
    fault: 'database down (the API fails too, as a symptom)',
    results: withFailures([
      result('node:flp-1', 'node', [{ type: 'database-down', url: 'https://flp-1/health', node: 'flp-1' }]),
      result('node:flp-2', 'node', [{ type: 'database-down', url: 'https://flp-2/health', node: 'flp-2' }]),
      result('journey', 'journey', [
        { type: 'request-failed', url: `${LB}/api/patients/x/overview`, method: 'GET', status: 503 },
        { type: 'app-error-shown', text: 'Data could not be loaded' },
      ]),
    ]),
    expected: 'infrastructure',
  },
  {
    fault: 'TLS certificate expired',
    results: withFailures([result('node:flp-1', 'node', [{ type: 'tls', url: 'https://flp-1/health', code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }])]),
    expected: 'infrastructure',
  },
  {
    fault: 'TLS certificate untrusted (seen by the browser)',
    results: withFailures([result('journey', 'journey', [{ type: 'tls', url: `${LB}/lps/launch`, code: 'net::ERR_CERT_AUTHORITY_INVALID', message: 'untrusted' }])]),
    expected: 'infrastructure',
  },
  {
    fault: 'host name does not resolve',
    results: withFailures([
      result('journey', 'journey', [{ type: 'network', url: `${LB}/lps/launch`, code: 'ENOTFOUND', message: 'queryA ENOTFOUND' }]),
      result('lb', 'node', [{ type: 'network', url: `${LB}/health`, code: 'ENOTFOUND', message: 'queryA ENOTFOUND' }]),
    ]),
    expected: 'infrastructure',
  },
  {
    fault: 'load balancer accepts the connection but never answers',
    results: withFailures([
      result('lb', 'node', [{ type: 'timeout', url: `${LB}/health`, phase: 'first-byte', afterMs: 3000 }]),
      result('journey', 'journey', [{ type: 'timeout', url: `${LB}/lps/launch`, phase: 'first-byte', afterMs: 5000 }]),
    ]),
    expected: 'infrastructure',
  },
  {
    fault: 'app API answers 500',
    results: withFailures([
      result('journey', 'journey', [
        { type: 'request-failed', url: `${LB}/api/patients/x/overview`, method: 'GET', status: 500 },
        { type: 'app-error-shown', text: 'Data could not be loaded' },
      ]),
    ]),
    expected: 'application',
    owner: 'KiAP',
  },
  {
    fault: 'a section missing from the page',
    results: withFailures([result('journey', 'journey', [{ type: 'missing-element', selector: '[data-testid="diagnoses"]', description: 'diagnoses' }])]),
    expected: 'application',
  },
  {
    fault: 'a JS error on the page',
    results: withFailures([result('journey', 'journey', [{ type: 'page-error', message: 'TypeError: x is undefined' }])]),
    expected: 'application',
  },
  {
    fault: 'plan creation fails',
    results: withFailures([result('journey', 'journey', [{ type: 'request-failed', url: `${LB}/api/plans`, method: 'POST', status: 500 }])]),
    expected: 'application',
  },
  {
    fault: 'print does not return a PDF',
    results: withFailures([result('journey', 'journey', [{ type: 'bad-response', url: `${LB}/api/plans/1/pdf`, problem: 'content-type text/html, not application/pdf' }])]),
    expected: 'application',
  },
  {
    fault: 'a sync source reports failed',
    results: withFailures([result('sync:lab', 'sync', [{ type: 'sync-failed', source: 'lab', lastSuccessfulSync: '2026-11-22T03:48:00Z', error: 'import job crashed' }])]),
    expected: 'sync',
    owner: 'PLSP',
  },
  {
    fault: 'a sync source older than its limit',
    results: withFailures([
      result('sync:lab', 'sync', [{ type: 'sync-stale', source: 'lab', where: 'status', lastSuccessfulSync: '2026-11-22T00:00:00Z', lagSeconds: 36000, maxLagMinutes: 120 }]),
    ]),
    expected: 'sync',
  },
  {
    fault: 'a sync status endpoint errors',
    results: withFailures([result('sync:lab', 'sync', [{ type: 'http-status', url: 'http://sync/lab', status: 500, origin: 'app', contentType: 'application/json' }])]),
    expected: 'sync',
  },
  {
    fault: 'a sync status endpoint returns malformed JSON',
    results: withFailures([result('sync:lab', 'sync', [{ type: 'sync-malformed', source: 'lab', url: 'http://sync/lab', problem: 'not JSON' }])]),
    expected: 'sync',
  },
  {
    fault: 'the page shows data older than its source limit',
    results: withFailures([
      result('journey', 'journey', [{ type: 'sync-stale', source: 'lab', where: 'page', lastSuccessfulSync: '2026-11-22T00:00:00Z', lagSeconds: 36000, maxLagMinutes: 120 }]),
    ]),
    expected: 'sync',
  },
  {
    fault: 'a node reports another version than the rest',
    results: withFailures([result('release', 'release', [{ type: 'version-drift', versions: { 'flp-1': '2026.4.1', 'flp-2': '2026.4.0' } }])]),
    expected: 'release',
    owner: 'KiAP',
  },
  { fault: 'a single transient connection error that a retry clears', results: withFailures([], 2), expected: null },
];

describe('classifier: the contract fault matrix', () => {
  it.each(matrix)('$fault → $expected', ({ results, expected, owner }) => {
    const v = verdict(results);
    expect(v.class).toBe(expected);
    expect(v.ok).toBe(expected === null);
    if (owner) expect(v.owner).toBe(owner);
    if (expected) expect(v.owner).toBe(DEFAULT_OWNERS[expected]);
  });
});

describe('classifier: precedence and summaries', () => {
  it('reports an infrastructure root cause over the release, sync and application symptoms it causes', () => {
    const v = verdict(
      withFailures([
        result('journey', 'journey', [{ type: 'page-error', message: 'boom' }], 'overview failed: page error boom'),
        result('sync:lab', 'sync', [{ type: 'sync-failed', source: 'lab' }], 'lab sync failed'),
        result('release', 'release', [{ type: 'version-drift', versions: { a: '1', b: '2' } }], 'version drift'),
        result('node:flp-1', 'node', [{ type: 'database-down', url: 'u', node: 'flp-1' }], 'flp-1 database down'),
      ]),
    );
    expect(v.class).toBe('infrastructure');
    expect(v.summary).toMatch(/^infrastructure \(PLSP\): flp-1 database down; also failing: /);
    expect(v.summary).toContain('journey (application)');
  });

  it('puts release before sync, and sync before application', () => {
    const drift = result('release', 'release', [{ type: 'version-drift', versions: { a: '1', b: '2' } }]);
    const stale = result('sync:lab', 'sync', [{ type: 'sync-failed', source: 'lab' }]);
    const app = result('journey', 'journey', [{ type: 'page-error', message: 'x' }]);
    expect(verdict(withFailures([drift, stale, app])).class).toBe('release');
    expect(verdict(withFailures([stale, app])).class).toBe('sync');
  });

  it('ranks a failure of the monitor itself below any finding about FLP', () => {
    const browser = result('journey', 'journey', [{ type: 'monitor', message: 'Chromium would not start' }]);
    const stale = result('sync:lab', 'sync', [{ type: 'sync-failed', source: 'lab' }]);
    expect(verdict(withFailures([browser])).class).toBe('monitor');
    expect(verdict(withFailures([browser])).owner).toBe('monitor-owner');
    expect(verdict(withFailures([browser, stale])).class).toBe('sync');
  });

  it('blames the monitor, not an organisation, for a failure without evidence', () => {
    expect(classify(result('journey', 'journey', [{ type: 'page-error', message: 'x' }]), DEFAULT_OWNERS).class).toBe('application');
    const noEvidence = { ...result('journey', 'journey', []), ok: false };
    expect(classify(noEvidence, DEFAULT_OWNERS).class).toBe('monitor');
  });

  it('uses the configured owner of a class', () => {
    const owners = { ...DEFAULT_OWNERS, application: 'KiAP-dev-team' };
    const r = classify(result('journey', 'journey', [{ type: 'page-error', message: 'x' }]), owners);
    expect(r.owner).toBe('KiAP-dev-team');
  });

  it('says how many checks passed only on retry when everything passed', () => {
    expect(verdict(withFailures([], 2)).summary).toMatch(/^all 6 checks passed \(6 passed on retry\)$/);
  });
});

describe('classifier: evidence', () => {
  it('tells a gateway error from an application error by origin', () => {
    expect(classifyEvidence({ type: 'http-status', url: 'u', status: 503, origin: 'proxy' }, 'journey')).toBe('infrastructure');
    expect(classifyEvidence({ type: 'http-status', url: 'u', status: 503, origin: 'app' }, 'journey')).toBe('application');
    expect(classifyEvidence({ type: 'http-status', url: 'u', status: 500, origin: 'unknown' }, 'node')).toBe('application');
  });

  it('tells a hosting timeout (no first byte) from a slow step', () => {
    expect(classifyEvidence({ type: 'timeout', phase: 'first-byte', afterMs: 1 }, 'journey')).toBe('infrastructure');
    expect(classifyEvidence({ type: 'timeout', phase: 'step', afterMs: 1 }, 'journey')).toBe('application');
  });

  it.each([
    ['sync', 'first-byte', 'infrastructure'],
    ['node', 'first-byte', 'infrastructure'],
    ['journey', 'first-byte', 'infrastructure'],
    ['release', 'first-byte', 'infrastructure'],
    ['sync', 'body', 'sync'],
    ['node', 'body', 'application'],
    ['journey', 'body', 'application'],
    ['release', 'body', 'application'],
  ] as const)('reads a %s probe timeout in phase %s as %s', (kind, phase, expected) => {
    expect(classifyEvidence({ type: 'timeout', url: 'http://flp.example.test/x', phase, afterMs: 3000 }, kind)).toBe(expected);
  });

  it('reads Chromium network failures of page requests as infrastructure', () => {
    expect(classifyEvidence({ type: 'request-failed', url: 'u', method: 'GET', failure: 'net::ERR_CONNECTION_REFUSED' }, 'journey')).toBe('infrastructure');
    expect(classifyEvidence({ type: 'request-failed', url: 'u', method: 'GET', failure: 'net::ERR_ABORTED' }, 'journey')).toBe('application');
    expect(classifyEvidence({ type: 'request-failed', url: 'u', method: 'POST', status: 500 }, 'journey')).toBe('application');
  });
});

describe('classifier: a response that started but did not finish', () => {
  it('blames the sync service (PLSP) for a sync status endpoint that answers and then trickles its body', () => {
    const trickling = result('sync:lab', 'sync', [{ type: 'timeout', url: 'http://sync/lab', phase: 'body', afterMs: 3000 }]);
    const v = verdict(withFailures([trickling]));
    expect(v).toMatchObject({ ok: false, class: 'sync', owner: 'PLSP' });
  });

  it('blames the application (KiAP) for a /health that answers and then stalls, on a node or through the load balancer', () => {
    const node = result('node:flp-1', 'node', [{ type: 'timeout', url: 'https://flp-1/health', phase: 'body', afterMs: 3000 }]);
    const lb = result('lb', 'node', [{ type: 'timeout', url: `${LB}/health`, phase: 'body', afterMs: 3000 }]);
    expect(verdict(withFailures([node]))).toMatchObject({ class: 'application', owner: 'KiAP' });
    expect(verdict(withFailures([lb]))).toMatchObject({ class: 'application', owner: 'KiAP' });
  });

  it('still reports a node that sends no byte at all as infrastructure, above a trickling sync source', () => {
    const silent = result('node:flp-2', 'node', [{ type: 'timeout', url: 'https://flp-2/health', phase: 'first-byte', afterMs: 3000 }]);
    const trickling = result('sync:lab', 'sync', [{ type: 'timeout', url: 'http://sync/lab', phase: 'body', afterMs: 3000 }]);
    const v = verdict(withFailures([silent, trickling]));
    expect(v).toMatchObject({ class: 'infrastructure', owner: 'PLSP' });
    expect(v.summary).toContain('sync:lab (sync)');
  });
});
