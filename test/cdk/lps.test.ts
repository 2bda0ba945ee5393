/**
 * The LPS vendors of contract v2 in the deployment (test/cdk/fixtures/production.config.json:
 * eight profiles, eight vendors, three signed by keySecretName): a topic per vendor, a paging
 * composite per vendor with the notifier as its action, the launch keys' secrets readable by the
 * functions that sign and by nothing else, no key in the template, and a dashboard row per vendor.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonitorStack, createApp } from '../../cdk/app.ts';
import { alarmName } from '../../cdk/alarms.ts';
import { ownerSlug } from '../../cdk/topics.ts';
import { vendorCompositeId } from '../../lib/alarms/policy.ts';
import { allOwners, parseConfig } from '../../lib/core/config.ts';
import { topicArnsFor } from '../../lib/runtime/topic-arns.ts';
import { HANDLER_ENV as ENV } from '../../lib/runtime/handler-env.ts';
import { handlerConfigOf, logicalId, policyOf, PRODUCTION_CONFIG, removeAssembly, resourcesOf, synthesize, type Synthesized } from './support.ts';

let s: Synthesized;
beforeAll(async () => {
  s = await synthesize(PRODUCTION_CONFIG);
});
afterAll(() => removeAssembly(s));

const raw = JSON.parse(readFileSync(PRODUCTION_CONFIG, 'utf8')) as Record<string, any>;
const profiles = raw.lps.profiles as { system: string; vendor: string; style: string; keySecretName?: string }[];
const vendors = [...new Set(profiles.map((p) => p.vendor))];
const fnOf = (group: 'journey' | 'sync' | 'nodes') => s.json.Resources[logicalId(s, s.stack.probes.functions[group]!)]!.Properties!;

describe('the LPS vendors in a production-like deployment', () => {
  it('configures eight profiles of eight vendors, mixed styles, the signed ones by keySecretName', () => {
    expect(profiles).toHaveLength(8);
    expect(vendors).toHaveLength(8);
    expect(new Set(profiles.map((p) => p.style))).toEqual(new Set(['query', 'form', 'signed']));
    for (const p of profiles.filter((x) => x.style === 'signed')) expect(p.keySecretName).toMatch(/^flp-monitor\/prod\/lps\//);
    expect(profiles.some((p) => 'key' in p)).toBe(false);
  });

  it('has a topic for every owner a page can be for, each vendor included, and on-call\'s; none for the placeholder owner', () => {
    const owners = allOwners(s.stack.config);
    for (const v of vendors) expect(owners).toContain(v);
    expect([...s.stack.topics.byOwner.keys()]).toEqual(owners);
    expect(resourcesOf(s, 'AWS::SNS::Topic')).toHaveLength(owners.length + 1);
    expect(s.stack.topics.byOwner.has(s.stack.config.owners.lps)).toBe(false);
    const names = resourcesOf(s, 'AWS::SNS::Topic').map(([, t]) => t.TopicName);
    for (const v of vendors) expect(names).toContain(`flp-prod-owner-${ownerSlug(v)}`);
    // The notifier finds each vendor's topic beside on-call's, named as the stack names it.
    const arns = topicArnsFor(handlerConfigOf(s, 'notifier'), 'arn:aws:sns:eu-central-1:123456789012:flp-prod-on-call');
    for (const v of vendors) expect(arns.byOwner.get(v)).toBe(`arn:aws:sns:eu-central-1:123456789012:${s.json.Resources[logicalId(s, s.stack.topics.of(v))]!.Properties!.TopicName}`);
  });

  it('deploys a paging composite per vendor, flp-prod-lps-<vendor>, over its systems\' alarms, held back by hosting, application and maintenance, with the notifier as its action', () => {
    const composites = resourcesOf(s, 'AWS::CloudWatch::CompositeAlarm');
    const notifierArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(s, s.stack.notifier.function), 'Arn'] });
    for (const v of vendors) {
      const id = vendorCompositeId(v);
      const [, c] = composites.find(([, x]) => x.AlarmName === `flp-prod-${id}`)!;
      expect(c).toBeDefined();
      const rule = JSON.stringify(c.AlarmRule);
      for (const p of profiles.filter((x) => x.vendor === v)) expect(rule).toContain(logicalId(s, s.stack.alarms.alarms.get(`lps-failures-${p.system}`)!));
      expect(JSON.stringify(c.AlarmActions)).toContain(notifierArn);
      expect(JSON.stringify(c.OKActions)).toContain(notifierArn);
      expect(c.ActionsSuppressor).toBeDefined();
      expect(JSON.stringify(c.AlarmDescription)).toContain(`Owner: ${v}.`);
    }
    // The journey runs every minute by default: the application alarm already has the launches' (nodes') pace.
    const suppressor = s.stack.alarms.suppressors.get('suppressor-application-failures-or-infrastructure-failures-or-maintenance-window');
    expect(suppressor).toBeDefined();
    // No composite of the lps class as such.
    expect(composites.map(([, c]) => c.AlarmName)).not.toContain('flp-prod-lps-page');
    expect(alarmName(s.stack.policy, 'launch-stats-warning')).toBe('flp-prod-launch-stats-warning');
    expect(composites.map(([, c]) => c.AlarmName)).toContain('flp-prod-launch-stats-warning');
  });

  it('lets the nodes and the journey function read the signed profiles\' key secrets, those alone (a release verification in the journey function runs every launch), the sync function none', () => {
    const names = profiles.filter((p) => p.keySecretName).map((p) => p.keySecretName!);
    expect(names.length).toBeGreaterThan(0);
    for (const group of ['nodes', 'journey'] as const) {
      const p = policyOf(s, group);
      for (const n of names) expect(p.allows('secretsmanager:GetSecretValue', p.arn.secret(n)), `${group} ${n}`).toBe(true);
      expect(p.allows('secretsmanager:GetSecretValue', p.arn.secret('flp-monitor/prod/lps/another-vendor')), group).toBe(false);
      expect(p.allows('secretsmanager:DescribeSecret', p.arn.secret(names[0]!)), group).toBe(false);
    }
    expect(policyOf(s, 'sync').statements.some((st) => JSON.stringify(st.Action).includes('secretsmanager'))).toBe(false);
    // The keys come by keySecretName: the nodes function needs no journey secret.
    expect(fnOf('nodes').Environment.Variables).not.toHaveProperty(ENV.journeySecretArn);
  });

  it('holds no launch key in the template: the functions\' config names the secrets only', () => {
    const config = handlerConfigOf(s, 'nodes');
    expect(config.lps.profiles.map((p) => p.system)).toEqual(profiles.map((p) => p.system));
    expect(config.lps.profiles.every((p) => p.key === undefined)).toBe(true);
    expect(JSON.stringify(s.json)).not.toMatch(/\\"key\\":/);
  });

  it('draws a row per vendor: its certified launches\' success, its systems\' refused share, its page\'s status', () => {
    const body = JSON.stringify(resourcesOf(s, 'AWS::CloudWatch::Dashboard')[0]![1].DashboardBody);
    for (const v of vendors) {
      expect(body).toContain(`${v}: certified launch accepted`);
      expect(body).toContain(`${v}: clinics' real launches refused`);
      expect(body).toContain(`${v}: its page (${vendorCompositeId(v)})`);
      expect(body).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalId(s, s.stack.alarms.composites.get(vendorCompositeId(v))!), 'Arn'] }));
    }
    for (const p of profiles) {
      expect(body).toContain(`launch:${p.system}`);
      expect(body).toMatch(new RegExp(`LaunchRejectedPercent\\\\",\\\\"Environment\\\\",\\\\"prod\\\\",\\\\"System\\\\",\\\\"${p.system}\\\\"`));
    }
  });
});

describe('launch keys at synth', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-lps-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const app = () => createApp({ context: { 'aws:cdk:bundling-stacks': [] }, outdir: mkdtempSync(path.join(tmp, 'out-')), builtinCloudFormationValidation: false });

  it('refuses a profile whose key would be written into the template, as it refuses a routing key', () => {
    const withKey = parseConfig({ ...raw, lps: { ...raw.lps, profiles: [...profiles.slice(0, 3), { system: 'medsign', vendor: 'MedSign ApS', style: 'signed', key: 'L1TERAL-key' }] } });
    expect(() => addMonitorStack(app(), withKey)).toThrow(/lps\.profiles\[3\] \(medsign\)\.key would be written into the CloudFormation template.*keySecretName/);
  });

  it('gives the nodes function the journey secret only when a signed profile takes its key from it (lpsKeys.<system>)', () => {
    const fromJourney = parseConfig({ ...raw, lps: { ...raw.lps, profiles: [...profiles.slice(0, 3), { system: 'medsign', vendor: 'MedSign ApS', style: 'signed' }] } });
    const stack = addMonitorStack(app(), fromJourney);
    const assembled = stack.node.root as ReturnType<typeof createApp>;
    const out = assembled.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Type: string; Properties?: any }> };
    const nodesId = stack.getLogicalId(stack.probes.functions.nodes!.node.defaultChild as never);
    expect(out.Resources[nodesId]!.Properties.Environment.Variables).toHaveProperty(ENV.journeySecretArn);
    const nodesRole = stack.getLogicalId(stack.probes.functions.nodes!.role!.node.defaultChild as never);
    const policies = Object.values(out.Resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${nodesRole}"`));
    expect(JSON.stringify(policies)).toContain(':secret:flp-monitor/prod/journey-??????');
  });
});
