/**
 * The notifier's decisions that need no AWS: when a composite's state change asks for a page
 * (as CloudWatch would run its actions, suppression included), CloudWatch's time format, the
 * topics that follow from FLP_ON_CALL_TOPIC_ARN, and which channels carry a page.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lib/core/config.ts';
import { channelsFor, namedChannels } from '../../../../lib/alarms/channels.ts';
import { firingMembers, onCallTopicArn, pageDue, parseAlarmTime, topicArnsFor } from '../../../../lib/runtime/notifier-handler.ts';
import { rawConfig } from '../../../support/config.ts';

describe('pageDue', () => {
  it('pages on a change to ALARM or OK whose actions run, and on the end of a suppression', () => {
    expect(pageDue({ value: 'ALARM' }, { value: 'OK' })).toEqual({ due: true, kind: 'trigger' });
    expect(pageDue({ value: 'OK' }, { value: 'ALARM' })).toEqual({ due: true, kind: 'resolve' });
    expect(pageDue({ value: 'ALARM' }, { value: 'INSUFFICIENT_DATA' })).toEqual({ due: true, kind: 'trigger' });
    expect(pageDue({ value: 'ALARM' }, { value: 'ALARM', actionsSuppressedBy: 'WaitPeriod' })).toEqual({ due: true, kind: 'trigger' });
    expect(pageDue({ value: 'OK' }, { value: 'OK', actionsSuppressedBy: 'ExtensionPeriod' })).toEqual({ due: true, kind: 'resolve' });
  });

  it('pages nobody while actions are suppressed, without a change, or for INSUFFICIENT_DATA', () => {
    for (const by of ['Alarm', 'WaitPeriod', 'ExtensionPeriod']) expect(pageDue({ value: 'ALARM', actionsSuppressedBy: by }, { value: 'OK' })).toMatchObject({ due: false, reason: expect.stringContaining(by) });
    expect(pageDue({ value: 'ALARM' }, { value: 'ALARM' })).toMatchObject({ due: false });
    expect(pageDue({ value: 'INSUFFICIENT_DATA' }, { value: 'OK' })).toMatchObject({ due: false });
  });
});

describe('parseAlarmTime', () => {
  it('reads CloudWatch\'s +0000 offsets and plain ISO times', () => {
    expect(parseAlarmTime('2019-10-02T17:04:40.989+0000')?.toISOString()).toBe('2019-10-02T17:04:40.989Z');
    expect(parseAlarmTime('2026-12-01T04:05:00.000+0100')?.toISOString()).toBe('2026-12-01T03:05:00.000Z');
    expect(parseAlarmTime('2019-10-02T17:04:40Z')?.toISOString()).toBe('2019-10-02T17:04:40.000Z');
    expect(parseAlarmTime('soon')).toBeNull();
    expect(parseAlarmTime(undefined)).toBeNull();
  });
});

describe('the topics beside on-call\'s', () => {
  it('derives every owner\'s and vendor\'s topic from on-call\'s ARN, and names what is wrong with it', () => {
    const onCall = 'arn:aws:sns:eu-central-1:123456789012:flp-prod-on-call';
    const config = { environment: 'prod', owners: { infrastructure: 'PLSP', sync: 'PLSP', application: 'KiAP', release: 'KiAP', monitor: 'monitor-owner', lps: 'vendor' }, lps: { profiles: [{ system: 'medsign', vendor: 'MedSign ApS', style: 'signed' }] } } as never;
    const t = topicArnsFor(config, onCallTopicArn({ FLP_ON_CALL_TOPIC_ARN: onCall }));
    expect(t.onCall).toBe(onCall);
    expect(Object.fromEntries(t.byOwner)).toEqual({
      PLSP: 'arn:aws:sns:eu-central-1:123456789012:flp-prod-owner-PLSP',
      KiAP: 'arn:aws:sns:eu-central-1:123456789012:flp-prod-owner-KiAP',
      'monitor-owner': 'arn:aws:sns:eu-central-1:123456789012:flp-prod-owner-monitor-owner',
      'MedSign ApS': 'arn:aws:sns:eu-central-1:123456789012:flp-prod-owner-MedSign-ApS',
    });
    expect(() => onCallTopicArn({})).toThrow(/FLP_ON_CALL_TOPIC_ARN is not set/);
    expect(() => onCallTopicArn({ FLP_ON_CALL_TOPIC_ARN: 'arn:aws:sns:x' })).toThrow(/FLP_ON_CALL_TOPIC_ARN is "arn:aws:sns:x", not an SNS topic ARN/);
  });
});

describe('channelsCarrying', () => {
  it('picks the channels of the page\'s owner (or every owner) and severity, by their names', () => {
    const config = parseConfig(
      rawConfig({
        notify: {
          channels: [
            { type: 'pagerduty', owners: ['PLSP'], secretName: 'pd' },
            { type: 'slack', owners: ['*'], severities: ['page', 'warning'], secretName: 'sl' },
            { type: 'slack', owners: ['KiAP'], secretName: 'sl2' },
          ],
        },
      }),
    );
    expect(channelsFor(namedChannels(config), { owner: 'PLSP', severity: 'page' }).map((c) => c.name)).toEqual(['pagerduty', 'slack']);
    expect(channelsFor(namedChannels(config), { owner: 'KiAP', severity: 'warning' }).map((c) => c.name)).toEqual(['slack']);
    expect(channelsFor(namedChannels(config), { owner: 'KiAP', severity: 'page' }).map((c) => c.name)).toEqual(['slack', 'slack-2']);
  });

  it('carries an LPS vendor\'s page on the vendor\'s channels and those of the owners told too (KiAP), no one else\'s', () => {
    const config = parseConfig(
      rawConfig({
        lps: { profiles: [{ system: 'test-journal', vendor: 'KiAP', style: 'query' }, { system: 'medsign', vendor: 'MedSign ApS', style: 'query' }, { system: 'praksisnet', vendor: 'PraksisNet', style: 'query' }] },
        notify: {
          channels: [
            { type: 'pagerduty', name: 'pd-plsp', owners: ['PLSP'], secretName: 'pd' },
            { type: 'teams', name: 'teams-kiap', owners: ['KiAP'], secretName: 'tk' },
            { type: 'slack', name: 'slack-medsign', owners: ['MedSign ApS'], secretName: 'sm' },
            { type: 'webhook', name: 'hook-praksisnet', owners: ['PraksisNet'], secretName: 'hp' },
          ],
        },
      }),
    );
    const page = { owner: 'MedSign ApS', severity: 'page' as const, alsoNotify: ['KiAP'] };
    expect(channelsFor(namedChannels(config), page).map((c) => c.name)).toEqual(['teams-kiap', 'slack-medsign']);
    expect(channelsFor(namedChannels(config), { owner: 'MedSign ApS', severity: 'page' }).map((c) => c.name)).toEqual(['slack-medsign']);
  });
});

describe('firingMembers', () => {
  it('reads which member alarms put the composite into ALARM, so the page carries their runbooks', () => {
    const reasonData = JSON.stringify({ triggeringAlarms: [{ arn: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:flp-prod-sync-lag-lab', state: { value: 'ALARM' } }, { arn: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:other-stack-alarm' }] });
    expect(firingMembers({ value: 'ALARM', reasonData }, 'prod')).toEqual(['sync-lag-lab']);
    expect(firingMembers({ value: 'ALARM', reasonData: 'not json' }, 'prod')).toEqual([]);
    expect(firingMembers({ value: 'OK' }, 'prod')).toEqual([]);
  });
});
