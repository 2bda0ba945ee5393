/**
 * A deployment's run-time maintenance windows in S3 (`state/<env>/windows.json`), through the
 * real SDK against the loopback fake: conditional writes keep two operators' changes, an absent
 * object reads as no windows, and a broken or unreadable one is an error naming the object.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3WindowStore, MAX_CONFLICT_RETRIES } from '../../lib/adapters/window-store-s3.ts';
import { WindowStoreError } from '../../lib/adapters/window-store.ts';
import { addWindow, endWindow, type RuntimeWindow } from '../../lib/core/windows.ts';
import { awsErrors, etagOf, FakeAws } from '../support/fake-aws.ts';

const BUCKET = 'flp-artifacts-test';
const KEY = `${BUCKET}/state/test/windows.json`;
let aws: FakeAws;

beforeAll(async () => {
  aws = await FakeAws.start();
});
afterAll(async () => {
  await aws?.close();
});
beforeEach(() => aws.reset());

const store = () => createS3WindowStore({ ...aws.clientConfig, bucket: BUCKET, environment: 'test' });
const addOne = (reason: string) => (list: RuntimeWindow[]) => addWindow(list, { start: new Date(), end: new Date(Date.now() + 3_600_000), reason }, new Date());
const stored = () => JSON.parse(aws.objects.get(KEY)!.body.toString('utf8')) as RuntimeWindow[];

describe('the S3 window store', () => {
  it('reads as no windows before any was added, then writes the list, creating it only if still absent and replacing it only if unchanged', async () => {
    const s = store();
    expect(s.where).toBe(`s3://${KEY}`);
    expect(await s.read()).toEqual({ list: [], etag: null, absent: 'NoSuchKey' });
    const first = await s.update(addOne('upgrade'));
    expect(stored()).toEqual([first]);
    expect(aws.objects.get(KEY)!.contentType).toBe('application/json');
    const [create] = aws.calls('PutObject');
    expect(create!.path.split('?')[0]).toBe(`/${KEY}`);
    expect(create!.headers['if-none-match']).toBe('*');

    const etag = etagOf(aws.objects.get(KEY)!.body);
    const ended = await s.update((list) => endWindow(list, first.id, new Date()));
    expect(aws.calls('PutObject')[1]!.headers['if-match']).toBe(etag);
    expect(await s.list()).toEqual([ended]);
  });

  it('keeps both changes when another operator changed the list between the read and the write', async () => {
    const s = store();
    await s.update(addOne('first'));
    let calls = 0;
    const mine = await s.update((list) => {
      calls++;
      // Someone else's change lands after this read: the object (and so its ETag) is no longer what was read.
      if (calls === 1) aws.objects.set(KEY, { body: Buffer.from(JSON.stringify(addOne('theirs')(list).list)), contentType: 'application/json' });
      return addOne('mine')(list);
    });
    expect(calls).toBe(2);
    // The create, the refused write (412), and the write made again on their list.
    expect(aws.calls('PutObject')).toHaveLength(3);
    expect(stored().map((w) => w.reason)).toEqual(['first', 'theirs', 'mine']);
    expect(stored().at(-1)).toEqual(mine);
  });

  it('keeps every change made at the same time', async () => {
    const changes = await Promise.all(Array.from({ length: 4 }, (_, i) => store().update(addOne(`change ${i}`))));
    expect(stored().map((w) => w.id).sort()).toEqual(changes.map((w) => w.id).sort());
    // They did collide: S3 (the fake) refused the writes made on a stale read, and they were made again.
    expect(aws.calls('PutObject').length).toBeGreaterThan(4);
  });

  it('gives up, naming the object, when the list changes under it every time', async () => {
    const s = store();
    await s.update(addOne('first'));
    let n = 0;
    const err = await s
      .update((list) => {
        aws.objects.set(KEY, { body: Buffer.from(JSON.stringify(addOne(`theirs ${n++}`)(list).list)) });
        return addOne('mine')(list);
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WindowStoreError);
    expect((err as Error).message).toMatch(new RegExp(`^s3://${KEY}: the maintenance windows were not written: PreconditionFailed \\(HTTP 412\\).*changed by someone else ${MAX_CONFLICT_RETRIES + 1} times`));
    expect(stored().map((w) => w.reason)).not.toContain('mine');
  });

  it('reads S3\'s 403 for a missing key (no s3:ListBucket) as no windows, and says which', async () => {
    aws.respond('GetObject', awsErrors.s3(403, 'AccessDenied', 'Access Denied'));
    expect(await store().read()).toEqual({ list: [], etag: null, absent: 'AccessDenied' });
  });

  it('names the object when it cannot be read or is broken, and never overwrites a broken one', async () => {
    aws.respond('GetObject', ...Array.from({ length: 3 }, () => awsErrors.s3(500, 'InternalError', 'We encountered an internal error.')));
    await expect(store().list()).rejects.toThrow(`s3://${KEY}: cannot read the maintenance windows: InternalError (HTTP 500)`);

    aws.objects.set(KEY, { body: Buffer.from('[{"id": "w-') });
    await expect(store().list()).rejects.toThrow(new RegExp(`^s3://${KEY}: not JSON`));
    await expect(store().update(addOne('x'))).rejects.toBeInstanceOf(WindowStoreError);
    expect(aws.calls('PutObject')).toHaveLength(0);
    expect(aws.objects.get(KEY)!.body.toString()).toBe('[{"id": "w-');
  });

  it('says which policy to attach when S3 refuses the write', async () => {
    aws.respond('PutObject', awsErrors.s3(403, 'AccessDenied', 'Access Denied'));
    await expect(store().update(addOne('x'))).rejects.toThrow(/not written: AccessDenied \(HTTP 403\).*WindowOperatorsPolicyArn policy, flp-<environment>-window-operators/);
  });
});
