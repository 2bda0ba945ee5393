/**
 * Two projects, one run. `unit` (test/unit/) shares one module graph per worker
 * (`isolate: false`): each unit file is pure or builds what it needs in its own hooks, and
 * loading the AWS SDK, the CDK and the config schema afresh for each of 81 files was half their
 * time (71 s → 35 s, measured on 2026-12-07). `system` (integration, cdk, robustness) keeps a
 * fresh process per file: those files start servers, set process-wide state (the environment,
 * the Chromium children) and must not see each other's.
 *
 * `npm test` runs both; `npm run test:unit` runs `--project unit`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      { extends: true, test: { name: 'system', include: ['test/{integration,cdk,robustness}/**/*.test.ts'] } },
    ],
  },
});
