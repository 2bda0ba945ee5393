/**
 * The child process of the warm/cold figure: one journey in a new process, as the first
 * invocation of a fresh Lambda container does it (load the modules, launch Chromium, run).
 * Reads the config from FLP_BENCH_CONFIG (JSON: raw config, its base directory, the sandbox's
 * DNS server), prints one JSON line with its timings, and exits.
 */
import { performance } from 'node:perf_hooks';

const started = performance.now();
const { BrowserProvider } = await import('../lib/adapters/browser.ts');
const { parseConfig } = await import('../lib/core/config.ts');
const { createResolver } = await import('../lib/adapters/resolver.ts');
const { probeJourney } = await import('../probes/journey/forloebsplan.ts');
// Playwright itself loads with lib/adapters/browser.ts: module loading ends here.
const loaded = performance.now();

const input = JSON.parse(process.env.FLP_BENCH_CONFIG ?? '{}') as { raw: unknown; baseDir: string; dnsServer: string; hostRules: Record<string, string> };
const config = parseConfig(input.raw, { baseDir: input.baseDir });
const provider = new BrowserProvider({ hostResolverRules: input.hostRules });
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
try {
  const t0 = performance.now();
  const result = await probeJourney(config, {
    clock: { now: () => new Date() },
    http: { request: () => Promise.reject(new Error('the journey does not use the HTTP client')) },
    resolve: createResolver([input.dnsServer], { timeoutMs: 1_000, tries: 1 }),
    logger: quiet,
    browser: provider,
    artifactsDir: config.artifacts.dir,
  });
  const journeyMs = performance.now() - t0;
  process.stdout.write(
    `${JSON.stringify({ ok: result.ok, error: result.error, moduleLoadMs: loaded - started, processUptimeAtLoadMs: loaded, journeyMs, steps: result.steps.map((s) => [s.name, s.durationMs]) })}\n`,
  );
} finally {
  await provider.close();
}
