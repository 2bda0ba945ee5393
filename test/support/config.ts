/** A minimal valid raw config for tests to start from and break. */
export function rawConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    environment: 'test',
    target: {
      baseUrl: 'http://flp.example.test:8080',
      nodes: [
        { name: 'flp-1', url: 'https://flp-1.example.test:8443' },
        { name: 'flp-2', url: 'https://flp-2.example.test:8443' },
      ],
    },
    journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
    sync: [{ source: 'lab', url: 'http://sync.example.test/sync/lab/status', maxLagMinutes: 120 }],
    timeouts: { requestMs: 2000, stepMs: 4000 },
    ...overrides,
  };
}
