/**
 * The notifier's first two steps: reading the event (a Lambda alarm action's payload, which is
 * how the stack wires the notifier, or an EventBridge "CloudWatch Alarm State Change"), read
 * defensively since CloudWatch writes it, and deciding whether it asks for a page, exactly when
 * CloudWatch would run the composite's actions. Also the event's own vocabulary: the member
 * alarms that fired, and CloudWatch's times.
 */
import type { Notification } from '../alarms/notification.ts';
import { alarmNamePrefix } from '../core/contract.ts';

/** One state of a "CloudWatch Alarm State Change" event (`detail.state`, `detail.previousState`). */
export interface AlarmEventState {
  value?: string;
  reason?: string;
  reasonData?: string;
  /** `2026-12-01T03:05:00.000+0000` */
  timestamp?: string;
  /** Composite alarms with a suppressor: `Alarm`, `WaitPeriod` or `ExtensionPeriod` while the state's actions are held back. */
  actionsSuppressedBy?: string;
  actionsSuppressedReason?: string;
}

/** The EventBridge event CloudWatch sends when an alarm changes state (metric and composite alike). */
export interface AlarmStateChangeEvent {
  version?: string;
  id?: string;
  'detail-type'?: string;
  source?: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail?: {
    alarmName?: string;
    state?: AlarmEventState;
    previousState?: AlarmEventState;
    configuration?: Record<string, unknown>;
  };
}

/** What an event says, read defensively: EventBridge sends what CloudWatch wrote. */
export interface AlarmEvent {
  /** Stable across EventBridge's and Lambda's retries of one state change. */
  key: string;
  alarmName: string;
  state: AlarmEventState & { value: string };
  previous: AlarmEventState;
  time: string | undefined;
  region: string | undefined;
}

/**
 * The payload CloudWatch sends a Lambda alarm action (how the stack wires the notifier): the
 * composite's state at the moment CloudWatch runs its actions, so suppression has been applied.
 */
export interface AlarmActionEvent {
  source?: string;
  alarmArn?: string;
  accountId?: string;
  time?: string;
  region?: string;
  alarmData?: {
    alarmName?: string;
    state?: AlarmEventState;
    previousState?: AlarmEventState;
    configuration?: Record<string, unknown>;
  };
}

/** Reads a Lambda alarm action's payload, or an EventBridge "CloudWatch Alarm State Change" (the same fields under `detail`). */
export function readEvent(event: unknown): AlarmEvent | { ignored: string } {
  if (!event || typeof event !== 'object') return { ignored: 'not a CloudWatch alarm event' };
  const action = event as AlarmActionEvent;
  const bridge = event as AlarmStateChangeEvent;
  let data: AlarmActionEvent['alarmData'];
  if (action.alarmData && action.source === 'aws.cloudwatch') data = action.alarmData;
  else if (bridge['detail-type'] === 'CloudWatch Alarm State Change') data = bridge.detail;
  else return { ignored: `not an alarm state change (source ${JSON.stringify(action.source)}, detail-type ${JSON.stringify(bridge['detail-type'])})` };
  const alarmName = data?.alarmName;
  const state = data?.state;
  if (typeof alarmName !== 'string' || !state || typeof state.value !== 'string') return { ignored: 'an alarm state change without alarmName or state.value' };
  return {
    key: `${alarmName}|${state.value}|${state.timestamp ?? action.time ?? bridge.id ?? ''}`,
    alarmName,
    state: state as AlarmEventState & { value: string },
    previous: data?.previousState ?? {},
    time: action.time,
    region: action.region,
  };
}

/**
 * Whether a state change asks for a page, as CloudWatch would run the composite's actions: a
 * change to ALARM or OK that is not suppressed, or the end of a suppression that held such a
 * state back (ALARM → ALARM once the wait period passes without a root cause).
 */
export function pageDue(state: AlarmEventState, previous: AlarmEventState): { due: true; kind: Notification['kind'] } | { due: false; reason: string } {
  if (state.value !== 'ALARM' && state.value !== 'OK') return { due: false, reason: `state ${state.value ?? 'unknown'} pages nobody` };
  if (state.actionsSuppressedBy)
    return { due: false, reason: `actions suppressed by ${state.actionsSuppressedBy}${state.actionsSuppressedReason ? ` (${state.actionsSuppressedReason})` : ''}` };
  if (state.value === previous.value && !previous.actionsSuppressedBy) return { due: false, reason: `no change: ${state.value} and ${previous.value} before` };
  return { due: true, kind: state.value === 'ALARM' ? 'trigger' : 'resolve' };
}

/** The member alarms that put a composite into ALARM, by policy id, from the state's `reasonData.triggeringAlarms`; none when it does not say. */
export function firingMembers(state: AlarmEventState, environment: string): string[] {
  try {
    const data = JSON.parse(state.reasonData ?? '{}') as { triggeringAlarms?: { arn?: unknown }[] };
    const prefix = alarmNamePrefix(environment);
    return (data.triggeringAlarms ?? [])
      .map((t) => (typeof t.arn === 'string' ? t.arn.split(':alarm:')[1] : undefined))
      .filter((name): name is string => !!name && name.startsWith(prefix))
      .map((name) => name.slice(prefix.length));
  } catch {
    return [];
  }
}

/** CloudWatch's `2026-12-01T03:05:00.000+0000` (or any ISO time) as a Date; null when it is none. */
export function parseAlarmTime(text: string | undefined): Date | null {
  if (!text) return null;
  const t = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : new Date(t);
}
