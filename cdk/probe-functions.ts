/**
 * One Lambda function per probe group (journey, sync, nodes), each on its own EventBridge
 * schedule, bundled from `lib/runtime/lambda-handlers.ts` by esbuild on this machine (no Docker). The
 * journey runs the Lambda Chromium of `@sparticuz/chromium` from a layer; the HTTP probes are
 * small arm64 functions. Timeouts are derived from the config so that a probe always reports a
 * result before Lambda would kill it.
 */
import { rateMinutes } from '../lib/reports/cost/model.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, AssetHashType, Tokenization, DockerImage, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, LogLevel as EsbuildLogLevel, Charset, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_SELECTORS, type Config } from '../lib/core/config.ts';
import { enabledGroups, intervalSeconds, type ProbeGroup } from '../lib/core/contract.ts';
import { certificatesInPem } from '../lib/core/pem.ts';
import { journeyBoundMs, verificationJourneys } from '../lib/core/probe-timing.ts';
import { HANDLER_ENV as ENV, SHIPPED_CONFIG_FILE } from '../lib/runtime/handler-env.ts';
import { shellQuote, shipFile, shipText } from './shipped-files.ts';
import { closureHash, copyPackages, runtimeClosure } from './node-modules.ts';
import { resourceName } from '../lib/core/resource-names.ts';
import { functionCalls } from '../lib/runtime/function-calls.ts';
import { grantCalls, type GrantTargets } from './grants.ts';

/** The repository root: cdk/.. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Refuses an LPS profile whose shared HMAC key would be written into the CloudFormation template
 * and the functions' environment: in a deployment a signed profile's key comes from Secrets
 * Manager (`keySecretName`, or `lpsKeys.<system>` in the journey secret), read at cold start.
 * A sandbox config (its targets unreachable from AWS anyway, its keys the sandbox's own) is let
 * through with a warning.
 */
export function checkLaunchKeys(config: Config): void {
  if (config.sandbox) return;
  const problems = config.lps.profiles.flatMap((p, i) => (p.key ? [`lps.profiles[${i}] (${p.system}).key`] : []));
  if (problems.length)
    throw new Error(
      `${problems.join(', ')} would be written into the CloudFormation template and the functions' environment; ` +
        'put the vendor\'s key in Secrets Manager and name it with keySecretName, or as lpsKeys.<system> in the journey secret (aws.journeySecretName): read at run time, never in the template',
    );
}

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

/** The CloudFormation logical id of a bucket (cdk-nag names its findings by it). */
export function bucketLogicalId(bucket: s3.IBucket): string {
  return Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
}

/** Lambda's limit for all environment variables of a function together (keys and values). */
const LAMBDA_ENV_LIMIT_BYTES = 4096;
/** Lambda's longest timeout. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/*
 * The parts of a run the probe's own timeouts do not cover. The function timeout is the probe's
 * hard bound plus these, so the handler (which stops the probes 3 s before the deadline and
 * reports a `monitor` failure) always gets to log and publish instead of being killed silently.
 */
/** Chromium's start and a failed journey's artifacts, per attempt (lib/core/probe-timing.ts: the handler's budget for a release verification uses them too). */
export { ARTIFACT_CAPTURE_MS, BROWSER_START_MS } from '../lib/core/probe-timing.ts';
/** After the journey: artifact upload to S3, metric publishing with its retries, the result lines, the latest results (each S3 call bounded, never past the deadline), the handler's 3 s reserve. */
export const JOURNEY_MARGIN_MS = 15_000;
/** After the HTTP probes: cold start, metric publishing with its retries, the result lines, the latest results (each S3 call bounded, never past the deadline), the handler's 3 s reserve. */
export const HTTP_MARGIN_MS = 10_000;

export interface ProbeTiming {
  /** The longest the probes of this group can take by their own timeouts, retries included. */
  boundMs: number;
  /**
   * The function timeout, whole seconds: bound plus margin; for the journey, the bound of a
   * release verification (`verificationMs`) plus margin, at most Lambda's 900 s.
   */
  timeoutSeconds: number;
  /** The longest an ordinary run takes: bound plus margin, whole seconds (the journey's timeout is longer, for a verification). */
  runSeconds: number;
  /** The journey only: a release verification at its worst (its journeys × the journey's bound). */
  verificationMs?: number;
  /** The journey only: the verification's bound did not fit Lambda's 900 s; the timeout is 900 s and a slow verification waits for an invocation with time left. */
  capped?: boolean;
  /** The config's schedule for this group. */
  scheduleSeconds: number;
  /** The EventBridge rate: whole minutes, at least 1 (EventBridge's finest rate). */
  rateMinutes: number;
}

/**
 * Timeouts and rates per group, from the config:
 *
 * - journey: bound `(retries + 1) × (steps × timeouts.stepMs + BROWSER_START_MS + ARTIFACT_CAPTURE_MS)`.
 *   Every step is bounded by `stepMs` (cleanup is one of the five steps); each attempt may start
 *   a browser and keep a screenshot and trace. The function also verifies a release when a
 *   release window has ended (lib/runtime/lambda-handlers.ts), so its timeout is
 *   `bound × (1 + nodes + 1) + JOURNEY_MARGIN_MS` (the verification's journeys: through the load
 *   balancer, on each node, and the warm second run), at most 900 s. Only that rare invocation
 *   runs long: the cost model, which counts what runs take, is unaffected.
 * - sync, nodes: `(retries + 1) × timeouts.requestMs + HTTP_MARGIN_MS`. The probes of a group run
 *   concurrently and each request is bounded by `requestMs`.
 */
export function probeTimings(config: Config): Record<ProbeGroup, ProbeTiming> {
  const attempts = config.retry.retries + 1;
  const timing = (group: ProbeGroup, boundMs: number, marginMs: number): ProbeTiming => {
    const seconds = intervalSeconds(config, group);
    const runSeconds = Math.ceil((boundMs + marginMs) / 1000);
    return { boundMs, timeoutSeconds: runSeconds, runSeconds, scheduleSeconds: seconds, rateMinutes: rateMinutes(seconds) };
  };
  const http = attempts * config.timeouts.requestMs;
  const bound = journeyBoundMs(config);
  const verificationMs = verificationJourneys(config) * bound;
  const verifying = Math.ceil((verificationMs + JOURNEY_MARGIN_MS) / 1000);
  const own = timing('journey', bound, JOURNEY_MARGIN_MS);
  return {
    journey: { ...own, timeoutSeconds: Math.max(own.timeoutSeconds, Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, verifying)), verificationMs, capped: verifying > LAMBDA_MAX_TIMEOUT_SECONDS },
    sync: timing('sync', http, HTTP_MARGIN_MS),
    nodes: timing('nodes', http, HTTP_MARGIN_MS),
  };
}

/**
 * The name of `target.caFile`'s copy beside each function's bundle (in /var/task). The file's
 * content would not fit Lambda's 4 KB of environment as soon as it is a CA bundle, so it ships
 * in the code asset, and the shipped config names it relative to the code directory.
 */
export const SHIPPED_CA_FILE = 'flp-ca.pem';

/**
 * The config the functions get beside their bundle (`flp-config.json`): the validated config without what only makes
 * sense on the machine that synthesized it (the file's path, the local store and artifacts
 * directories, the sandbox). A shipped CA is named by its place in the bundle
 * (`SHIPPED_CA_FILE`); one not shipped is left out. The handler validates the config again,
 * puts its paths under /tmp and reads the CA from its code directory.
 */
export function lambdaConfig(config: Config, options: { caShipped?: boolean } = {}): Record<string, unknown> {
  const { file: _file, store: _store, artifacts: _artifacts, sandbox: _sandbox, ...rest } = config;
  const { caFile: _caFile, ...target } = rest.target;
  // Only the selectors a deployment overrides: the rest parse back to their defaults.
  const selectors = Object.fromEntries(Object.entries(rest.journey.selectors).filter(([k, v]) => DEFAULT_SELECTORS[k as keyof typeof DEFAULT_SELECTORS] !== v));
  return { ...rest, target: options.caShipped ? { ...target, caFile: SHIPPED_CA_FILE } : target, journey: { ...rest.journey, selectors } };
}

/**
 * Whether `target.caFile` is shipped with the functions. It is read now: a file that cannot be
 * read or holds no certificate stops the synth, since functions without it would report every
 * host of that CA as a TLS failure. Only a sandbox config may lack it (the sandbox writes its
 * CA when it first starts): that is a warning, and the functions get no CA.
 */
function shipsCa(scope: Construct, config: Config): boolean {
  const file = config.target.caFile;
  if (!file) return false;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    if (config.sandbox) {
      Annotations.of(scope).addWarningV2(
        'flp:caFileMissing',
        `target.caFile (${file}): ${why}; the sandbox writes its CA when it first starts. The functions get no CA, so hosts signed by it fail their TLS checks.`,
      );
      return false;
    }
    throw new Error(`target.caFile: cannot read ${file} (${why}); the functions need it to trust the private CA`, { cause: err });
  }
  certificatesInPem(text, `target.caFile (${file})`);
  return true;
}

/**
 * The Lambda runtime: nodejs22.x, the runtime the deployment targets and the Lambda Chromium
 * (@sparticuz/chromium) is built and tested for. cdk-nag's AwsSolutions-L1 asks for the newest
 * runtime the library knows (nodejs24.x with aws-cdk-lib 2.276); that finding is acknowledged
 * per function, so moving on is a deliberate change made together with the Chromium layer.
 */
export const PROBE_RUNTIME = lambda.Runtime.NODEJS_22_X;

const pascal = (s: string) => s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

export { resourceName } from '../lib/core/resource-names.ts';

/** CloudWatch Logs retention: the smallest allowed value that keeps logs as long as the artifacts. */
export function logRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return (allowed.find((d) => d >= days) ?? logs.RetentionDays.INFINITE) as logs.RetentionDays;
}

export interface ProbeFunctionsProps {
  config: Config;
  /** The CloudWatch namespace the functions may publish to (the alarm policy's). */
  namespace: string;
  artifactsBucket: s3.IBucket;
  /** The owners' and on-call's topics and their key: the journey function tells a release verdict to them. */
  topics: GrantTargets['topics'];
}

export class ProbeFunctions extends Construct {
  readonly functions: Partial<Record<ProbeGroup, NodejsFunction>> = {};
  readonly rules: Partial<Record<ProbeGroup, events.Rule>> = {};
  readonly logGroups: Partial<Record<ProbeGroup, logs.LogGroup>> = {};
  readonly roles: Partial<Record<ProbeGroup, iam.Role>> = {};
  readonly #environments: Partial<Record<ProbeGroup, Record<string, string>>> = {};
  /** The config every probe function finds beside its bundle (`flp-config.json`), as shipped. */
  readonly shippedConfig: string;
  readonly chromiumLayer: lambda.LayerVersion | undefined;
  readonly timings: Record<ProbeGroup, ProbeTiming>;
  readonly runtime: lambda.Runtime;

  constructor(scope: Construct, id: string, props: ProbeFunctionsProps) {
    super(scope, id);
    const { config, namespace, artifactsBucket, topics } = props;
    this.runtime = PROBE_RUNTIME;
    this.timings = probeTimings(config);
    const groups = enabledGroups(config);

    if (!existsSync(HANDLERS_ENTRY)) throw new Error(`the Lambda handlers are missing: ${HANDLERS_ENTRY}`);
    // Beside every bundle, not only the journey's: the HTTP probes of nodes and sync sources trust it too.
    const caShipped = shipsCa(this, config);
    if (config.sandbox)
      Annotations.of(this).addWarningV2(
        'flp:sandboxConfig',
        `This config drives the local sandbox (it has a "sandbox" section): its targets are not reachable from AWS. Deploy a config that targets a reachable FLP (cdk deploy -c config=FILE).`,
      );

    checkLaunchKeys(config);
    if (config.sandbox && config.lps.profiles.some((p) => p.key))
      Annotations.of(this).addWarningV2(
        'flp:sandboxLaunchKeys',
        'The sandbox config\'s signed LPS profiles carry their keys (the sandbox\'s own): they would be in the template. A deployed config names them by keySecretName; synth refuses a key anywhere else.',
      );
    const network = this.#network(config);
    this.chromiumLayer = groups.includes('journey') ? this.#chromiumLayer() : undefined;
    this.shippedConfig = JSON.stringify(lambdaConfig(config, { caShipped }));
    const shipConfig = shipText(this, SHIPPED_CONFIG_FILE, this.shippedConfig);
    const shipCa = caShipped ? shipFile(config.target.caFile!, SHIPPED_CA_FILE) : undefined;
    const secret = config.aws.journeySecretName ? secretsmanager.Secret.fromSecretNameV2(this, 'JourneySecret', config.aws.journeySecretName) : undefined;

    for (const group of groups) {
      const timing = this.timings[group];
      if (timing.timeoutSeconds > LAMBDA_MAX_TIMEOUT_SECONDS)
        throw new Error(
          `timeouts.${group === 'journey' ? 'stepMs' : 'requestMs'}: the ${group} probes may take ${timing.boundMs} ms with retry.retries = ${config.retry.retries}, ` +
            `more than Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s; lower the timeout or the retries`,
        );
      if (timing.rateMinutes * 60 !== timing.scheduleSeconds)
        Annotations.of(this).addWarningV2(
          `flp:scheduleRounded:${group}`,
          `schedule.${group}Seconds = ${timing.scheduleSeconds}: EventBridge runs at most once a minute in whole minutes, so the ${group} probes run every ${timing.rateMinutes} min.`,
        );
      if (timing.runSeconds > timing.rateMinutes * 60)
        Annotations.of(this).addWarningV2(
          `flp:runsOverlap:${group}`,
          group === 'journey'
            ? `The ${group} function may run ${timing.runSeconds} s, longer than its ${timing.rateMinutes} min schedule: the run after a slow one finds the run lease held and skips (JourneyRunSkipped); no two journeys overlap.`
            : `The ${group} function may run ${timing.runSeconds} s, longer than its ${timing.rateMinutes} min schedule: a slow run overlaps the next one.`,
        );
      if (timing.capped)
        Annotations.of(this).addWarningV2(
          'flp:verificationCapped',
          `A release verification may take ${Math.ceil(timing.verificationMs! / 1000)} s (${config.target.nodes.length + 2} journeys of up to ${Math.ceil(timing.boundMs / 1000)} s), more than Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s: the journey function's timeout is ${LAMBDA_MAX_TIMEOUT_SECONDS} s, and a verification that does not fit the time left waits for the next invocation (or run \`canary --nodes\` from a terminal). Lower timeouts.stepMs or retry.retries to fit.`,
        );

      const journey = group === 'journey';
      const name = resourceName(config.environment, group);
      const logGroup = new logs.LogGroup(this, `${pascal(group)}Logs`, {
        retention: logRetention(config.aws.artifactsRetentionDays),
        // Logs are evidence of past failures: they outlive the stack like the artifacts bucket.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const role = new iam.Role(this, `${pascal(group)}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `flp-monitor ${group} probes (${config.environment}): write own logs, publish metrics to ${namespace}, keep the latest results, read the maintenance windows${journey ? ', put failure artifacts' : ''}`,
      });
      // An explicit log policy on the function's own log group instead of AWSLambdaBasicExecutionRole (logs:* on every group).
      logGroup.grantWrite(role);
      if (network) {
        role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason:
            'config.aws.vpc places the function in a VPC: Lambda must create and delete its network interfaces (ec2:CreateNetworkInterface and friends, which take no resource scoping). The AWS-maintained policy grants exactly these.',
        });
      }

      const environment: Record<string, string> = {
        [ENV.artifactsBucket]: artifactsBucket.bucketName,
        NODE_OPTIONS: '--enable-source-maps',
      };
      // Exactly what the group's handler sends (lib/runtime/function-calls.ts): its metrics, latest
      // results, the windows, and per group the release verdicts, artifacts, secrets and topics.
      const calls = functionCalls(config, group);
      grantCalls(role, calls, { bucket: artifactsBucket, bucketLogicalId: bucketLogicalId(artifactsBucket), topics });
      // Only the ARN reaches the function; the value is read at run time and never logged.
      if (secret && calls.some((c) => c.resource.type === 'secret' && c.resource.name === config.aws.journeySecretName)) environment[ENV.journeySecretArn] = secret.secretArn;
      // A release verdict goes to KiAP's and the window owner's topics, which follow from on-call's (lib/runtime/topic-arns.ts).
      if (calls.some((c) => c.action === 'sns:Publish')) environment[ENV.onCallTopicArn] = topics.onCall.topicArn;
      checkEnvironmentSize(group, environment);

      const fn = new NodejsFunction(this, `${pascal(group)}Function`, {
        functionName: name,
        description: `flp-monitor: ${group} probes of ${config.target.baseUrl} (${config.environment}), every ${timing.rateMinutes} min`,
        entry: HANDLERS_ENTRY,
        handler: `${group}Handler`,
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        runtime: this.runtime,
        // The Lambda Chromium is built for x86_64; the HTTP probes run cheaper on Graviton.
        architecture: journey ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
        memorySize: journey ? config.aws.journeyMemoryMb : config.aws.httpMemoryMb,
        // Chromium unpacks itself to /tmp (about 200 MB) beside the run's screenshot and trace.
        ephemeralStorageSize: journey ? Size.mebibytes(1024) : undefined,
        timeout: Duration.seconds(timing.timeoutSeconds),
        role,
        logGroup,
        environment,
        layers: journey && this.chromiumLayer ? [this.chromiumLayer] : undefined,
        // A failed run is not retried by Lambda: the next scheduled run is the better retry, and
        // a run older than one interval has nothing left to say.
        retryAttempts: 0,
        maxEventAge: Duration.seconds(Math.max(60, timing.rateMinutes * 60)),
        ...(network ? { vpc: network.vpc, vpcSubnets: { subnets: network.subnets }, securityGroups: network.securityGroups } : {}),
        bundling: {
          ...ESM_BUNDLING,
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) => [
              ...(group === 'journey' ? copyCommands(runtimeClosure(UNBUNDLED_PACKAGES, PROJECT_ROOT), outputDir) : []),
              // In the asset, so its hash (of the output) changes with the config and the CA.
              shipConfig(outputDir),
              ...(shipCa ? [shipCa(outputDir)] : []),
            ],
          },
        },
      });
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: `Pinned to ${PROBE_RUNTIME.name}, the runtime the Lambda Chromium layer (@sparticuz/chromium) and the handlers are built and tested for; a newer runtime is adopted together with a matching Chromium build, not silently.`,
      });
      this.functions[group] = fn;
      this.roles[group] = role;
      this.#environments[group] = environment;
      this.logGroups[group] = logGroup;

      this.rules[group] = new events.Rule(this, `${pascal(group)}Schedule`, {
        ruleName: name,
        description: `flp-monitor: run the ${group} probes (${config.environment}) every ${timing.rateMinutes} min`,
        schedule: events.Schedule.rate(Duration.minutes(timing.rateMinutes)),
        targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.seconds(Math.max(60, timing.rateMinutes * 60)) })],
      });
    }
  }

  #network(config: Config): { vpc: ec2.IVpc; subnets: ec2.ISubnet[]; securityGroups: ec2.ISecurityGroup[] | undefined } | undefined {
    const v = config.aws.vpc;
    if (!v) return undefined;
    // Attributes only, no lookups: synth stays offline and needs no account.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: v.vpcId, availabilityZones: v.availabilityZones });
    const subnets = v.subnetIds.map((id) => ec2.Subnet.fromSubnetId(this, `Subnet-${id}`, id));
    const securityGroups = v.securityGroupIds.length
      ? v.securityGroupIds.map((id) => ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${id}`, id, { mutable: false }))
      : undefined;
    return { vpc, subnets, securityGroups };
  }

  /**
   * The Chromium layer, staged at synth time from node_modules into CDK's asset staging under
   * the cloud assembly (cdk.out): `nodejs/node_modules/@sparticuz/chromium` and its runtime
   * dependencies. Staged by a local bundling step, so no Docker is involved; hashed by the
   * packages' names and versions, so an unchanged layer is neither copied nor uploaded again.
   */
  #chromiumLayer(): lambda.LayerVersion {
    const packages = runtimeClosure(CHROMIUM_LAYER_PACKAGES, PROJECT_ROOT);
    const chromium = packages.find((p) => p.name === '@sparticuz/chromium')!;
    return new lambda.LayerVersion(this, 'ChromiumLayer', {
      description: `@sparticuz/chromium ${chromium.version} (Chromium for Lambda, x86_64) and its dependencies`,
      compatibleRuntimes: [this.runtime],
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
}

/** Shell commands (run by CDK's local bundling) that copy packages to `<outputDir>/node_modules/...`. */
function copyCommands(packages: ReturnType<typeof runtimeClosure>, outputDir: string): string[] {
  const q = shellQuote;
  return packages.map((p) => {
    const to = path.join(outputDir, p.relative);
    return `mkdir -p ${q(path.dirname(to))} && cp -RL ${q(p.dir)} ${q(to)} && rm -rf ${q(path.join(to, 'node_modules'))}`;
  });
}

/** The most a token in the environment renders to: an ARN (a topic's name alone may be 256 characters). */
const TOKEN_MAX_BYTES = 320;

/**
 * Refuses an environment Lambda would refuse (4 KB of keys and values), counting each token
 * (the bucket's name, a topic's or secret's ARN, rendered only at deploy time) at its longest.
 * The config ships beside the bundle, so an environment is a few hundred bytes; this keeps it so.
 */
export function checkEnvironmentSize(group: string, environment: Record<string, string>): void {
  const size = Object.entries(environment).reduce((n, [k, v]) => {
    const tokens = Tokenization.reverseString(v).tokens.length;
    // What is not a token is the literal text around them.
    const literal = v.replace(/\$\{Token\[[^\]]*\]\}/g, '');
    return n + Buffer.byteLength(k) + Buffer.byteLength(literal) + tokens * TOKEN_MAX_BYTES;
  }, 0);
  if (size > LAMBDA_ENV_LIMIT_BYTES)
    throw new Error(
      `the ${group} function's environment would be ${size} bytes, more than Lambda's ${LAMBDA_ENV_LIMIT_BYTES}: ${Object.keys(environment).join(', ')}`,
    );
}
