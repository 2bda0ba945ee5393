/**
 * The notifier in the stack, for the production-like config with notification channels: the
 * alarm and OK action of every paging composite (retries, dead-letter queue), the function (its own small arm64 bundle, its own log group, outside the VPC), the two
 * alarms that page on-call straight from CloudWatch when the notifier itself fails, and IAM
 * scoped to what a page needs. No channel secret's value is in the template.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { addMonitorStack, createApp } from '../../cdk/app.ts';
import { alarmName } from '../../cdk/alarms.ts';
import { FUNCTION_RETRY_ATTEMPTS, MAX_EVENT_AGE, NOTIFIER_HANDLER } from '../../cdk/notifier.ts';
import { PROBE_RUNTIME } from '../../cdk/probe-functions.ts';
import { NOTIFIER_ALARMS } from '../../lib/reports/cost/model.ts';
import { ON_CALL } from '../../cdk/topics.ts';
import { allOwners, parseConfig } from '../../lib/core/config.ts';
import { HANDLER_ENV as ENV } from '../../lib/runtime/handler-env.ts';
import { handlerConfigOf, logicalId, policyOf, PRODUCTION_CONFIG, removeAssembly, resourcesOf, synthesize, validationReport, type Synthesized } from './support.ts';
import { topicArnsFor } from '../../lib/runtime/topic-arns.ts';

const CHANNELS = [
  { type: 'pagerduty', name: 'pd-plsp', owners: ['PLSP'], secretName: 'flp/prod/pagerduty-plsp', url: 'https://events.eu.pagerduty.com/v2/enqueue' },
  { type: 'slack', name: 'slack-oncall', owners: ['*'], severities: ['page', 'warning'], secretName: 'flp/prod/slack' },
];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-notifier-'));
const raw = { ...(JSON.parse(readFileSync(PRODUCTION_CONFIG, 'utf8')) as Record<string, unknown>), notify: { channels: CHANNELS } };

let s: Synthesized;
beforeAll(async () => {
  const file = path.join(tmp, 'production-with-channels.json');
  writeFileSync(file, JSON.stringify(raw));
  s = await synthesize(file);
});
afterAll(() => {
  removeAssembly(s);
  rmSync(tmp, { recursive: true, force: true });
});

const fnId = () => logicalId(s, s.stack.notifier.function);
const fn = () => s.json.Resources[fnId()]!.Properties!;
const queueId = () => logicalId(s, s.stack.notifier.deadLetters);
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('the alarm actions', () => {
  it('makes the notifier the alarm and OK action of every paging composite, and of nothing else', () => {
    const composites = [...s.stack.alarms.composites.values()].map((c) => logicalId(s, c));
    for (const id of composites) {
      const props = s.json.Resources[id]!.Properties!;
      // The notifier alone: CloudWatch's own alarm message reaches nobody.
      expect(props.AlarmActions).toEqual([arnOf(fnId())]);
      expect(props.OKActions).toEqual([arnOf(fnId())]);
      s.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(fnId()),
        Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
        SourceArn: arnOf(id),
      });
    }
    // No suppressor and no metric alarm of the policy invokes it.
    const others = [...s.stack.alarms.alarms.values(), ...s.stack.alarms.suppressors.values()].map((a) => logicalId(s, a as never));
    for (const id of others) expect(JSON.stringify(s.json.Resources[id]?.Properties?.AlarmActions ?? [])).not.toContain(fnId());
    expect(resourcesOf(s, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(r).includes(fnId()))).toEqual([]);
  });

  it('adds exactly the alarms `flp-monitor cost` bills for it: the policy\'s and the notifier\'s own', () => {
    expect(resourcesOf(s, 'AWS::CloudWatch::Alarm')).toHaveLength(s.stack.policy.alarms.length + NOTIFIER_ALARMS);
  });

  it('dead-letters an alarm the notifier failed on after its retries into an encrypted, TLS-only queue', () => {
    const q = s.json.Resources[queueId()]!.Properties!;
    expect(q.SqsManagedSseEnabled).toBe(true);
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId() }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(fn().DeadLetterConfig).toEqual({ TargetArn: arnOf(queueId()) });
    const [, invoke] = resourcesOf(s, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => c.FunctionName.Ref === fnId())!;
    expect(invoke).toMatchObject({ MaximumRetryAttempts: FUNCTION_RETRY_ATTEMPTS, MaximumEventAgeInSeconds: MAX_EVENT_AGE.toSeconds() });
  });
});

describe('the function', () => {
  it('is a small arm64 function of its own entry, with its own log group, outside the VPC the probes use', () => {
    expect(fn()).toMatchObject({ Runtime: PROBE_RUNTIME.name, Handler: `index.${NOTIFIER_HANDLER}`, Architectures: ['arm64'], MemorySize: 256 });
    expect(fn().VpcConfig).toBeUndefined();
    expect(fn().LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(s, s.stack.notifier.logGroup) } });
    // Its bundle is not the probes' one.
    const probeCode = JSON.stringify(s.json.Resources[logicalId(s, s.stack.probes.functions.sync!)]!.Properties!.Code);
    expect(JSON.stringify(fn().Code)).not.toBe(probeCode);
  });

  it('gets the config beside its bundle, and in its environment the bucket, the dashboard and on-call\'s topic, from which every owner\'s follows', () => {
    const env = fn().Environment.Variables as Record<string, unknown>;
    expect(Object.keys(env).sort()).toEqual([ENV.artifactsBucket, ENV.dashboardName, ENV.onCallTopicArn, 'NODE_OPTIONS'].sort());
    const config = handlerConfigOf(s, 'notifier');
    expect(config.notify.channels.map((c) => c.name)).toEqual(CHANNELS.map((c) => c.name));
    expect(env[ENV.artifactsBucket]).toEqual({ Ref: logicalId(s, s.stack.artifacts.bucket) });
    expect(env[ENV.onCallTopicArn]).toEqual({ Ref: logicalId(s, s.stack.topics.onCall) });
    // Each owner's topic as the notifier derives it is the one the stack made for that owner.
    const topicNameOf = (t: unknown) => s.json.Resources[logicalId(s, t as never)]!.Properties!.TopicName as string;
    const prefix = 'arn:aws:sns:eu-central-1:123456789012:';
    const arns = topicArnsFor(config, `${prefix}${topicNameOf(s.stack.topics.onCall)}`);
    for (const owner of allOwners(s.stack.config)) expect(arns.byOwner.get(owner), owner).toBe(`${prefix}${topicNameOf(s.stack.topics.of(owner))}`);
    expect(topicNameOf(s.stack.topics.onCall)).toContain(ON_CALL);
  });
});

describe('the notifier\'s own failures page on-call directly', () => {
  it('alarms on any error of the function and on any message in the dead-letter queue, to on-call\'s topic', () => {
    const onCall = [{ Ref: logicalId(s, s.stack.topics.onCall) }];
    const errors = s.json.Resources[logicalId(s, s.stack.notifier.errorsAlarm)]!.Properties!;
    expect(errors).toMatchObject({
      AlarmName: alarmName(s.stack.policy, 'notifier-errors'),
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId() } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: onCall,
      OKActions: onCall,
    });
    const dlq = s.json.Resources[logicalId(s, s.stack.notifier.deadLettersAlarm)]!.Properties!;
    expect(dlq).toMatchObject({
      AlarmName: alarmName(s.stack.policy, 'notifier-dead-letters'),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: onCall,
      OKActions: onCall,
    });
    // CloudWatch may publish to the on-call topic for these: they are flp-<env>-* alarms.
    expect(errors.AlarmName.startsWith(`flp-${s.stack.config.environment}-`)).toBe(true);
  });
});

describe('least privilege', () => {
  const statements = () => {
    const roleId = logicalId(s, s.stack.notifier.function.role!);
    return resourcesOf(s, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => p.PolicyDocument.Statement as { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string }[]);
  };
  const actions = (st: { Action: string | string[] }) => [st.Action].flat().sort();

  it('lets the journey function read the channels\' secrets too (a release verdict goes to the channels), and nothing else of Secrets Manager but the journey secret', () => {
    const journey = policyOf(s, 'journey');
    for (const c of CHANNELS) expect(journey.allows('secretsmanager:GetSecretValue', journey.arn.secret(c.secretName)), c.name).toBe(true);
    expect(journey.allows('secretsmanager:GetSecretValue', journey.arn.secret('flp/prod/someone-else'))).toBe(false);
    // The sync and nodes functions get none of them.
    for (const group of ['sync', 'nodes'] as const) {
      const p = policyOf(s, group);
      for (const c of CHANNELS) expect(p.allows('secretsmanager:GetSecretValue', p.arn.secret(c.secretName)), `${group} ${c.name}`).toBe(false);
    }
  });

  it('may read the latest results and the artifacts, publish to the topics with their key, read the channels\' secrets, put its metric, log, dead-letter: nothing more', () => {
    const p = policyOf(s, 'notifier');
    const st = p.statements;
    expect(st.every((x) => x.Effect === 'Allow')).toBe(true);
    // The latest results, the artifacts it links (pre-signed GETs act with its s3:GetObject), and the windows (a page after one's end says it overran).
    for (const key of ['latest/prod/journey.json', 'latest/prod/nodes.json', 'prod/2026-12-07T03-00-00Z-journey/trace.zip', 'state/prod/windows.json']) {
      expect(p.allows('s3:GetObject', p.arn.object(key)), key).toBe(true);
      expect(p.allows('s3:PutObject', p.arn.object(key)), key).toBe(false);
    }
    expect(p.allows('s3:GetObject', p.arn.object('state/prod/releases.json'))).toBe(false);
    for (const owner of [...s.stack.topics.byOwner.keys(), 'on-call']) expect(p.allows('sns:Publish', p.arn.topic(owner)), owner).toBe(true);
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) expect(p.allows(action, p.arn.topicKey), action).toBe(true);
    for (const c of CHANNELS) expect(p.allows('secretsmanager:GetSecretValue', p.arn.secret(c.secretName)), c.name).toBe(true);
    expect(p.allows('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': s.stack.policy.namespace })).toBe(true);
    expect(p.allows('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': 'AWS/Lambda' })).toBe(false);
    expect(p.allows('cloudwatch:GetMetricData', '*')).toBe(false);

    const raw = statements();
    const byAction = (a: string) => raw.filter((x) => actions(x).includes(a));
    const [dlq] = byAction('sqs:SendMessage');
    expect(actions(dlq!)).toEqual(['sqs:SendMessage']);
    expect(dlq!.Resource).toEqual(arnOf(queueId()));
    const [logs] = byAction('logs:PutLogEvents');
    expect(logs!.Resource).toEqual(arnOf(logicalId(s, s.stack.notifier.logGroup)));
    // Only PutMetricData, which takes no resource-level permissions, is granted on "*".
    for (const x of raw.filter((y) => [y.Resource].flat().includes('*'))) expect(actions(x), JSON.stringify(x)).toEqual(['cloudwatch:PutMetricData']);
    const role = s.json.Resources[logicalId(s, s.stack.notifier.function.role!)]!.Properties!;
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('holds no channel secret\'s value, only the names the function reads at run time', () => {
    const text = JSON.stringify(s.json);
    expect(resourcesOf(s, 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(text).not.toMatch(/resolve:secretsmanager|resolve:ssm-secure|SecretString|routingKey/);
    expect(text).toContain('flp/prod/slack');
  });

  it('refuses a channel whose routing key or webhook URL would be written into the template', () => {
    const app = () => createApp({ context: { 'aws:cdk:bundling-stacks': [] }, outdir: mkdtempSync(path.join(tmp, 'out-')), builtinCloudFormationValidation: false });
    const withChannels = (channels: unknown[]) => parseConfig({ ...raw, notify: { channels } });
    expect(() => addMonitorStack(app(), withChannels([{ type: 'pagerduty', owners: ['PLSP'], routingKey: 'R0UTING' }]))).toThrow(
      /notify\.channels\[0\] \(pagerduty\)\.routingKey would be written into the CloudFormation template.*secretName/,
    );
    expect(() => addMonitorStack(app(), withChannels([{ type: 'slack', owners: ['*'], url: 'https://hooks.slack.com/services/T/B/x' }]))).toThrow(/notify\.channels\[0\] \(slack\)\.url/);
  });
});

describe('the stack', () => {
  it('names the notifier and its dead-letter queue in its outputs', () => {
    s.template.hasOutput('NotifierFunctionName', { Value: { Ref: fnId() } });
    s.template.hasOutput('NotifierDeadLetterQueueUrl', { Value: { Ref: queueId() } });
  });

  it('reports no unacknowledged AwsSolutions finding', () => {
    expect(validationReport(s).pluginReports.flatMap((r) => r.violations ?? []).map((v) => v.ruleName)).toEqual([]);
  });
});
