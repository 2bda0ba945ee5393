/**
 * `FLP_TOPIC_ARNS`, the owners' and on-call's SNS topics as the stack hands them to a function
 * (`{ "<owner>": arn, …, "on-call": arn }`): the notifier publishes pages to them, the journey
 * function the verdict of a release it verified. Imports nothing heavy, so both can take it.
 */
import { HANDLER_ENV } from './handler-env.ts';

/** The name under which on-call's topic appears in `FLP_TOPIC_ARNS` (cdk/topics.ts ON_CALL). */
export const ON_CALL_KEY = 'on-call';

/** The topics of `FLP_TOPIC_ARNS`. */
export interface TopicArns {
  byOwner: ReadonlyMap<string, string>;
  onCall: string;
}

/** Parses `FLP_TOPIC_ARNS` (`{ "<owner>": arn, …, "on-call": arn }`); throws naming what is wrong. */
export function parseTopicArns(text: string | undefined): TopicArns {
  const name = HANDLER_ENV.topicArns;
  if (!text) throw new Error(`${name} is not set; it must hold { "<owner>": "<topic ARN>", "${ON_CALL_KEY}": "<topic ARN>" }`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${name} is not valid JSON: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${name} must be a JSON object of owner → topic ARN`);
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [k, v] of entries) if (typeof v !== 'string' || !v.startsWith('arn:')) throw new Error(`${name}: "${k}" is not a topic ARN`);
  const onCall = (raw as Record<string, string>)[ON_CALL_KEY];
  if (!onCall) throw new Error(`${name} names no "${ON_CALL_KEY}" topic`);
  return { byOwner: new Map(entries.filter(([k]) => k !== ON_CALL_KEY) as [string, string][]), onCall };
}

