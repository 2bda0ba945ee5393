/**
 * The run-time maintenance windows and release verdicts in the stack, for the production-like
 * config: every probe function may read `state/<env>/windows.json`, the journey function read and
 * write `state/<env>/releases.json` (the nodes function read it), and nothing else of `state/`;
 * the journey's timeout holds a release verification and it may tell the owners' topics; the operators get a
 * customer-managed policy to read and write exactly that object (its ARN an output, attached to
 * no one by the stack), and no lifecycle rule of the bucket ever expires it.
 */
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorStack } from '../../cdk/monitor-stack.ts';
import { parseConfig } from '../../lib/core/config.ts';
import { PROBE_GROUPS } from '../../lib/core/contract.ts';
import { windowsKey } from '../../lib/core/windows.ts';
import { releasesKey } from '../../lib/core/release-list.ts';
import { rawConfig } from '../support/config.ts';
import { logicalId, policyOf, PRODUCTION_CONFIG, removeAssembly, resourcesOf, synthesize, validationReport, type Synthesized } from './support.ts';

let s: Synthesized;
beforeAll(async () => {
  s = await synthesize(PRODUCTION_CONFIG);
});
afterAll(() => removeAssembly(s));

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };
const actions = (st: Statement) => [st.Action].flat().sort();

describe('maintenance windows in AWS', () => {
  const env = () => s.stack.config.environment;
  const key = () => windowsKey(env());
  const object = (k: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(s, s.stack.artifacts.bucket), 'Arn'] }, `/${k}`]] });

  it('lets every probe function read the windows object, s3:GetObject only; the journey keep and the nodes read the release verdicts; nothing else under state/', () => {
    for (const group of PROBE_GROUPS) {
      const p = policyOf(s, group);
      expect(p.allows('s3:GetObject', p.arn.object(key())), group).toBe(true);
      expect(p.allows('s3:PutObject', p.arn.object(key())), group).toBe(false);
      expect(p.allows('s3:GetObject', p.arn.object(releasesKey(env()))), group).toBe(group !== 'sync');
      expect(p.allows('s3:PutObject', p.arn.object(releasesKey(env()))), group).toBe(group === 'journey');
      for (const action of ['s3:GetObject', 's3:PutObject']) expect(p.allows(action, p.arn.object(`state/${env()}/other.json`)), `${group} ${action}`).toBe(false);
    }
  });

  it('gives the journey function a timeout for a release verification, and the owners\' topics to tell the verdict (sns:Publish on them and their key)', () => {
    const fn = s.json.Resources[logicalId(s, s.stack.probes.functions.journey!)]!.Properties!;
    const timing = s.stack.probes.timings.journey;
    expect(fn.Timeout).toBe(Math.min(900, Math.ceil(((s.stack.config.target.nodes.length + 2) * timing.boundMs + 15_000) / 1000)));
    expect(fn.Timeout).toBeLessThanOrEqual(900);
    expect(fn.Environment.Variables.FLP_ON_CALL_TOPIC_ARN).toEqual({ Ref: logicalId(s, s.stack.topics.onCall) });
    const journey = policyOf(s, 'journey');
    for (const owner of s.stack.topics.byOwner.keys()) expect(journey.allows('sns:Publish', journey.arn.topic(owner)), owner).toBe(true);
    // A verdict is no page: on-call's topic is the notifier's.
    expect(journey.allows('sns:Publish', journey.arn.topic('on-call'))).toBe(false);
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) expect(journey.allows(action, journey.arn.topicKey), action).toBe(true);
    expect(journey.allows('kms:Encrypt', journey.arn.topicKey)).toBe(false);
    // The HTTP functions publish nothing to SNS.
    for (const group of ['sync', 'nodes'] as const) expect(policyOf(s, group).statements.some((st) => [st.Action].flat().includes('sns:Publish')), group).toBe(false);
  });

  it('has a customer-managed policy for the operators: read and write exactly that object, attached to no one, its ARN an output', () => {
    const policies = resourcesOf(s, 'AWS::IAM::ManagedPolicy');
    expect(policies).toHaveLength(1);
    const [id, policy] = policies[0]!;
    expect(policy.ManagedPolicyName).toBe(`flp-${env()}-window-operators`);
    const statements = policy.PolicyDocument.Statement as Statement[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Resource: object(key()) });
    expect(actions(statements[0]!)).toEqual(['s3:GetObject', 's3:PutObject']);
    // The bucket is SSE-S3: no KMS key to grant.
    expect(s.json.Resources[logicalId(s, s.stack.artifacts.bucket)]!.Properties!.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(policy.Roles ?? policy.Users ?? policy.Groups).toBeUndefined();
    s.template.hasOutput('WindowOperatorsPolicyArn', { Value: { Ref: id } });
  });

  it('never expires the windows: every expiring rule of the bucket has a prefix, and none covers state/', () => {
    const rules = s.json.Resources[logicalId(s, s.stack.artifacts.bucket)]!.Properties!.LifecycleConfiguration.Rules as { Id: string; Prefix?: string; ExpirationInDays?: number }[];
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined);
    expect(expiring.map((r) => r.Prefix).sort()).toEqual(['latest/', `${env()}/`]);
    for (const r of expiring) expect(key().startsWith(r.Prefix!), r.Id).toBe(false);
    expect(expiring.find((r) => r.Prefix === `${env()}/`)?.ExpirationInDays).toBe(s.stack.config.aws.artifactsRetentionDays);
  });

  it('reports no unacknowledged AwsSolutions finding', () => {
    expect(validationReport(s).pluginReports.flatMap((r) => r.violations ?? []).map((v) => v.ruleName)).toEqual([]);
  });

  it('refuses the environment "state", whose artifacts would land in the windows\' prefix', () => {
    const config = parseConfig({ ...rawConfig({ environment: 'state' }) });
    expect(() => new MonitorStack(new App(), 'X', { config })).toThrow(/environment: "state" names the S3 prefix of the deployment's state/);
  });
});
