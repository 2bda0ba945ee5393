/**
 * The S3 lease (lib/adapters/s3-lease.ts) through the real SDK against the loopback fake, whose
 * S3 honours `If-None-Match: *` and `If-Match` as S3 does: a free lease is taken, a held one
 * refused (naming its holder and expiry), an expired one taken over, a given-back one free again;
 * two takers at once, one winner; an old holder cannot give back the lease that was taken over.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3Lease, leaseCalls, leaseKey, type LeaseState } from '../../../../lib/adapters/s3-lease.ts';
import { awsErrors, etagOf, FakeAws } from '../../../support/fake-aws.ts';

const BUCKET = 'flp-artifacts-test';
const OBJECT = `${BUCKET}/state/test/lease/journey-run.json`;
const T0 = new Date('2026-12-07T10:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
let aws: FakeAws;

beforeAll(async () => {
  aws = await FakeAws.start();
});
afterAll(async () => {
  await aws?.close();
});
beforeEach(() => aws.reset());

const lease = () => createS3Lease({ ...aws.clientConfig, bucket: BUCKET, environment: 'test', name: 'journey-run' });
const stored = () => JSON.parse(aws.objects.get(OBJECT)!.body.toString('utf8')) as LeaseState;
const puts = () => aws.calls('PutObject').filter((c) => c.path.split('?')[0] === `/${OBJECT}`);

describe('the S3 lease', () => {
  it('is kept under state/<environment>/lease/ and declares the calls it sends', () => {
    expect(lease().where).toBe(`s3://${OBJECT}`);
    expect(leaseCalls(leaseKey('test', 'journey-run'), 'the journey run').map((c) => `${c.action} ${c.resource.type === 'bucket-object' ? c.resource.key : ''}`)).toEqual([
      's3:GetObject state/test/lease/journey-run.json',
      's3:PutObject state/test/lease/journey-run.json',
    ]);
  });

  it('takes a free lease, creating it only if still absent', async () => {
    const taken = await lease().take('flp-test-journey/req-a', 'journey run', later(900_000), { now: T0 });
    expect(taken).toMatchObject({ taken: true, lease: { state: { holder: 'flp-test-journey/req-a', purpose: 'journey run', until: later(900_000).toISOString() } } });
    expect(puts()[0]!.headers['if-none-match']).toBe('*');
    expect(stored()).toMatchObject({ holder: 'flp-test-journey/req-a', takenAt: T0.toISOString(), until: later(900_000).toISOString() });
    expect(taken.taken && taken.lease.etag).toBe(etagOf(aws.objects.get(OBJECT)!.body));
  });

  it('refuses a held lease, naming who holds it and until when, and writes nothing', async () => {
    await lease().take('flp-test-journey/req-a', 'journey run', later(900_000), { now: T0 });
    const second = await lease().take('flp-test-journey/req-b', 'journey run', later(960_000), { now: later(60_000) });
    expect(second).toEqual({ taken: false, heldBy: expect.objectContaining({ holder: 'flp-test-journey/req-a', until: later(900_000).toISOString() }) });
    expect(puts()).toHaveLength(1);
    expect(stored().holder).toBe('flp-test-journey/req-a');
  });

  it("takes over a lease whose holder's expiry has passed, on its ETag", async () => {
    await lease().take('flp-test-journey/req-crashed', 'journey run', later(900_000), { now: T0 });
    const etag = etagOf(aws.objects.get(OBJECT)!.body);
    const taken = await lease().take('flp-test-journey/req-b', 'journey run', later(1_800_000), { now: later(900_001) });
    expect(taken).toMatchObject({ taken: true, tookOver: { holder: 'flp-test-journey/req-crashed' } });
    expect(puts()[1]!.headers['if-match']).toBe(etag);
    expect(stored().holder).toBe('flp-test-journey/req-b');
  });

  it('is free again once its holder gives it back, and an old holder cannot give back the lease taken over from it', async () => {
    const a = await lease().take('req-a', 'journey run', later(900_000), { now: T0 });
    if (!a.taken) throw new Error('not taken');
    expect(await lease().release(a.lease, { now: later(30_000) })).toBe(true);
    expect(puts()[1]!.headers['if-match']).toBe(a.lease.etag);
    expect(stored()).toMatchObject({ holder: 'req-a', releasedAt: later(30_000).toISOString() });
    const b = await lease().take('req-b', 'journey run', later(960_000), { now: later(60_000) });
    expect(b).toMatchObject({ taken: true, tookOver: { holder: 'req-a', releasedAt: later(30_000).toISOString() } });

    // req-b's lease expires, req-c takes it over; req-b, late, gives back nothing that is not its own.
    if (!b.taken) throw new Error('not taken');
    const c = await lease().take('req-c', 'journey run', later(2_000_000), { now: later(960_001) });
    expect(c.taken).toBe(true);
    expect(await lease().release(b.lease, { now: later(970_000) })).toBe(false);
    expect(stored()).toMatchObject({ holder: 'req-c' });
    expect(stored().releasedAt).toBeUndefined();
  });

  it('lets one of two takers at the same instant win: the other reads it again and finds it held', async () => {
    const [x, y] = await Promise.all([
      lease().take('req-x', 'journey run', later(900_000), { now: T0 }),
      lease().take('req-y', 'journey run', later(900_000), { now: T0 }),
    ]);
    const results = [x, y];
    expect(results.filter((r) => r.taken)).toHaveLength(1);
    const winner = results.find((r) => r.taken)!;
    const loser = results.find((r) => !r.taken)!;
    expect(loser).toEqual({ taken: false, heldBy: expect.objectContaining({ holder: winner.taken ? winner.lease.state.holder : '' }) });
    expect(stored().holder).toBe(winner.taken ? winner.lease.state.holder : '');
  });

  it('takes over an object that is not a lease, and says so when S3 neither grants nor refuses it', async () => {
    aws.objects.set(OBJECT, { body: Buffer.from('not json'), contentType: 'application/json' });
    expect(await lease().take('req-a', 'journey run', later(900_000), { now: T0 })).toMatchObject({ taken: true });

    aws.reset();
    aws.respond('PutObject', awsErrors.s3(403, 'AccessDenied', 'Access Denied'));
    await expect(lease().take('req-a', 'journey run', later(900_000), { now: T0 })).rejects.toThrow(`s3://${OBJECT}: the lease could not be taken: AccessDenied (HTTP 403): Access Denied`);
    // The SDK tries a 5xx three times.
    aws.respond('GetObject', ...Array.from({ length: 3 }, () => awsErrors.s3(500, 'InternalError', 'We encountered an internal error')));
    await expect(lease().take('req-a', 'journey run', later(900_000), { now: T0 })).rejects.toThrow(`s3://${OBJECT}: the lease could not be read: InternalError (HTTP 500)`);
  });
});
