/**
 * `lambdaBundleBytes`: the code each probe function ships, bundled from lib/runtime/lambda-handlers.ts the
 * way the CDK stack bundles it (cdk/probe-functions.ts: esbuild, ESM, minified, a source map,
 * the Chromium package and Playwright kept external). The three functions share the one entry
 * (each names its own handler export), so their bundles are the same file; what differs is the
 * rest of the asset: Playwright beside the bundle for every function, the Chromium layer for the
 * journey.
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { ROOT, round, type BenchModule, type Figure } from './support.ts';

/** What cdk/probe-functions.ts keeps out of the bundle, when that module cannot be loaded. */
const DEFAULT_EXTERNALS = ['@sparticuz/chromium', 'playwright', 'playwright-core'];
const LAYER_PACKAGES = ['@sparticuz/chromium'];
/** Lambda's ESM runtime has no `require` of its own; cdk/probe-functions.ts adds one. */
const BANNER = "import { createRequire as __flpCreateRequire } from 'node:module'; const require = __flpCreateRequire(import.meta.url);";
/** The journey function's runtime (nodejs22.x per the architecture notes; the newer nodejs24.x bundles the same). */
const TARGET = 'node22';

function dirBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const p = path.join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    total += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return total;
}

async function cdkExternals(): Promise<{ externals: string[]; unbundled: string[]; from: string }> {
  try {
    const m = (await import('../cdk/probe-functions.ts')) as { EXTERNAL_MODULES?: readonly string[]; UNBUNDLED_PACKAGES?: readonly string[] };
    if (m.EXTERNAL_MODULES?.length) return { externals: [...m.EXTERNAL_MODULES], unbundled: [...(m.UNBUNDLED_PACKAGES ?? [])], from: 'cdk/probe-functions.ts' };
  } catch {
    // The stack is not there (or not loadable): the defaults below are what it used when this was written.
  }
  return { externals: DEFAULT_EXTERNALS, unbundled: ['playwright', 'playwright-core'], from: 'defaults in bench/bundles.ts' };
}

export const bundles: BenchModule = {
  name: 'bundles',
  expectedSeconds: 20,
  async run({ log }): Promise<Figure[]> {
    const { externals, unbundled, from } = await cdkExternals();
    const out = await mkdtemp(path.join(tmpdir(), 'flp-bench-bundle-'));
    try {
      const result = await build({
        entryPoints: [path.join(ROOT, 'lib', 'runtime', 'lambda-handlers.ts')],
        outfile: path.join(out, 'index.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: TARGET,
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        charset: 'utf8',
        mainFields: ['module', 'main'],
        banner: { js: BANNER },
        external: externals,
        metafile: true,
        logLevel: 'silent',
      });
      const js = statSync(path.join(out, 'index.mjs')).size;
      const map = statSync(path.join(out, 'index.mjs.map')).size;
      // Where the bytes come from: the largest packages (or our own code) in the bundle.
      const byPackage = new Map<string, number>();
      for (const [file, info] of Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.mjs'))!]!.inputs)) {
        const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? '(flp-monitor)';
        byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + info.bytesInOutput);
      }
      const top = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([pkg, bytes]) => ({ pkg, bytes }));
      const besideBytes = unbundled.reduce((n, p) => n + dirBytes(path.join(ROOT, 'node_modules', p)), 0);
      const layerBytes = LAYER_PACKAGES.reduce((n, p) => n + dirBytes(path.join(ROOT, 'node_modules', p)), 0);
      const perFunction = { journey: js, sync: js, nodes: js };
      log(`bundles: ${Math.round(js / 1024)} KB per function (+${Math.round(map / 1024)} KB map), Playwright beside it ${Math.round(besideBytes / 1024 / 1024)} MB, Chromium layer ${Math.round(layerBytes / 1024 / 1024)} MB`);
      return [
        {
          key: 'lambdaBundleBytes',
          label: 'Lambda bundle per function (minified ESM, lib/runtime/lambda-handlers.ts)',
          value: perFunction,
          shown: `${round(js / 1024 / 1024, 2)} MB each (journey, sync, nodes)`,
          goal: '-',
          met: null,
          details: {
            sourceMapBytes: map,
            optionsFrom: from,
            esbuild: { format: 'esm', target: TARGET, minify: true, sourcemap: true, external: externals },
            largestInputs: top,
            // Shipped next to every function's bundle as node_modules (Playwright finds its files through __dirname).
            unbundledPackages: unbundled,
            unbundledBytes: besideBytes,
            // The journey's layer: @sparticuz/chromium (brotli archives, unpacked to /tmp on first use).
            chromiumLayerBytes: layerBytes,
            note: 'one entry for all three functions: the sync and nodes functions carry the journey code and Playwright they never run',
          },
        },
      ];
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
};
