/**
 * A config deployed as the stack deploys it, for the Lambda handler tests: the stack is
 * synthesized for the config (bundling skipped, the template is the same), and each function
 * gets what Lambda would give it — its code directory with the shipped `flp-config.json` (and
 * CA), its environment as CloudFormation renders it (the bucket's name, on-call's topic ARN,
 * the journey secret's ARN), and AWS endpoints that answer as that function's role: the loopback
 * stand-in (test/support/fake-aws.ts) refuses, as AWS does, every call the synthesized policy
 * does not allow. A missing grant fails the test that makes the call.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addMonitorStack, FEATURE_FLAGS } from '../../cdk/app.ts';
import type { MonitorStack } from '../../cdk/monitor-stack.ts';
import { SHIPPED_CA_FILE } from '../../cdk/probe-functions.ts';
import { parseConfig } from '../../lib/core/config.ts';
import type { FunctionName } from '../../lib/runtime/function-calls.ts';
import { HANDLER_ENV, SHIPPED_CONFIG_FILE } from '../../lib/runtime/handler-env.ts';
import { CfnRenderer } from './cfn-render.ts';
import { FAKE_ACCOUNT, FAKE_AWS, type FakeAws } from './fake-aws.ts';
import { roleStatements, type Statement } from './iam-policy.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

export interface DeployedFunction {
  /** What the handler gets: the function's environment as deployed, its code directory, and the stand-in's endpoints as its role. */
  env: NodeJS.ProcessEnv;
  /** The role's statements, rendered. */
  statements: Statement[];
  /** The function's code directory (`LAMBDA_TASK_ROOT`). */
  taskRoot: string;
}

export interface Deployment {
  stack: MonitorStack;
  template: { Resources: Resources };
  renderer: CfnRenderer;
  /** The artifacts bucket's name, as the functions get it. */
  bucket: string;
  /** Every topic's ARN by owner (and `on-call`), as deployed. */
  topicArns: Map<string, string>;
  /** An endpoint of the stand-in answering as whoever has the managed policy `policy` of the stack (e.g. the window operators'). */
  asPolicy(policy: { node: { defaultChild?: unknown } }, name: string): Promise<string>;
  /** One function, as deployed (its endpoint is made on first use). */
  fn(name: FunctionName, options?: { statements?: (s: Statement[]) => Statement[] }): Promise<DeployedFunction>;
}

/**
 * `FLP_TEST_DROP_GRANT=<function>:<Sid>` deploys every config without that one statement of that
 * function's role: bench/grant-mutations.ts runs the Lambda handler tests once per grant so, to
 * show that each grant is one a test needs (a missing one fails a test).
 */
export const DROP_GRANT_ENV = 'FLP_TEST_DROP_GRANT';

function dropGranted(fn: FunctionName, statements: Statement[]): Statement[] {
  const drop = process.env[DROP_GRANT_ENV];
  if (!drop) return statements;
  const [target, sid] = drop.split(':');
  return target === fn ? statements.filter((s) => s.Sid !== sid) : statements;
}

/**
 * Synthesizes the stack for `raw` and deploys it onto `aws`. `bucket` names the artifacts bucket
 * (default `flp-artifacts-test`); `raw` is validated as `cdk synth` validates it (relative paths
 * from `baseDir`).
 */
export async function deploy(raw: Record<string, unknown>, aws: FakeAws, options: { bucket?: string; baseDir?: string } = {}): Promise<Deployment> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flp-deploy-'));
  const config = parseConfig(raw, { baseDir: options.baseDir ?? dir });
  // Bundling skipped: the template does not depend on the bundles' bytes. cdk-nag is the synth tests' to run.
  const app = new App({ context: { ...FEATURE_FLAGS, 'aws:cdk:bundling-stacks': [] }, outdir: path.join(dir, 'cdk.out') });
  const stack = addMonitorStack(app, config);
  const template = app.synth().getStackArtifact(stack.artifactId).template as { Resources: Resources };
  const bucket = options.bucket ?? 'flp-artifacts-test';
  const bucketId = stack.getLogicalId(stack.artifacts.bucket.node.defaultChild as never);
  const renderer = new CfnRenderer(template, { account: FAKE_ACCOUNT, region: FAKE_AWS.region, stackName: stack.stackName, names: { [bucketId]: bucket } });
  const idOf = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

  const topicArns = new Map<string, string>([...stack.topics.byOwner].map(([owner, t]) => [owner, renderer.render({ Ref: idOf(t) }) as string]));
  topicArns.set('on-call', renderer.render({ Ref: idOf(stack.topics.onCall) }) as string);
  const topicKeys = new Map<string, string>();
  for (const [id, r] of Object.entries(template.Resources))
    if (r.Type === 'AWS::SNS::Topic' && r.Properties?.KmsMasterKeyId) topicKeys.set(renderer.render({ Ref: id }) as string, renderer.render(r.Properties.KmsMasterKeyId) as string);

  const made = new Map<FunctionName, Promise<DeployedFunction>>();
  async function make(name: FunctionName, adjust?: (s: Statement[]) => Statement[]): Promise<DeployedFunction> {
    const fn = name === 'notifier' ? stack.notifier.function : stack.probes.functions[name];
    if (!fn) throw new Error(`the stack for this config has no ${name} function`);
    const roleId = idOf(fn.role as never);
    const props = template.Resources[idOf(fn)]!.Properties!;
    const statements = (adjust ?? ((s) => s))(dropGranted(name, roleStatements(template, roleId, renderer)));
    const endpoint = await aws.as({ name: renderer.physicalName(roleId), statements, topicKeys });
    const taskRoot = mkdtempSync(path.join(dir, `${name}-task-`));
    const shipped = name === 'notifier' ? stack.notifier.shippedConfig : stack.probes.shippedConfig;
    writeFileSync(path.join(taskRoot, SHIPPED_CONFIG_FILE), shipped);
    if ((JSON.parse(shipped) as { target?: { caFile?: string } }).target?.caFile === SHIPPED_CA_FILE) copyFileSync(config.target.caFile!, path.join(taskRoot, SHIPPED_CA_FILE));
    const deployedEnv = renderer.render(props.Environment?.Variables ?? {}) as Record<string, string>;
    const env: NodeJS.ProcessEnv = {
      ...deployedEnv,
      [HANDLER_ENV.taskRoot]: taskRoot,
      [HANDLER_ENV.region]: FAKE_AWS.region,
      [HANDLER_ENV.cloudWatchEndpoint]: endpoint,
      [HANDLER_ENV.s3Endpoint]: endpoint,
      [HANDLER_ENV.secretsEndpoint]: endpoint,
      [HANDLER_ENV.snsEndpoint]: endpoint,
    };
    return { env, statements, taskRoot };
  }
  return {
    stack,
    template,
    renderer,
    bucket,
    topicArns,
    asPolicy(policy, name) {
      const doc = template.Resources[idOf(policy)]!.Properties!.PolicyDocument;
      return aws.as({ name, statements: (renderer.render(doc) as { Statement: Statement[] }).Statement, topicKeys });
    },
    fn(name, opts = {}) {
      if (opts.statements) return make(name, opts.statements);
      let p = made.get(name);
      if (!p) made.set(name, (p = make(name)));
      return p;
    },
  };
}
