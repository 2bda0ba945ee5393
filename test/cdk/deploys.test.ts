/**
 * What a real account would refuse at once, checked on the template `cdk synth` writes for the
 * production fixture and for the largest config we plan for (20 nodes, 8 vendors, 4 sync
 * sources, 5 channels, a 20-character environment name), rendered as CloudFormation renders it
 * in a 12-digit account in eu-central-1 with the names CloudFormation gives:
 * - each function's environment under 2 KB (Lambda refuses more than 4 KB);
 * - every AWS call a function's code declares is granted, and no grant is there without a call
 *   (its log group's and the VPC role's aside, and the notifier's dead-letter queue, which
 *   Lambda itself writes with the function's role);
 * - names and descriptions within CloudFormation's and the services' limits;
 * - no CPR anywhere in the template.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lazy } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { checkEnvironmentSize } from '../../cdk/probe-functions.ts';
import { callKey, type AwsCall } from '../../lib/core/aws-calls.ts';
import { functionCalls, type FunctionName } from '../../lib/runtime/function-calls.ts';
import { CfnRenderer } from '../support/cfn-render.ts';
import { decide, roleStatements, wildcardMatch, type Statement } from '../support/iam-policy.ts';
import { LARGE_CONFIG, logicalId, PRODUCTION_CONFIG, RENDERED, removeAssembly, synthesize, type Synthesized } from './support.ts';

const FUNCTIONS: FunctionName[] = ['journey', 'sync', 'nodes', 'notifier'];
/** The test person's CPR (the fixtures' journey.cpr), in its bare and dashed forms. */
const CPR_FORMS = (cpr: string) => [cpr, `${cpr.slice(0, 6)}-${cpr.slice(6)}`];

const fixtures = { production: PRODUCTION_CONFIG, large: LARGE_CONFIG } as const;
const synthesized: Partial<Record<keyof typeof fixtures, Synthesized>> = {};
beforeAll(async () => {
  for (const [name, file] of Object.entries(fixtures)) synthesized[name as keyof typeof fixtures] = await synthesize(file);
}, 120_000);
afterAll(() => Object.values(synthesized).forEach(removeAssembly));

function deployedView(s: Synthesized) {
  const renderer = new CfnRenderer(s.json as never, { ...RENDERED, stackName: s.stack.stackName });
  const fnConstruct = (fn: FunctionName) => (fn === 'notifier' ? s.stack.notifier.function : s.stack.probes.functions[fn]!);
  const bucket = renderer.physicalName(logicalId(s, s.stack.artifacts.bucket));
  const topic = (owner: string) => renderer.render({ Ref: logicalId(s, owner === 'on-call' ? s.stack.topics.onCall : s.stack.topics.of(owner)) }) as string;
  const topicKey = renderer.render({ 'Fn::GetAtt': [logicalId(s, s.stack.topics.key), 'Arn'] }) as string;
  /** A call's resource as the grant must name it (a pattern where the call's key is one), derived here from the call alone. */
  const grantedArn = (c: AwsCall): string => {
    const r = c.resource;
    switch (r.type) {
      case 'bucket-object':
        return `arn:aws:s3:::${bucket}/${r.key}`;
      case 'metrics':
        return '*';
      case 'topic':
        return topic(r.owner);
      case 'topic-key':
        return topicKey;
      case 'secret':
        return `arn:aws:secretsmanager:${RENDERED.region}:${RENDERED.account}:secret:${r.name}-??????`;
    }
  };
  /** A request the call sends: a concrete object under a prefix, the namespace it puts into, a secret's full ARN. */
  const sample = (c: AwsCall) => {
    const r = c.resource;
    const resource = r.type === 'bucket-object' ? grantedArn(c).replace(/\*$/, '2026-12-07T03-00-00Z-journey/trace.zip') : r.type === 'secret' ? grantedArn(c).replace(/\?{6}$/, 'AbCdEf') : grantedArn(c);
    return { action: c.action, resource, ...(r.type === 'metrics' && r.namespace ? { context: { 'cloudwatch:namespace': r.namespace } } : {}) };
  };
  return {
    renderer,
    environment: (fn: FunctionName) => renderer.render(s.json.Resources[logicalId(s, fnConstruct(fn))]!.Properties!.Environment?.Variables ?? {}) as Record<string, string>,
    statements: (fn: FunctionName) => roleStatements(s.json as never, logicalId(s, fnConstruct(fn).role as never), renderer),
    logGroupArn: (fn: FunctionName) => renderer.render({ 'Fn::GetAtt': [logicalId(s, fn === 'notifier' ? s.stack.notifier.logGroup : s.stack.probes.logGroups[fn]!), 'Arn'] }) as string,
    deadLettersArn: () => renderer.render({ 'Fn::GetAtt': [logicalId(s, s.stack.notifier.deadLetters), 'Arn'] }) as string,
    grantedArn,
    sample,
  };
}

describe.each(Object.keys(fixtures) as (keyof typeof fixtures)[])('the %s config, as a real account deploys it', (name) => {
  const s = () => synthesized[name]!;

  it('gives every function an environment under 2 KB as CloudFormation renders it, the config beside the bundle', () => {
    const view = deployedView(s());
    for (const fn of FUNCTIONS) {
      const env = view.environment(fn);
      const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      console.log(`${name} ${fn}: environment ${bytes} bytes (${Object.keys(env).join(', ')})`);
      expect(bytes, `${fn}: ${JSON.stringify(env)}`).toBeLessThan(2048);
      // Nothing left unrendered: every value is what the function reads.
      for (const [k, v] of Object.entries(env)) expect(typeof v, `${fn} ${k}`).toBe('string');
    }
  });

  it('grants every call each function\'s code declares', () => {
    const view = deployedView(s());
    for (const fn of FUNCTIONS) {
      const statements = view.statements(fn);
      const calls = functionCalls(s().stack.config, fn);
      expect(calls.length, fn).toBeGreaterThan(0);
      for (const c of calls) expect(decide(statements, view.sample(c)).allowed, `${fn}: ${callKey(c)} (${c.why})`).toBe(true);
    }
  });

  it('grants nothing no call needs (the log group, the VPC role and the notifier\'s dead-letter queue aside)', () => {
    const view = deployedView(s());
    for (const fn of FUNCTIONS) {
      const calls = functionCalls(s().stack.config, fn);
      const aside = (st: Statement, action: string, resource: string) =>
        (action.startsWith('logs:') && resource === view.logGroupArn(fn)) || (fn === 'notifier' && action === 'sqs:SendMessage' && resource === view.deadLettersArn());
      const unneeded: string[] = [];
      for (const st of view.statements(fn)) {
        expect(st.Effect, fn).toBe('Allow');
        for (const action of [st.Action ?? []].flat())
          for (const resource of [st.Resource ?? []].flat()) {
            if (aside(st, action, resource)) continue;
            const needed = calls.some((c) => wildcardMatch(action, c.action, true) && view.grantedArn(c) === resource);
            if (!needed) unneeded.push(`${action} on ${resource}`);
            // Never a wider action than the call: no wildcards in what is granted.
            expect(action, fn).not.toMatch(/[*?]/);
          }
      }
      expect(unneeded, fn).toEqual([]);
      const role = s().json.Resources[logicalId(s(), (fn === 'notifier' ? s().stack.notifier.function : s().stack.probes.functions[fn]!).role as never)]!.Properties!;
      for (const arn of role.ManagedPolicyArns ?? []) expect(JSON.stringify(arn), fn).toContain('service-role/AWSLambdaVPCAccessExecutionRole');
    }
  });

  it('keeps every name and description within CloudFormation\'s and the services\' limits', () => {
    const view = deployedView(s());
    const limits: Record<string, Record<string, number>> = {
      'AWS::Lambda::Function': { FunctionName: 64, Description: 256 },
      'AWS::CloudWatch::Alarm': { AlarmName: 255, AlarmDescription: 1024 },
      'AWS::CloudWatch::CompositeAlarm': { AlarmName: 255, AlarmDescription: 1024, AlarmRule: 10240 },
      'AWS::SNS::Topic': { TopicName: 256, DisplayName: 100 },
      'AWS::SQS::Queue': { QueueName: 80 },
      'AWS::Events::Rule': { Name: 64, Description: 512 },
      'AWS::Logs::LogGroup': { LogGroupName: 512 },
      'AWS::IAM::Role': { RoleName: 64, Description: 1000 },
      'AWS::IAM::ManagedPolicy': { ManagedPolicyName: 128, Description: 1000 },
      'AWS::IAM::Policy': { PolicyName: 128 },
      'AWS::CloudWatch::Dashboard': { DashboardName: 255 },
      'AWS::KMS::Key': { Description: 8192 },
      'AWS::Lambda::LayerVersion': { Description: 256 },
      'AWS::S3::Bucket': { BucketName: 63 },
    };
    const over: string[] = [];
    let checked = 0;
    for (const [id, r] of Object.entries(s().json.Resources)) {
      expect(id.length, id).toBeLessThanOrEqual(255);
      for (const [prop, max] of Object.entries(limits[r.Type] ?? {})) {
        const value = r.Properties?.[prop] ?? (prop === 'BucketName' || prop === 'RoleName' || prop === 'FunctionName' || prop === 'QueueName' ? { Ref: id } : undefined);
        if (value === undefined) continue;
        const text = String(view.renderer.render(value));
        checked++;
        if (text.length > max) over.push(`${id} ${prop}: ${text.length} > ${max}`);
      }
    }
    for (const [id, o] of Object.entries(s().json.Outputs ?? {})) if (String(o.Description ?? '').length > 1024) over.push(`output ${id} Description > 1024`);
    expect(over).toEqual([]);
    // Every function, alarm, topic, rule and role was measured.
    expect(checked).toBeGreaterThan(Object.keys(s().json.Resources).length / 2);
    // The bucket CloudFormation names is lower case, 3 to 63 characters.
    expect(view.renderer.physicalName(logicalId(s(), s().stack.artifacts.bucket))).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
  });

  it('lists at synth every secret that must exist before the deploy, what it holds and who reads it', () => {
    const config = s().stack.config;
    const names = [
      ...(config.aws.journeySecretName ? [config.aws.journeySecretName] : []),
      ...config.lps.profiles.flatMap((p) => (p.keySecretName ? [p.keySecretName] : [])),
      ...config.notify.channels.flatMap((c) => (c.secretName ? [c.secretName] : [])),
    ];
    expect(names.length).toBeGreaterThan(3);
    const infos = Annotations.fromStack(s().stack).findInfo('*', Match.stringLikeRegexp('Create these Secrets Manager secrets'));
    expect(infos).toHaveLength(1);
    const text = String(infos[0]!.entry.data);
    for (const n of new Set(names)) expect(text, n).toMatch(new RegExp(`\\n  - ${n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .+; read by (journey|nodes|notifier)`));
    expect(text.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(new Set(names).size);
  });

  it('holds no CPR anywhere in the template', () => {
    const text = JSON.stringify(s().json);
    for (const form of CPR_FORMS(s().stack.config.journey.cpr)) expect(text.includes(form), form).toBe(false);
  });
});

describe('the synth\'s own check of a function\'s environment', () => {
  it('counts each token at an ARN\'s longest and refuses what Lambda would, naming the variables', () => {
    const token = Lazy.string({ produce: () => 'arn:aws:sns:eu-central-1:123456789012:flp-prod-on-call' });
    expect(() => checkEnvironmentSize('journey', { FLP_ON_CALL_TOPIC_ARN: token, FLP_ARTIFACTS_BUCKET: token })).not.toThrow();
    // 3,800 literal bytes and one token: more than 4 KB once the token renders at its longest.
    expect(() => checkEnvironmentSize('journey', { BIG: 'x'.repeat(3_800), FLP_ON_CALL_TOPIC_ARN: token })).toThrow(/the journey function's environment would be 4\d{3} bytes, more than Lambda's 4096: BIG, FLP_ON_CALL_TOPIC_ARN/);
  });
});
