/**
 * The stack for a production-like config: real schedules, functions inside a VPC, a journey
 * secret, and a monitor owner of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { probeTimings } from '../../cdk/probe-functions.ts';
import { HANDLER_ENV as ENV } from '../../lib/runtime/handler-env.ts';
import { PROBE_GROUPS } from '../../lib/core/contract.ts';
import { logicalId, policyOf, PRODUCTION_CONFIG, removeAssembly, resourcesOf, synthesize, validationReport, type Synthesized } from './support.ts';

let s: Synthesized;
beforeAll(async () => {
  s = await synthesize(PRODUCTION_CONFIG);
});
afterAll(() => removeAssembly(s));

const fnOf = (group: string) => s.json.Resources[logicalId(s, s.stack.probes.functions[group as 'journey']!)]!.Properties!;

describe('a production-like deployment', () => {
  it('places every function in the configured subnets and security groups, without looking anything up', () => {
    const vpc = s.stack.config.aws.vpc!;
    for (const group of PROBE_GROUPS) {
      expect(fnOf(group).VpcConfig).toEqual({ SubnetIds: vpc.subnetIds, SecurityGroupIds: vpc.securityGroupIds });
      const role = s.json.Resources[logicalId(s, s.stack.probes.functions[group]!.role!)]!.Properties!;
      expect(JSON.stringify(role.ManagedPolicyArns)).toContain('service-role/AWSLambdaVPCAccessExecutionRole');
    }
    expect(resourcesOf(s, 'AWS::EC2::SecurityGroup')).toEqual([]);
    // No context lookups: synth needs no account.
    expect(s.assembly.manifest.missing ?? []).toEqual([]);
  });

  it('gives the journey the secret\'s ARN and read access to it, and nothing of its value', () => {
    const name = s.stack.config.aws.journeySecretName!;
    const env = fnOf('journey').Environment.Variables;
    expect(JSON.stringify(env[ENV.journeySecretArn])).toMatch(new RegExp(`:secret:${name}"\\]\\]\\}$`));
    for (const group of ['sync', 'nodes']) expect(fnOf(group).Environment.Variables).not.toHaveProperty(ENV.journeySecretArn);

    const journey = policyOf(s, 'journey');
    expect(journey.allows('secretsmanager:GetSecretValue', journey.arn.secret(name))).toBe(true);
    // Read its value, nothing more: no describe, no write.
    for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue']) expect(journey.allows(action, journey.arn.secret(name)), action).toBe(false);
    const text = JSON.stringify(s.json);
    expect(resourcesOf(s, 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(text).not.toMatch(/resolve:secretsmanager|resolve:ssm-secure|SecretString/);
    for (const group of PROBE_GROUPS)
      for (const key of Object.keys(fnOf(group).Environment.Variables)) expect(key).not.toMatch(/PASSWORD|TOKEN|CREDENTIAL|(SECRET(?!_ARN$))/i);
  });

  it('runs the journey and the HTTP probes every minute, without rounding, and no re-check rule beside them', () => {
    const timings = probeTimings(s.stack.config);
    expect([timings.journey.rateMinutes, timings.sync.rateMinutes, timings.nodes.rateMinutes]).toEqual([1, 1, 1]);
    const rates = resourcesOf(s, 'AWS::Events::Rule').flatMap(([, r]) => (r.ScheduleExpression ? [r.ScheduleExpression] : [])).sort();
    expect(rates).toEqual(['rate(1 minute)', 'rate(1 minute)', 'rate(1 minute)']);
    const annotations = Annotations.fromStack(s.stack);
    annotations.hasNoWarning('*', Match.stringLikeRegexp('EventBridge runs at most once a minute'));
    for (const group of PROBE_GROUPS) expect(fnOf(group).Timeout * 1000).toBeGreaterThan(timings[group].boundMs);
    // With the defaults, no ordinary HTTP run outlasts its interval. The journey's worst case (every step
    // timing out, twice retried) does, and the synth says so: the run after a slow one skips under the run lease.
    for (const group of ['sync', 'nodes'] as const) expect(timings[group].runSeconds).toBeLessThanOrEqual(timings[group].rateMinutes * 60);
    expect(timings.journey.runSeconds).toBeGreaterThan(60);
    annotations.hasWarning('*', Match.stringLikeRegexp('The journey function may run \\d+ s, longer than its 1 min schedule: the run after a slow one finds the run lease held and skips \\(JourneyRunSkipped\\)'));
    // A release verification at that worst case would need more than Lambda's 900 s: capped, with a warning (the handler verifies only when the time left suffices).
    expect(timings.journey.capped).toBe(true);
    expect(fnOf('journey').Timeout).toBe(900);
  });

  it('has a topic for the monitor\'s own owner beside PLSP\'s, KiAP\'s, each LPS vendor\'s and on-call\'s', () => {
    const names = resourcesOf(s, 'AWS::SNS::Topic').map(([, t]) => t.TopicName).sort();
    const vendors = ['Dampsoft-Danmark', 'eJournal-Nord-ApS', 'Klinik-A-S', 'MedSign-ApS', 'Nordlys-Data', 'PraksisNet', 'SundSys-I-S', 'XMO-A-S'].map((v) => `flp-prod-owner-${v}`);
    expect(names).toEqual(['flp-prod-on-call', 'flp-prod-owner-KiAP', 'flp-prod-owner-PLSP', 'flp-prod-owner-Sundhedsdatastyrelsen', ...vendors].sort());
  });

  it('reports no unacknowledged AwsSolutions finding', () => {
    expect(validationReport(s).pluginReports.flatMap((r) => r.violations ?? []).map((v) => v.ruleName)).toEqual([]);
  });
});
