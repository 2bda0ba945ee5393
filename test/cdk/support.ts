/**
 * Synthesizes the monitor stack in-process for template tests, with cdk-nag registered as in
 * `cdk synth`. Bundling is skipped unless asked for (the template does not depend on the
 * bundle's bytes), which keeps a synth to a few seconds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp, createApp } from '../../cdk/app.ts';
import type { MonitorStack } from '../../cdk/monitor-stack.ts';
import type { Config } from '../../lib/core/config.ts';
import { HANDLER_ENV, SHIPPED_CONFIG_FILE } from '../../lib/runtime/handler-env.ts';
import { loadHandlerConfig } from '../../lib/runtime/handler-config.ts';
import { CfnRenderer } from '../support/cfn-render.ts';
import { decide, roleStatements, type Statement } from '../support/iam-policy.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The repository's own config: the sandbox, fast schedules. */
export const DEFAULT_CONFIG = path.join(ROOT, 'flp-monitor.config.json');
/** A production-like config: real schedules, VPC, journey secret, its own monitor owner. */
export const PRODUCTION_CONFIG = path.join(ROOT, 'test', 'cdk', 'fixtures', 'production.config.json');
/** The largest deployment we plan for: 20 nodes, 8 vendors, 4 sync sources, 5 channels, a 20-character environment name. */
export const LARGE_CONFIG = path.join(ROOT, 'test', 'cdk', 'fixtures', 'large.config.json');

export interface Synthesized {
  app: App;
  stack: MonitorStack;
  assembly: CloudAssembly;
  template: Template;
  json: { Resources: Record<string, { Type: string; Properties?: Record<string, any>; [k: string]: unknown }>; Outputs?: Record<string, any> };
}

/** Builds the app for `configFile` as `cdk synth -c config=FILE` would, and synthesizes it once. */
export async function synthesize(configFile: string, options: { bundle?: boolean } = {}): Promise<Synthesized> {
  const context: Record<string, unknown> = { config: configFile };
  // An empty list of stacks to bundle: CDK stages the assets without running esbuild.
  if (!options.bundle) context['aws:cdk:bundling-stacks'] = [];
  // CDK's built-in CloudFormation schema check takes ~10 s a synth; the CLI test runs it (cli.test.ts).
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-test-'));
  const { app, stack } = await buildApp(createApp({ context, outdir, builtinCloudFormationValidation: false }));
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  const json = artifact.template as Synthesized['json'];
  return { app, stack, assembly, template: Template.fromJSON(json), json };
}

/** Removes the cloud assembly a test synthesized (the bundles and the layer are some 100 MB). */
export function removeAssembly(s: Synthesized | undefined): void {
  if (s) rmSync(s.assembly.directory, { recursive: true, force: true });
}

/** Resources of one type, by logical id. */
export function resourcesOf(s: Synthesized, type: string): [string, Record<string, any>][] {
  return Object.entries(s.json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(s: Synthesized, construct: { node: { defaultChild?: unknown } }): string {
  return s.stack.getLogicalId(construct.node.defaultChild as never);
}

/** The synth's validation report (cdk-nag's findings that were not acknowledged). */
export function validationReport(s: Synthesized): { pluginReports: { pluginName?: string; summary?: { pluginName?: string }; violations?: { ruleName: string; severity?: string }[] }[] } {
  return JSON.parse(readFileSync(path.join(s.assembly.directory, 'validation-report.json'), 'utf8'));
}

/** The config a function finds beside its bundle (`flp-config.json`), as the stack ships it. */
export function shippedConfigOf(s: Synthesized, fn: 'journey' | 'sync' | 'nodes' | 'notifier'): string {
  return fn === 'notifier' ? s.stack.notifier.shippedConfig : s.stack.probes.shippedConfig;
}

/** The config a function's handler runs with: the shipped file read back by the handler's own loader, from a code directory `taskRoot` (made here unless given). */
export function handlerConfigOf(s: Synthesized, fn: 'journey' | 'sync' | 'nodes' | 'notifier', taskRoot?: string): Config {
  const dir = taskRoot ?? mkdtempSync(path.join(os.tmpdir(), 'flp-task-'));
  writeFileSync(path.join(dir, SHIPPED_CONFIG_FILE), shippedConfigOf(s, fn));
  return loadHandlerConfig({ [HANDLER_ENV.taskRoot]: dir }, path.join(dir, 'tmp'));
}

/** A function's role in the synthesized stack, rendered as deployed (account 123456789012, eu-central-1), asked as AWS would decide. */
export interface RolePolicy {
  statements: Statement[];
  /** Whether the role may do `action` on `resource` (with the request's condition keys). */
  allows(action: string, resource: string, context?: Record<string, string>): boolean;
  /** ARNs as deployed: an object of the artifacts bucket, a secret (with its random suffix), an owner's topic, the topics' key. */
  arn: { object(key: string): string; secret(name: string): string; topic(owner: string): string; topicKey: string };
}

/** The deployed account and region the role policies are rendered in. */
export const RENDERED = { account: '123456789012', region: 'eu-central-1' } as const;

export function policyOf(s: Synthesized, fn: 'journey' | 'sync' | 'nodes' | 'notifier'): RolePolicy {
  const construct = fn === 'notifier' ? s.stack.notifier.function : s.stack.probes.functions[fn]!;
  const renderer = new CfnRenderer(s.json as never, { ...RENDERED, stackName: s.stack.stackName });
  const statements = roleStatements(s.json as never, logicalId(s, construct.role as never), renderer);
  const bucket = renderer.physicalName(logicalId(s, s.stack.artifacts.bucket));
  const topicOf = (owner: string) => renderer.render({ Ref: logicalId(s, owner === 'on-call' ? s.stack.topics.onCall : s.stack.topics.of(owner)) }) as string;
  return {
    statements,
    allows: (action, resource, context) => decide(statements, { action, resource, ...(context ? { context } : {}) }).allowed,
    arn: {
      object: (key) => `arn:aws:s3:::${bucket}/${key}`,
      secret: (name) => `arn:aws:secretsmanager:${RENDERED.region}:${RENDERED.account}:secret:${name}-AbCdEf`,
      topic: topicOf,
      topicKey: renderer.render({ 'Fn::GetAtt': [logicalId(s, s.stack.topics.key), 'Arn'] }) as string,
    },
  };
}
