/**
 * The stack for the repository's own config (the sandbox: fast schedules, rounded up to a
 * minute). Every expectation is derived from the config and the alarm policy, never restated.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { alarmName, suppressorId } from '../../cdk/alarms.ts';
import { suppressionPeriods } from '../../lib/alarms/suppression.ts';
import { ON_CALL } from '../../cdk/topics.ts';
import { PROBE_RUNTIME, probeTimings, SHIPPED_CA_FILE } from '../../cdk/probe-functions.ts';
import { LATEST_RETENTION_DAYS } from '../../cdk/artifacts-bucket.ts';
import { HANDLER_ENV as ENV } from '../../lib/runtime/handler-env.ts';
import { evidenceHint } from '../../lib/alarms/policy.ts';
import { PROBE_GROUPS } from '../../lib/core/contract.ts';
import { allOwners } from '../../lib/core/config.ts';
import { DEFAULT_CONFIG, handlerConfigOf, logicalId, policyOf, removeAssembly, resourcesOf, shippedConfigOf, synthesize, validationReport, type Synthesized } from './support.ts';

let s: Synthesized;
beforeAll(async () => {
  s = await synthesize(DEFAULT_CONFIG);
});
afterAll(() => removeAssembly(s));

const fnOf = (group: string) => {
  const fn = s.stack.probes.functions[group as 'journey'];
  if (!fn) throw new Error(`no ${group} function`);
  return s.json.Resources[logicalId(s, fn)]!.Properties!;
};

describe('probe functions', () => {
  it('deploys one function per probe group on nodejs22.x, the Lambda Chromium\'s runtime, and the notifier', () => {
    expect(resourcesOf(s, 'AWS::Lambda::Function')).toHaveLength(PROBE_GROUPS.length + 1);
    for (const group of PROBE_GROUPS) {
      const fn = fnOf(group);
      expect(fn.Runtime).toBe(PROBE_RUNTIME.name);
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Handler).toBe(`index.${group}Handler`);
    }
  });

  it('runs the journey on x86_64 with the configured memory and the HTTP probes small on arm64', () => {
    const { aws } = s.stack.config;
    expect(fnOf('journey')).toMatchObject({ Architectures: ['x86_64'], MemorySize: aws.journeyMemoryMb });
    for (const group of ['sync', 'nodes']) expect(fnOf(group)).toMatchObject({ Architectures: ['arm64'], MemorySize: aws.httpMemoryMb });
  });

  it('gives every function a timeout above its probes\' own hard bound', () => {
    const timings = probeTimings(s.stack.config);
    for (const group of PROBE_GROUPS) {
      expect(fnOf(group).Timeout * 1000).toBeGreaterThan(timings[group].boundMs);
      expect(fnOf(group).Timeout).toBe(timings[group].timeoutSeconds);
    }
    // The journey's bound covers every step of every attempt.
    const { retry, timeouts } = s.stack.config;
    expect(timings.journey.boundMs).toBeGreaterThanOrEqual((retry.retries + 1) * 5 * timeouts.stepMs);
    expect(timings.sync.boundMs).toBeGreaterThanOrEqual((retry.retries + 1) * timeouts.requestMs);
  });

  it('attaches the Chromium layer (x86_64) to the journey function only', () => {
    const layers = resourcesOf(s, 'AWS::Lambda::LayerVersion');
    expect(layers).toHaveLength(1);
    const [layerId, layer] = layers[0]!;
    expect(layer.CompatibleArchitectures).toEqual(['x86_64']);
    expect(layer.CompatibleRuntimes).toEqual([PROBE_RUNTIME.name]);
    expect(fnOf('journey').Layers).toEqual([{ Ref: layerId }]);
    expect(fnOf('sync').Layers).toBeUndefined();
    expect(fnOf('nodes').Layers).toBeUndefined();
  });

  it('ships the validated config beside every function, which the handler accepts, and passes the bucket (artifacts, latest results)', () => {
    for (const group of PROBE_GROUPS) {
      const taskRoot = mkdtempSync(path.join(os.tmpdir(), 'flp-task-'));
      const env = fnOf(group).Environment.Variables as Record<string, unknown>;
      // Every variable the stack sets is one the handlers read (one list of names, lib/runtime/handler-env.ts), or Node's own.
      for (const key of Object.keys(env).filter((k) => k !== 'NODE_OPTIONS')) expect(Object.values(ENV) as string[]).toContain(key);
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      const config = handlerConfigOf(s, group, taskRoot);
      expect(config.environment).toBe(s.stack.config.environment);
      // The sandbox's CA exists once the sandbox has run here; then it ships beside the bundle (private-ca.test.ts).
      const caFile = s.stack.config.target.caFile && existsSync(s.stack.config.target.caFile) ? path.join(taskRoot, SHIPPED_CA_FILE) : undefined;
      expect(config.target).toEqual({ ...s.stack.config.target, caFile });
      expect(config.schedule).toEqual(s.stack.config.schedule);
      expect(JSON.parse(shippedConfigOf(s, group))).not.toHaveProperty('file');
      expect(env[ENV.journeySecretArn]).toBeUndefined();
      expect(env[ENV.artifactsBucket]).toEqual({ Ref: logicalId(s, s.stack.artifacts.bucket) });
    }
  });

  it('places no function in a VPC when the config names none', () => {
    for (const group of PROBE_GROUPS) expect(fnOf(group).VpcConfig).toBeUndefined();
  });

  it('does not let Lambda retry a failed run: the next scheduled run is the retry', () => {
    const probes = PROBE_GROUPS.map((g) => logicalId(s, s.stack.probes.functions[g]!));
    const configs = resourcesOf(s, 'AWS::Lambda::EventInvokeConfig').filter(([, cfg]) => probes.includes(cfg.FunctionName.Ref));
    expect(configs).toHaveLength(PROBE_GROUPS.length);
    for (const [, cfg] of configs) expect(cfg.MaximumRetryAttempts).toBe(0);
  });
});

describe('schedules', () => {
  it('runs each probe group on its own rule at its configured rate, rounded up to whole minutes', () => {
    const timings = probeTimings(s.stack.config);
    const rules = resourcesOf(s, 'AWS::Events::Rule').filter(([, r]) => r.ScheduleExpression);
    expect(rules).toHaveLength(PROBE_GROUPS.length);
    for (const group of PROBE_GROUPS) {
      const minutes = Math.max(1, Math.ceil(timings[group].scheduleSeconds / 60));
      const fnId = logicalId(s, s.stack.probes.functions[group]!);
      const rule = rules.find(([, r]) => r.Targets[0].Arn['Fn::GetAtt'][0] === fnId)?.[1];
      expect(rule?.ScheduleExpression).toBe(`rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`);
      expect(rule?.State ?? 'ENABLED').toBe('ENABLED');
    }
  });

  it('warns at synth time when a schedule below a minute is rounded up', () => {
    const annotations = Annotations.fromStack(s.stack);
    for (const group of PROBE_GROUPS) {
      if (probeTimings(s.stack.config)[group].scheduleSeconds >= 60) continue;
      annotations.hasWarning('*', Match.stringLikeRegexp(`schedule\\.${group}Seconds = \\d+: EventBridge`));
    }
  });
});

describe('alarms', () => {
  it('renders every alarm of the policy with its metric, statistic, period, threshold and datapoints, and no actions', () => {
    const { policy } = s.stack;
    // The policy's alarms, and the notifier's two of its own (cdk/notifier.ts).
    const alarms = resourcesOf(s, 'AWS::CloudWatch::Alarm').filter(([id]) => !id.startsWith('Notifier'));
    expect(alarms).toHaveLength(policy.alarms.length);
    expect(resourcesOf(s, 'AWS::CloudWatch::Alarm')).toHaveLength(policy.alarms.length + 2);
    for (const spec of policy.alarms) {
      const found = alarms.filter(([, a]) => a.AlarmName === alarmName(policy, spec.id));
      expect(found, spec.id).toHaveLength(1);
      const a = found[0]![1];
      expect(a).toMatchObject({
        Namespace: policy.namespace,
        MetricName: spec.metric.name,
        Statistic: spec.metric.statistic,
        Period: spec.periodSeconds,
        Threshold: spec.threshold,
        ComparisonOperator: spec.comparison,
        EvaluationPeriods: spec.evaluationPeriods,
        DatapointsToAlarm: spec.datapointsToAlarm,
        TreatMissingData: spec.treatMissingData,
      });
      const dims = Object.fromEntries((a.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
      expect(dims).toEqual(spec.metric.dimensions);
      expect(a.AlarmActions ?? []).toEqual([]);
      expect(a.OKActions ?? []).toEqual([]);
      expect(a.Period % 60).toBe(0);
    }
  });

  it('describes every alarm with its class, owner, severity, runbook and where the evidence is', () => {
    const { policy, config } = s.stack;
    const evidence = evidenceHint(config).split('<artifacts bucket>')[0]!;
    const bucket = logicalId(s, s.stack.artifacts.bucket);
    for (const spec of policy.alarms) {
      const [, a] = resourcesOf(s, 'AWS::CloudWatch::Alarm').find(([, x]) => x.AlarmName === alarmName(policy, spec.id))!;
      const text = JSON.stringify(a.AlarmDescription);
      for (const part of [`Class: ${spec.class}`, `Owner: ${spec.owner}`, `Severity: ${spec.severity}`, spec.runbook, evidence])
        expect(text, spec.id).toContain(JSON.stringify(part).slice(1, -1));
      // The evidence line names the real bucket.
      expect(text).toContain(bucket);
    }
  });

  it('pages through composite alarms: any member in ALARM, actions suppressed by one suppressor for all the root causes', () => {
    const { policy } = s.stack;
    const composites = resourcesOf(s, 'AWS::CloudWatch::CompositeAlarm');
    const alarmIdOf = (id: string) => logicalId(s, s.stack.alarms.alarms.get(id)!);
    for (const spec of policy.composites) {
      const found = composites.find(([, c]) => c.AlarmName === alarmName(policy, spec.id));
      expect(found, spec.id).toBeDefined();
      const c = found![1];
      const rule = JSON.stringify(c.AlarmRule);
      for (const member of spec.alarms) expect(rule, `${spec.id} ⊇ ${member}`).toContain(`"${alarmIdOf(member)}","Arn"`);
      expect(rule.match(/ALARM\(/g)).toHaveLength(spec.alarms.length);
      expect(rule).not.toContain(' AND ');

      const periods = suppressionPeriods(policy, spec);
      expect(c.ActionsSuppressorWaitPeriod).toBe(periods.waitSeconds);
      expect(c.ActionsSuppressorExtensionPeriod).toBe(periods.extensionSeconds);
      const suppressor = s.stack.alarms.suppressors.get(suppressorId(spec.suppressedBy))!;
      expect(c.ActionsSuppressor).toEqual({ 'Fn::GetAtt': [logicalId(s, suppressor as never), 'Arn'] });
      // The suppressor is any of the root causes the policy names (or that one alarm).
      if (spec.suppressedBy.length > 1) {
        const [, sup] = composites.find(([id]) => id === logicalId(s, suppressor as never))!;
        const supRule = JSON.stringify(sup.AlarmRule);
        for (const cause of spec.suppressedBy) expect(supRule).toContain(`"${alarmIdOf(cause)}","Arn"`);
        expect(sup.AlarmActions ?? []).toEqual([]);
      }
    }
    expect(policy.composites.every((c) => c.suppressedBy.includes(policy.maintenanceAlarmId))).toBe(true);
  });

  it('gives the paging composites the notifier as their only action, and no suppressor any action', () => {
    const notifier = { 'Fn::GetAtt': [logicalId(s, s.stack.notifier.function), 'Arn'] };
    const paging = new Set([...s.stack.alarms.composites.values()].map((c) => logicalId(s, c)));
    for (const [id, c] of resourcesOf(s, 'AWS::CloudWatch::CompositeAlarm')) {
      // CloudWatch's own alarm message (an SNS action) reaches nobody: only the notifier pages.
      const expected = paging.has(id) ? [notifier] : [];
      expect(c.AlarmActions ?? [], c.AlarmName).toEqual(expected);
      expect(c.OKActions ?? [], c.AlarmName).toEqual(expected);
      expect(c.InsufficientDataActions ?? [], c.AlarmName).toEqual([]);
    }
  });
});

describe('topics', () => {
  it('has one encrypted, TLS-only topic per owner organisation (each LPS vendor among them) plus on-call, with their ARNs as outputs', () => {
    const owners = allOwners(s.stack.config);
    const topics = resourcesOf(s, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(owners.length + 1);
    for (const owner of [...owners, ON_CALL]) {
      const topic = owner === ON_CALL ? s.stack.topics.onCall : s.stack.topics.of(owner);
      const id = logicalId(s, topic);
      expect(s.json.Resources[id]!.Properties!.KmsMasterKeyId).toBeDefined();
      expect(Object.values(s.json.Outputs ?? {}).some((o) => JSON.stringify(o.Value) === JSON.stringify({ Ref: id }))).toBe(true);
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
          ]),
        },
      });
    }
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('artifacts bucket', () => {
  it('is S3-encrypted, private, TLS-only, access-logged and expires artifacts after the configured days', () => {
    const id = logicalId(s, s.stack.artifacts.bucket);
    const bucket = s.json.Resources[id]!.Properties!;
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', ExpirationInDays: s.stack.config.aws.artifactsRetentionDays }));
    // The latest results, overwritten every run, go after a few days.
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', Prefix: 'latest/', ExpirationInDays: LATEST_RETENTION_DAYS }));
    expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logicalId(s, s.stack.artifacts.accessLogs) });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    s.template.hasOutput('ArtifactsBucketName', { Value: { Ref: id } });
  });
});

describe('least privilege', () => {
  const statementsOf = (group: string) => {
    const role = s.stack.probes.functions[group as 'journey']!.role!;
    const roleId = logicalId(s, role);
    return resourcesOf(s, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => p.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string }[]);
  };
  const actions = (st: { Action: string | string[] }) => [st.Action].flat();

  it('allows PutMetricData only into the policy\'s namespace, and "*" for CloudWatch\'s metric calls alone', () => {
    for (const group of PROBE_GROUPS) {
      const p = policyOf(s, group);
      expect(p.allows('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': s.stack.policy.namespace }), group).toBe(true);
      expect(p.allows('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': 'Other/Namespace' }), group).toBe(false);
      expect(p.allows('cloudwatch:PutMetricData', '*'), group).toBe(false);
      // Only CloudWatch's metric calls, which take no resource-level permissions, are granted on "*".
      for (const st of p.statements.filter((x) => [x.Resource].flat().includes('*'))) expect([st.Action].flat().every((a) => a === 'cloudwatch:PutMetricData' || a === 'cloudwatch:GetMetricData'), `${group}: ${st.Action}`).toBe(true);
    }
  });

  it('lets only the journey write artifacts, with s3:PutObject alone, under its environment\'s prefix, and every function keep its own latest results alone', () => {
    const env = s.stack.config.environment;
    for (const group of PROBE_GROUPS) {
      const p = policyOf(s, group);
      const artifact = p.arn.object(`${env}/2026-12-07T03-00-00Z-journey/trace.zip`);
      expect(p.allows('s3:PutObject', artifact), group).toBe(group === 'journey');
      expect(p.allows('s3:GetObject', artifact), group).toBe(false);
      expect(p.allows('s3:PutObject', p.arn.object(`other-env/x/trace.zip`)), group).toBe(false);
      for (const other of PROBE_GROUPS) {
        expect(p.allows('s3:GetObject', p.arn.object(`latest/${env}/${other}.json`)), `${group} reads ${other}'s latest`).toBe(other === group);
        expect(p.allows('s3:PutObject', p.arn.object(`latest/${env}/${other}.json`)), `${group} writes ${other}'s latest`).toBe(other === group);
      }
      expect(p.allows('s3:DeleteObject', p.arn.object(`latest/${env}/${group}.json`)), group).toBe(false);
      expect(p.allows('s3:ListBucket', p.arn.object('').replace(/\/$/, '')), group).toBe(false);
    }
  });

  it('writes logs to each function\'s own log group, with no managed policy', () => {
    for (const group of PROBE_GROUPS) {
      const logGroupId = logicalId(s, s.stack.probes.logGroups[group]!);
      const logs = statementsOf(group).filter((st) => actions(st).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } })]);
      const role = s.json.Resources[logicalId(s, s.stack.probes.functions[group]!.role!)]!.Properties!;
      expect(role.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('dashboard', () => {
  it('shows success and latency per probe and step, sync lag per source, failures by class, certificate days per node and the pages', () => {
    const dashboards = resourcesOf(s, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]![1].DashboardBody);
    const { policy } = s.stack;
    for (const spec of policy.alarms) {
      for (const value of Object.values(spec.metric.dimensions)) expect(body, spec.id).toContain(value);
      expect(body).toContain(spec.metric.name);
    }
    expect(body).toContain('SEARCH(');
    for (const spec of policy.composites) expect(body, spec.id).toContain(logicalId(s, s.stack.alarms.composites.get(spec.id)!));
  });

  it('marks every release verdict, per version (the Release metric: 1 verified, 0 failed)', () => {
    const body = JSON.stringify(resourcesOf(s, 'AWS::CloudWatch::Dashboard')[0]![1].DashboardBody);
    expect(body).toMatch(/Releases: 1 = verified, 0 = failed/);
    expect(body).toMatch(/Version\\*"\} MetricName=\\*"Release\\*"/);
  });
});

describe('cdk-nag', () => {
  it('reports no unacknowledged AwsSolutions finding', () => {
    const report = validationReport(s);
    const findings = report.pluginReports.flatMap((r) => r.violations ?? []);
    expect(findings.map((v) => v.ruleName)).toEqual([]);
  });
});
