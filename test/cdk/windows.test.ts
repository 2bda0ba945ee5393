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
import { logicalId, PRODUCTION_CONFIG, removeAssembly, resourcesOf, synthesize, validationReport, type Synthesized } from './support.ts';

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
  const mentionsState = (st: Statement) => JSON.stringify(st.Resource).includes('/state/');
  const statementsOf = (group: (typeof PROBE_GROUPS)[number]) => {
    const roleId = logicalId(s, s.stack.probes.functions[group]!.role!);
    return resourcesOf(s, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => p.PolicyDocument.Statement as Statement[]);
  };

  it('lets every probe function read the windows object, s3:GetObject only; the journey keep and the nodes read the release verdicts; nothing else under state/', () => {
    const releases = object(releasesKey(env()));
    const expected: Record<string, Statement[]> = {
      journey: [{ Sid: 'KeepReleaseVerdicts', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: releases }],
      nodes: [{ Sid: 'ReadReleaseVerdicts', Effect: 'Allow', Action: 's3:GetObject', Resource: releases }],
      sync: [],
    };
    for (const group of PROBE_GROUPS) {
      const state = statementsOf(group).filter(mentionsState);
      expect(state, group).toEqual([{ Sid: 'ReadMaintenanceWindows', Effect: 'Allow', Action: 's3:GetObject', Resource: object(key()) }, ...expected[group]!]);
    }
  });

  it('gives the journey function a timeout for a release verification, and the owners\' topics to tell the verdict (sns:Publish on them and their key)', () => {
    const fn = s.json.Resources[logicalId(s, s.stack.probes.functions.journey!)]!.Properties!;
    const timing = s.stack.probes.timings.journey;
    expect(fn.Timeout).toBe(Math.min(900, Math.ceil(((s.stack.config.target.nodes.length + 2) * timing.boundMs + 15_000) / 1000)));
    expect(fn.Timeout).toBeLessThanOrEqual(900);
    expect(fn.Environment.Variables.FLP_ON_CALL_TOPIC_ARN).toEqual({ Ref: logicalId(s, s.stack.topics.onCall) });
    const publish = statementsOf('journey').find((st) => st.Sid === 'PublishReleaseVerdicts')!;
    expect(publish.Action).toBe('sns:Publish');
    const owners = [...s.stack.topics.byOwner.values()].map((t) => ({ Ref: logicalId(s, t) }));
    expect(publish.Resource).toEqual(owners);
    expect(statementsOf('journey').find((st) => st.Sid === 'EncryptVerdictsForTheTopics')).toMatchObject({ Resource: { 'Fn::GetAtt': [logicalId(s, s.stack.topics.key), 'Arn'] } });
    // The HTTP functions publish nothing to SNS.
    for (const group of ['sync', 'nodes'] as const) expect(statementsOf(group).some((st) => [st.Action].flat().includes('sns:Publish')), group).toBe(false);
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
