/**
 * One Lambda function per probe group (journey, sync, nodes), each on its own EventBridge
 * schedule, bundled from `lib/runtime/lambda-handlers.ts` by esbuild on this machine (no Docker). The
 * journey runs the Lambda Chromium of `@sparticuz/chromium` from a layer; the HTTP probes are
 * small arm64 functions. Timeouts are derived from the config so that a probe always reports a
 * result before Lambda would kill it.
 *
 * Here: the construct, each group's log group, role, environment, function and rule. How the
 * code is bundled is bundling.ts; the timeouts and their warnings function-timings.ts; what a
 * function is given besides its code (shipped config, CA, environment size) function-config.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Config } from '../lib/core/config.ts';
import { enabledGroups, type ProbeGroup } from '../lib/core/contract.ts';
import { HANDLER_ENV as ENV, SHIPPED_CONFIG_FILE } from '../lib/runtime/handler-env.ts';
import { shipFile, shipText } from './shipped-files.ts';
import { resourceName } from '../lib/core/resource-names.ts';
import { functionCalls } from '../lib/runtime/function-calls.ts';
import { grantCalls, type GrantTargets } from './grants.ts';
import { chromiumLayer, ESM_BUNDLING, HANDLERS_ENTRY, PROBE_RUNTIME, PROJECT_ROOT, unbundledCommands } from './bundling.ts';
import { bucketLogicalId, checkEnvironmentSize, checkLaunchKeys, lambdaConfig, logRetention, SHIPPED_CA_FILE, shipsCa } from './function-config.ts';
import { checkTiming, probeTimings, type ProbeTiming } from './function-timings.ts';

export { CHROMIUM_LAYER_PACKAGES, ESM_BUNDLING, EXTERNAL_MODULES, HANDLERS_ENTRY, PROBE_RUNTIME, PROJECT_ROOT, UNBUNDLED_PACKAGES } from './bundling.ts';
export { bucketLogicalId, checkEnvironmentSize, checkLaunchKeys, lambdaConfig, logRetention, SHIPPED_CA_FILE } from './function-config.ts';
export { ARTIFACT_CAPTURE_MS, BROWSER_START_MS, HTTP_MARGIN_MS, JOURNEY_MARGIN_MS, probeTimings, type ProbeTiming } from './function-timings.ts';
export { resourceName } from '../lib/core/resource-names.ts';

const pascal = (s: string) => s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

export interface ProbeFunctionsProps {
  config: Config;
  /** The CloudWatch namespace the functions may publish to (the alarm policy's). */
  namespace: string;
  artifactsBucket: s3.IBucket;
  /** The owners' and on-call's topics and their key: the journey function tells a release verdict to them. */
  topics: GrantTargets['topics'];
}

type Network = { vpc: ec2.IVpc; subnets: ec2.ISubnet[]; securityGroups: ec2.ISecurityGroup[] | undefined };

/** What every group's function shares: the props, the network, the shipped files and the journey secret. */
interface Shared extends ProbeFunctionsProps {
  network: Network | undefined;
  shipConfig: (outputDir: string) => string;
  shipCa: ((outputDir: string) => string) | undefined;
  secret: secretsmanager.ISecret | undefined;
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
    const { config } = props;
    this.runtime = PROBE_RUNTIME;
    this.timings = probeTimings(config);
    const groups = enabledGroups(config);

    if (!existsSync(HANDLERS_ENTRY)) throw new Error(`the Lambda handlers are missing: ${HANDLERS_ENTRY}`);
    // Beside every bundle, not only the journey's: the HTTP probes of nodes and sync sources trust it too.
    const caShipped = shipsCa(this, config);
    this.#checkConfig(config);
    const network = this.#network(config);
    this.chromiumLayer = groups.includes('journey') ? chromiumLayer(this, this.runtime) : undefined;
    this.shippedConfig = JSON.stringify(lambdaConfig(config, { caShipped }));
    const shared: Shared = {
      ...props,
      network,
      shipConfig: shipText(this, SHIPPED_CONFIG_FILE, this.shippedConfig),
      shipCa: caShipped ? shipFile(config.target.caFile!, SHIPPED_CA_FILE) : undefined,
      secret: config.aws.journeySecretName ? secretsmanager.Secret.fromSecretNameV2(this, 'JourneySecret', config.aws.journeySecretName) : undefined,
    };
    for (const group of groups) this.#addGroup(group, shared);
  }

  /** Warns of a sandbox config and its keys; refuses a launch key that would be in the template. */
  #checkConfig(config: Config): void {
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
  }

  /** One group's log group, role, environment, function and schedule. */
  #addGroup(group: ProbeGroup, shared: Shared): void {
    const { config } = shared;
    const timing = this.timings[group];
    checkTiming(this, config, group, timing);
    const name = resourceName(config.environment, group);
    const logGroup = new logs.LogGroup(this, `${pascal(group)}Logs`, {
      retention: logRetention(config.aws.artifactsRetentionDays),
      // Logs are evidence of past failures: they outlive the stack like the artifacts bucket.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = this.#role(group, shared, logGroup);
    const environment = this.#environment(group, shared, role);
    const fn = this.#function(group, shared, { name, timing, role, logGroup, environment });
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

  /** The group's role: its own log group, and in a VPC the network interfaces Lambda manages. */
  #role(group: ProbeGroup, { config, namespace, network }: Shared, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, `${pascal(group)}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `flp-monitor ${group} probes (${config.environment}): write own logs, publish metrics to ${namespace}, keep the latest results, read the maintenance windows${group === 'journey' ? ', put failure artifacts' : ''}`,
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
    return role;
  }

  /** Grants the role exactly the group's calls and returns the environment naming what they reach. */
  #environment(group: ProbeGroup, { config, artifactsBucket, topics, secret }: Shared, role: iam.Role): Record<string, string> {
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
    return environment;
  }

  /** The group's function: the journey on x86_64 with the Chromium layer and Playwright beside its bundle, the HTTP probes on arm64. */
  #function(
    group: ProbeGroup,
    { config, network, shipConfig, shipCa }: Shared,
    parts: { name: string; timing: ProbeTiming; role: iam.Role; logGroup: logs.LogGroup; environment: Record<string, string> },
  ): NodejsFunction {
    const { name, timing, role, logGroup, environment } = parts;
    const journey = group === 'journey';
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
            ...(journey ? unbundledCommands(outputDir) : []),
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
    return fn;
  }

  #network(config: Config): Network | undefined {
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
}
