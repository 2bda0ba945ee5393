/**
 * How the functions' code is built and packaged: esbuild on this machine (no Docker), one
 * minified ES module per function, Playwright shipped beside the journey's bundle as plain
 * node_modules, and the Lambda Chromium (`@sparticuz/chromium`) in a layer of its own.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, LogLevel as EsbuildLogLevel, Charset, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { shellQuote } from './shipped-files.ts';
import { closureHash, copyPackages, runtimeClosure } from './node-modules.ts';

/** The repository root: cdk/.. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The handlers' module; each group's handler is its `<group>Handler` export. */
export const HANDLERS_ENTRY = path.join(PROJECT_ROOT, 'lib', 'runtime', 'lambda-handlers.ts');

/** What goes into the Chromium layer, laid out as `nodejs/node_modules/...`. */
export const CHROMIUM_LAYER_PACKAGES = ['@sparticuz/chromium'] as const;
/**
 * Shipped beside each bundle as plain `node_modules` rather than bundled: playwright-core
 * finds its own package.json and files through `__dirname`, which a single-file bundle breaks
 * ("Cannot find module '../package.json'"). Only the journey ships it: lib/adapters/browser.ts loads
 * Playwright on first use, which the sync and node functions never reach.
 */
export const UNBUNDLED_PACKAGES = ['playwright', 'playwright-core'] as const;
/** Kept out of the esbuild bundle: loaded at run time from the layer or from node_modules beside the bundle. */
export const EXTERNAL_MODULES = [...CHROMIUM_LAYER_PACKAGES, ...UNBUNDLED_PACKAGES];

/**
 * How every function is bundled: one minified ES module with source maps, by esbuild on this
 * machine (no Docker), with a `require` for the CommonJS modules it contains; everything but
 * {@link EXTERNAL_MODULES} is bundled, the AWS SDK clients included (the versions the tests ran).
 */
export const ESM_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  charset: Charset.UTF8,
  logLevel: EsbuildLogLevel.ERROR,
  mainFields: ['module', 'main'],
  // Bundled CommonJS modules call require(); an ES module has none of its own.
  banner: "import { createRequire as __flpCreateRequire } from 'node:module'; const require = __flpCreateRequire(import.meta.url);",
  externalModules: [...EXTERNAL_MODULES],
};

/**
 * The Lambda runtime: nodejs22.x, the runtime the deployment targets and the Lambda Chromium
 * (@sparticuz/chromium) is built and tested for. cdk-nag's AwsSolutions-L1 asks for the newest
 * runtime the library knows (nodejs24.x with aws-cdk-lib 2.276); that finding is acknowledged
 * per function, so moving on is a deliberate change made together with the Chromium layer.
 */
export const PROBE_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * The Chromium layer, staged at synth time from node_modules into CDK's asset staging under
 * the cloud assembly (cdk.out): `nodejs/node_modules/@sparticuz/chromium` and its runtime
 * dependencies. Staged by a local bundling step, so no Docker is involved; hashed by the
 * packages' names and versions, so an unchanged layer is neither copied nor uploaded again.
 */
export function chromiumLayer(scope: Construct, runtime: lambda.Runtime): lambda.LayerVersion {
  const packages = runtimeClosure(CHROMIUM_LAYER_PACKAGES, PROJECT_ROOT);
  const chromium = packages.find((p) => p.name === '@sparticuz/chromium')!;
  return new lambda.LayerVersion(scope, 'ChromiumLayer', {
    description: `@sparticuz/chromium ${chromium.version} (Chromium for Lambda, x86_64) and its dependencies`,
    compatibleRuntimes: [runtime],
    compatibleArchitectures: [lambda.Architecture.X86_64],
    code: lambda.Code.fromAsset(chromium.dir, {
      assetHashType: AssetHashType.CUSTOM,
      assetHash: closureHash(packages, 'nodejs-layer-v1'),
      bundling: {
        // Never pulled: the local step below always succeeds.
        image: DockerImage.fromRegistry('unused-local-bundling'),
        local: {
          tryBundle(outputDir: string): boolean {
            copyPackages(packages, path.join(outputDir, 'nodejs'));
            return true;
          },
        },
      },
    }),
  });
}

/** Shell commands (run by CDK's local bundling) that copy the journey's unbundled packages to `<outputDir>/node_modules/...`. */
export function unbundledCommands(outputDir: string): string[] {
  return copyCommands(runtimeClosure(UNBUNDLED_PACKAGES, PROJECT_ROOT), outputDir);
}

/** Shell commands (run by CDK's local bundling) that copy packages to `<outputDir>/node_modules/...`. */
function copyCommands(packages: ReturnType<typeof runtimeClosure>, outputDir: string): string[] {
  const q = shellQuote;
  return packages.map((p) => {
    const to = path.join(outputDir, p.relative);
    return `mkdir -p ${q(path.dirname(to))} && cp -RL ${q(p.dir)} ${q(to)} && rm -rf ${q(path.join(to, 'node_modules'))}`;
  });
}
