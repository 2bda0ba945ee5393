/**
 * Every AWS call each Lambda function of the stack sends, composed from what its adapters
 * declare (lib/core/aws-calls.ts): the stack grants a function exactly these (cdk/grants.ts),
 * and the tests' stand-in refuses any other. A handler that starts using an adapter adds its
 * calls here, beside the others of its function; a missing one is an AccessDenied in the
 * Lambda handler tests, which run against the synthesized policy.
 */
import { artifactCalls } from '../adapters/artifacts-s3.ts';
import { getMetricDataCalls } from '../adapters/cloudwatch-history.ts';
import { putMetricDataCalls } from '../adapters/cloudwatch-sink.ts';
import { latestResultsCalls } from '../adapters/latest-results-s3.ts';
import { stateObjectCalls } from '../adapters/s3-state.ts';
import { secretCalls } from '../adapters/secrets.ts';
import { publishCalls } from '../adapters/sns-publisher.ts';
import { LEASE_NAMES, leaseCalls, leaseKey } from '../adapters/s3-lease.ts';
import { uniqueCalls, type AwsCall } from '../core/aws-calls.ts';
import { allOwners, type Config } from '../core/config.ts';
import { enabledGroups, type ProbeGroup } from '../core/contract.ts';
import { releasesKey } from '../core/release-list.ts';
import { ON_CALL } from '../core/resource-names.ts';
import { windowsKey } from '../core/windows.ts';
import { launchKeySecretNames, launchKeysInJourneySecret } from '../core/launch-secrets.ts';

/** The stack's Lambda functions: one per probe group, and the notifier. */
export type FunctionName = ProbeGroup | 'notifier';

/** The channels' secrets (`notify.channels[].secretName`), each once. */
export function channelSecretNames(config: Pick<Config, 'notify'>): string[] {
  return [...new Set(config.notify.channels.map((c) => c.secretName).filter((n): n is string => !!n))];
}

const channelSecrets = (config: Config): AwsCall[] => channelSecretNames(config).flatMap((name) => secretCalls(name, 'a notification channel\'s secret'));
const launchKeys = (config: Config): AwsCall[] => launchKeySecretNames(config).flatMap((name) => secretCalls(name, 'a signed LPS profile\'s key'));
const journeySecret = (config: Config): AwsCall[] => (config.aws.journeySecretName ? secretCalls(config.aws.journeySecretName, 'the journey secret') : []);

/** What every probe function does: publish its metrics, keep its group's latest results, read the run-time maintenance windows. */
function probeBasics(config: Config, group: ProbeGroup): AwsCall[] {
  const env = config.environment;
  return [
    ...putMetricDataCalls(config.aws.namespace, `the ${group} probes' metrics`),
    ...latestResultsCalls(env, group, { read: true, write: true }),
    ...stateObjectCalls(windowsKey(env), 'the run-time maintenance windows'),
  ];
}

/** The calls of one function, each once. */
export function functionCalls(config: Config, fn: FunctionName): AwsCall[] {
  const env = config.environment;
  switch (fn) {
    case 'journey':
      return uniqueCalls([
        ...probeBasics(config, 'journey'),
        ...artifactCalls(env, { put: true }),
        ...journeySecret(config),
        // A release verification runs every probe group in this function, the LPS launches among them: every vendor's key.
        ...launchKeys(config),
        ...stateObjectCalls(releasesKey(env), 'the release verdicts', { write: true }),
        // One run at a time, one verification per window (lib/adapters/s3-lease.ts).
        ...leaseCalls(leaseKey(env, LEASE_NAMES.journeyRun), 'the journey run'),
        ...leaseCalls(leaseKey(env, LEASE_NAMES.releaseVerification), 'a release verification'),
        ...getMetricDataCalls('the latency baseline of a release verification'),
        // The verdict goes to KiAP and the window's owner (any owner a window names), and to their channels.
        ...publishCalls(allOwners(config), 'a release verdict'),
        ...channelSecrets(config),
      ]);
    case 'sync':
      return uniqueCalls(probeBasics(config, 'sync'));
    case 'nodes':
      return uniqueCalls([
        ...probeBasics(config, 'nodes'),
        ...stateObjectCalls(releasesKey(env), 'the release verdicts (the last verified version is what the nodes must report)'),
        ...launchKeys(config),
        ...(launchKeysInJourneySecret(config) ? journeySecret(config) : []),
      ]);
    case 'notifier':
      return uniqueCalls([
        ...latestResultsCalls(env, '*', { read: true }),
        ...stateObjectCalls(windowsKey(env), 'the run-time maintenance windows'),
        ...artifactCalls(env, { link: true }),
        ...publishCalls([...allOwners(config), ON_CALL], 'a page'),
        ...channelSecrets(config),
        ...putMetricDataCalls(config.aws.namespace, 'NotificationFailed'),
      ]);
  }
}

/** A Secrets Manager secret the deployment reads: it must exist before `cdk deploy` (the stack names it, never creates it). */
export interface RequiredSecret {
  name: string;
  /** What it holds, in words, as the functions read it. */
  holds: string;
  /** The functions that read it. */
  readBy: FunctionName[];
}

/** Every secret any function of the stack reads, each once, with what it must hold and who reads it. */
export function requiredSecrets(config: Config): RequiredSecret[] {
  const holds = (name: string): string => {
    if (name === config.aws.journeySecretName)
      return 'JSON: "cpr" (the test patient\'s CPR, replacing journey.cpr) and "lpsKeys" ({ "<system>": "<key>" } for signed profiles without keySecretName), each optional';
    const profile = config.lps.profiles.find((p) => p.keySecretName === name);
    if (profile) return `the ${profile.system} profile's shared HMAC key (${profile.vendor}): the bare key, or JSON { "key": "…" }`;
    const channel = config.notify.channels.find((c) => c.secretName === name);
    if (channel) return channel.type === 'pagerduty' ? 'the PagerDuty routing key: the bare key, or JSON { "routingKey": "…", "url"?: "…" }' : `the ${channel.type} webhook URL: the bare URL, or JSON { "url": "…" }`;
    return 'a value a function reads';
  };
  const byName = new Map<string, RequiredSecret>();
  for (const fn of [...enabledGroups(config), 'notifier'] as const)
    for (const c of functionCalls(config, fn))
      if (c.resource.type === 'secret') {
        const entry = byName.get(c.resource.name) ?? { name: c.resource.name, holds: holds(c.resource.name), readBy: [] };
        if (!entry.readBy.includes(fn)) entry.readBy.push(fn);
        byName.set(c.resource.name, entry);
      }
  return [...byName.values()];
}
