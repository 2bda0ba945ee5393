/**
 * A deployment's release verdicts in S3 (`state/<env>/releases.json`), through the real SDK
 * against the loopback fake: the same JSON as the local releases.json, conditional writes that
 * keep a verdict written by someone else in between, the last 200 kept, an absent object read
 * as no verdicts, and a broken one an error naming the object.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3ReleaseStore } from '../../lib/adapters/release-store-s3.ts';
import { KEPT_RELEASES } from '../../lib/core/release-list.ts';
import type { ReleaseRecord, StoreRecord } from '../../lib/core/records.ts';
import { awsErrors, etagOf, FakeAws } from '../support/fake-aws.ts';

const BUCKET = 'flp-artifacts-test';
const KEY = `${BUCKET}/state/test/releases.json`;
let aws: FakeAws;

beforeAll(async () => {
  aws = await FakeAws.start();
});
afterAll(async () => {
  await aws?.close();
});
beforeEach(() => aws.reset());

const store = () => createS3ReleaseStore({ ...aws.clientConfig, bucket: BUCKET, environment: 'test' });
const release = (version: string, verdict: 'pass' | 'fail', at: string, windowId?: string): ReleaseRecord => ({
  type: 'release',
  timestamp: at,
  environment: 'test',
  version,
  verdict,
  summary: `${verdict} ${version}`,
  ...(windowId ? { windowId } : {}),
});
const stored = () => JSON.parse(aws.objects.get(KEY)!.body.toString('utf8')) as ReleaseRecord[];

describe('the S3 release store', () => {
  it('reads as no verdicts before any, keeps only release records, creating the object only if absent and replacing it only if unchanged', async () => {
    const s = store();
    expect(s.where).toBe(`s3://${KEY}`);
    expect(await s.list()).toEqual([]);
    expect(await s.lastVerified()).toBeUndefined();
    const metric = { type: 'metric', timestamp: '2026-05-01T10:00:00.000Z' } as unknown as StoreRecord;
    await s.write([metric]);
    expect(aws.calls('PutObject')).toHaveLength(0);

    const a = release('2026.4.1', 'pass', '2026-05-01T10:00:00.000Z', 'w1');
    await s.write([metric, a]);
    expect(stored()).toEqual([a]);
    expect(aws.calls('PutObject')[0]!.headers['if-none-match']).toBe('*');
    const etag = etagOf(aws.objects.get(KEY)!.body);
    const b = release('2026.4.2', 'fail', '2026-05-02T10:00:00.000Z', 'w2');
    await s.write([b]);
    expect(aws.calls('PutObject')[1]!.headers['if-match']).toBe(etag);
    expect(await s.list()).toEqual([a, b]);
    expect((await s.lastVerified())?.version).toBe('2026.4.1');
  });

  it('keeps a verdict written by someone else between the read and the write', async () => {
    const s = store();
    await s.write([release('1', 'pass', '2026-05-01T10:00:00.000Z')]);
    const theirs = release('2', 'pass', '2026-05-02T10:00:00.000Z');
    aws.respond('PutObject', awsErrors.s3(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'));
    // The refused write: meanwhile their verdict landed.
    aws.objects.set(KEY, { body: Buffer.from(JSON.stringify([...stored(), theirs])), contentType: 'application/json' });
    await s.write([release('3', 'fail', '2026-05-03T10:00:00.000Z')]);
    expect(stored().map((r) => r.version)).toEqual(['1', '2', '3']);
  });

  it(`keeps the last ${KEPT_RELEASES}, in time order`, async () => {
    const s = store();
    const many = Array.from({ length: KEPT_RELEASES + 5 }, (_, i) => release(`v${i}`, 'pass', new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()));
    await s.write(many.slice().reverse());
    expect(stored()).toHaveLength(KEPT_RELEASES);
    expect(stored()[0]!.version).toBe('v5');
    expect((await s.lastVerified())?.version).toBe(`v${KEPT_RELEASES + 4}`);
  });

  it('reads 403 (no s3:ListBucket) as no verdicts, and names the object when it is not a list of releases', async () => {
    aws.respond('GetObject', awsErrors.s3(403, 'AccessDenied', 'Access Denied'));
    expect(await store().list()).toEqual([]);
    aws.objects.set(KEY, { body: Buffer.from('{"not":"a list"}') });
    await expect(store().list()).rejects.toThrow(`s3://${KEY}: not a list of release verdicts`);
    aws.objects.set(KEY, { body: Buffer.from('[{') });
    await expect(store().write([release('1', 'pass', '2026-05-01T10:00:00.000Z')])).rejects.toThrow(/not valid JSON/);
  });
});
