/**
 * The owners' and on-call's SNS topics as a function finds them: on-call's ARN from
 * `FLP_ON_CALL_TOPIC_ARN` (set by the stack), and every owner's beside it, its name derived from
 * the owner's name as the stack derives it (lib/core/resource-names.ts). The notifier publishes
 * pages to them, the journey function the verdict of a release it verified. Imports nothing
 * heavy, so both can take it.
 */
import { allOwners, type Config } from '../core/config.ts';
import { ON_CALL, topicName } from '../core/resource-names.ts';
import { HANDLER_ENV } from './handler-env.ts';

/** The name under which on-call's topic appears among the owners'. */
export const ON_CALL_KEY = ON_CALL;

/** The topics of a deployment. */
export interface TopicArns {
  byOwner: ReadonlyMap<string, string>;
  onCall: string;
}

/** `arn:<partition>:sns:<region>:<account>:<name>` */
const TOPIC_ARN = /^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:)[A-Za-z0-9_-]{1,256}$/;

/** On-call's topic (`FLP_ON_CALL_TOPIC_ARN`); throws naming the variable when it is missing or not an SNS topic ARN. */
export function onCallTopicArn(env: NodeJS.ProcessEnv): string {
  const name = HANDLER_ENV.onCallTopicArn;
  const arn = env[name];
  if (!arn) throw new Error(`${name} is not set; it must hold on-call's SNS topic ARN (the stack sets it)`);
  if (!TOPIC_ARN.test(arn)) throw new Error(`${name} is "${arn}", not an SNS topic ARN (arn:<partition>:sns:<region>:<12-digit account>:<name>)`);
  return arn;
}

/**
 * The topic of every owner the config can page (its classes' owners and each LPS vendor) and
 * on-call's, in on-call's region and account.
 */
export function topicArnsFor(config: Pick<Config, 'environment' | 'owners' | 'lps'>, onCall: string): TopicArns {
  const prefix = TOPIC_ARN.exec(onCall)?.[1];
  if (!prefix) throw new Error(`${HANDLER_ENV.onCallTopicArn} is "${onCall}", not an SNS topic ARN`);
  const byOwner = new Map(allOwners(config).map((owner) => [owner, `${prefix}${topicName(config.environment, owner)}`] as const));
  return { byOwner, onCall };
}
