/**
 * The notifier's fallback: when the full page could not be made (the results unreadable, the
 * message not built, SNS failing, the deadline near), the raw alarm CloudWatch sent (name,
 * state, reason, time, links) goes to the topics that did not get the page yet. A page is never
 * lost: the invocation then fails so Lambda counts an error, which pages on-call directly.
 */
import type { SnsPublisher } from '../adapters/sns-publisher.ts';
import type { CompositeSpec } from '../alarms/policy.ts';
import type { Config } from '../core/config.ts';
import { alarmConsoleUrl, dashboardConsoleUrl } from '../core/console-links.ts';
import type { Logger } from '../core/context.ts';
import { describeError } from '../core/format.ts';
import { maskCpr } from '../core/privacy.ts';
import type { AlarmEvent } from './notifier-event.ts';
import type { PageLinks } from './notifier-page.ts';

/** Per state change: the topics that got the full page, and those that got the raw alarm. */
export interface Reached {
  full: Set<string>;
  raw: Set<string>;
}

/**
 * The raw alarm, for when the full page could not be made: what CloudWatch said (name, state,
 * reason, time) and where to look. Published to `topics`; never throws (what fails is logged).
 */
export async function publishRaw(
  publisher: SnsPublisher,
  topics: readonly string[],
  alarm: AlarmEvent,
  known: { config: Config; composite: CompositeSpec } | null,
  why: string,
  links: PageLinks,
  left: () => number,
  seen: Reached,
  out: Logger,
  ids: Record<string, string>,
): Promise<void> {
  const targets = topics.filter((t) => !seen.raw.has(t));
  if (!targets.length) return;
  const c = known?.composite;
  const env = known?.config.environment;
  const subject = `${env ? `[FLP ${env}] ` : ''}${alarm.state.value}: ${alarm.alarmName} (raw alarm, the full page failed)`;
  const lines = [
    `${alarm.state.value}: ${alarm.alarmName}`,
    '',
    `State: ${alarm.state.value} since ${alarm.state.timestamp ?? alarm.time ?? 'unknown'}${alarm.previous.value ? ` (was ${alarm.previous.value})` : ''}`,
    `Reason: ${alarm.state.reason ?? '(none given)'}`,
    ...(c ? [`Class: ${c.class}. Owner: ${c.owner}. Severity: ${c.severity}.`, `Runbook: ${c.runbook}`] : []),
    '',
    `This is the raw alarm: the notifier could not build or send the full page (${why}).`,
    'The evidence is in the probe functions\' logs (CloudWatch Logs Insights) and on the dashboard.',
    '',
    'Links:',
    `  - Alarm: ${alarmConsoleUrl(links.region, alarm.alarmName)}`,
    ...(links.dashboardName ? [`  - Dashboard: ${dashboardConsoleUrl(links.region, links.dashboardName)}`] : []),
  ];
  const page = { subject: maskCpr(subject), message: maskCpr(lines.join('\n')) };
  const signal = AbortSignal.timeout(Math.max(1_000, left() - 500));
  const outcomes = await Promise.allSettled(
    targets.map(async (topicArn) => {
      await publisher.publish(topicArn, page, { abortSignal: signal });
      seen.raw.add(topicArn);
      return topicArn;
    }),
  );
  const failed = outcomes.map((o, i) => (o.status === 'rejected' ? `${targets[i]}: ${describeError(o.reason)}` : null)).filter((x): x is string => !!x);
  if (failed.length) out.error('raw alarm not published', { ...ids, alarmName: alarm.alarmName, failed });
  else out.warn('raw alarm published', { ...ids, alarmName: alarm.alarmName, topics: targets });
}
