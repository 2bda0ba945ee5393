/**
 * When the maintenance alarm was put into ALARM by hand: its state changes, read through
 * CloudWatch `DescribeAlarmHistory` (`HistoryItemType: StateUpdate`, every page).
 *
 * A StateUpdate item's `HistoryData` is a JSON string `{ version, oldState, newState }`, each
 * state `{ stateValue, stateReason, stateReasonData? }`. A change CloudWatch made by evaluating
 * the metric carries `stateReasonData` with the evaluation (`queryDate`, `startDate`,
 * `statistic`, `period`, `recentDatapoints`, `threshold`); a change made with SetAlarmState
 * (`aws cloudwatch set-alarm-state --state-value ALARM --state-reason "…"`) carries the reason
 * the operator typed and no evaluation (the AWS CLI's describe-alarm-history example shows both).
 * So a change into ALARM is taken as set by hand when its new state has no evaluation's
 * `queryDate`, or when its summary or reason names SetAlarmState. It lasts until the next change
 * out of ALARM (for a metric alarm usually the next evaluation, within a minute or so).
 */
import { DescribeAlarmHistoryCommand, type AlarmHistoryItem, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/** A period the alarm was in ALARM because someone set it so. */
export interface HandSetPeriod {
  start: Date;
  /** When the alarm next left ALARM; null when it had not by the end of the history read. */
  end: Date | null;
  /** The state reason given with set-alarm-state. */
  reason: string;
}

export interface AlarmHistoryOptions {
  client: CloudWatchClient;
  /** `flp-<environment>-maintenance-window`. */
  alarmName: string;
  from: Date;
  to: Date;
  /** How far before `from` to read, to find a period already open at `from`. Default one day. */
  lookbackMs?: number;
}

interface StateData {
  newState?: { stateValue?: string; stateReason?: string; stateReasonData?: unknown };
}

/** Reading the alarm history failed; the message names the alarm. */
export class AlarmHistoryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlarmHistoryError';
  }
}

/** The alarm's hand-set ALARM periods overlapping `[from, to)`, oldest first. Throws AlarmHistoryError naming the alarm when the history cannot be read. */
export async function handSetAlarmPeriods(options: AlarmHistoryOptions): Promise<HandSetPeriod[]> {
  const { client, alarmName, from, to } = options;
  const start = new Date(from.getTime() - (options.lookbackMs ?? 86_400_000));
  const items: AlarmHistoryItem[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new DescribeAlarmHistoryCommand({
          AlarmName: alarmName,
          HistoryItemType: 'StateUpdate',
          StartDate: start,
          EndDate: to,
          ScanBy: 'TimestampAscending',
          MaxRecords: 100,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      items.push(...(page.AlarmHistoryItems ?? []));
      nextToken = page.NextToken || undefined;
    } while (nextToken);
  } catch (err) {
    throw new AlarmHistoryError(`DescribeAlarmHistory of ${alarmName} failed: ${(err as Error).message}`, { cause: err });
  }
  return handSetPeriods(items).filter((p) => p.start < to && (p.end === null || p.end > from));
}

/** StateUpdate items, in any order → the hand-set ALARM periods they tell of, oldest first. Items that cannot be read are passed over. */
export function handSetPeriods(items: readonly AlarmHistoryItem[]): HandSetPeriod[] {
  const changes = items
    .filter((i) => (i.HistoryItemType ?? 'StateUpdate') === 'StateUpdate' && i.Timestamp)
    .map((i) => ({ at: new Date(i.Timestamp!), item: i, data: parseData(i.HistoryData) }))
    .filter((c): c is { at: Date; item: AlarmHistoryItem; data: StateData } => c.data !== null && typeof c.data.newState?.stateValue === 'string')
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const out: HandSetPeriod[] = [];
  let open: HandSetPeriod | null = null;
  for (const c of changes) {
    const state = c.data.newState!;
    if (state.stateValue === 'ALARM') {
      if (!open && setByHand(c.item, c.data)) {
        open = { start: c.at, end: null, reason: state.stateReason?.trim() || 'set by hand' };
        out.push(open);
      }
      continue;
    }
    if (open) {
      open.end = c.at;
      open = null;
    }
  }
  return out;
}

/** Whether a change into ALARM was made with SetAlarmState rather than by evaluating the metric. */
function setByHand(item: AlarmHistoryItem, data: StateData): boolean {
  const said = `${item.HistorySummary ?? ''} ${data.newState?.stateReason ?? ''}`;
  if (/SetAlarmState|set-alarm-state/i.test(said)) return true;
  const reasonData = typeof data.newState?.stateReasonData === 'string' ? parseData(data.newState.stateReasonData) : data.newState?.stateReasonData;
  return !(reasonData && typeof reasonData === 'object' && 'queryDate' in reasonData);
}

function parseData(text: string | undefined): StateData | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as StateData) : null;
  } catch {
    return null;
  }
}
