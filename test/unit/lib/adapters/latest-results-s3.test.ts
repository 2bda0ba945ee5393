/**
 * The latest-results document (lib/adapters/latest-results-s3.ts) is written conditionally on
 * the ETag its writer read or last wrote, through the real SDK against the loopback fake: a
 * slower, older run that finishes after its successor never overwrites the successor's
 * document; a document older than the writer's is replaced on its ETag.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLatestResultsStore } from '../../../../lib/adapters/latest-results-s3.ts';
import type { LatestResults } from '../../../../lib/core/latest-results.ts';
import type { ClassifiedResult } from '../../../../lib/core/result.ts';
import { etagOf, FakeAws } from '../../../support/fake-aws.ts';

const BUCKET = 'flp-artifacts-test';
const OBJECT = `${BUCKET}/latest/test/journey.json`;
let aws: FakeAws;

beforeAll(async () => {
  aws = await FakeAws.start();
});
afterAll(async () => {
  await aws?.close();
});
beforeEach(() => aws.reset());

const store = () => createLatestResultsStore({ ...aws.clientConfig, bucket: BUCKET });
/** A journey run that started at `startedAt` and was written at `at`. */
function doc(startedAt: string, at: string, ok = true): LatestResults {
  const result = {
    probe: 'journey', kind: 'journey', target: 'https://flp.test', ok, startedAt, durationMs: 1, attempts: 1, steps: [], evidence: [], error: null,
    observations: {}, artifacts: [], class: ok ? null : 'application', owner: ok ? null : 'KiAP', summary: '',
  } as ClassifiedResult;
  return { group: 'journey', at, results: [result], failing: ok ? {} : { journey: { firstFailingAt: startedAt, runs: 1 } } };
}
const stored = () => JSON.parse(aws.objects.get(OBJECT)!.body.toString('utf8')) as LatestResults;
const puts = () => aws.calls('PutObject');

describe('the latest results in S3', () => {
  it('creates the document only if still absent, then replaces it only on the ETag it last wrote', async () => {
    const s = store();
    expect(await s.readTagged('test', 'journey')).toEqual({ latest: null, etag: null, absent: 'NoSuchKey' });
    const first = await s.write('test', doc('2026-12-07T10:00:00Z', '2026-12-07T10:00:20Z'), { etag: null });
    expect(puts()[0]!.headers['if-none-match']).toBe('*');
    expect(first).toEqual({ written: true, etag: etagOf(aws.objects.get(OBJECT)!.body) });
    const second = await s.write('test', doc('2026-12-07T10:01:00Z', '2026-12-07T10:01:20Z'), { etag: first.etag });
    expect(puts()[1]!.headers['if-match']).toBe(first.etag);
    expect(second.written).toBe(true);
    expect(await s.readTagged('test', 'journey')).toEqual({ latest: stored(), etag: second.etag });
  });

  it('keeps the newer run\'s document when a slower older run finishes after it, and says so', async () => {
    const s = store();
    const before = await s.write('test', doc('2026-12-07T10:00:00Z', '2026-12-07T10:00:20Z'), { etag: null });
    // The 10:01 run is slow; the 10:02 run (another container) writes first.
    const newer = doc('2026-12-07T10:02:00Z', '2026-12-07T10:02:20Z', false);
    await s.write('test', newer, { etag: before.etag });
    const late = await s.write('test', doc('2026-12-07T10:01:00Z', '2026-12-07T10:02:40Z'), { etag: before.etag });
    expect(late).toEqual({ written: false, newer, etag: etagOf(aws.objects.get(OBJECT)!.body) });
    expect(stored()).toEqual(newer);
    // The refused write (412), then the read again; nothing written over it.
    expect(puts().map((p) => p.headers['if-match'])).toEqual([undefined, before.etag, before.etag]);
  });

  it('replaces an older run\'s document written since its own read, on that document\'s ETag', async () => {
    const s = store();
    const before = await s.write('test', doc('2026-12-07T10:00:00Z', '2026-12-07T10:00:20Z'), { etag: null });
    const older = doc('2026-12-07T09:59:00Z', '2026-12-07T10:00:30Z');
    aws.objects.set(OBJECT, { body: Buffer.from(JSON.stringify(older)), contentType: 'application/json' });
    const mine = doc('2026-12-07T10:01:00Z', '2026-12-07T10:01:20Z');
    const written = await s.write('test', mine, { etag: before.etag });
    expect(written.written).toBe(true);
    expect(stored()).toEqual(mine);
    expect(puts().at(-1)!.headers['if-match']).toBe(etagOf(Buffer.from(JSON.stringify(older))));
  });

  it('reads first for the ETag when the writer knows none', async () => {
    const s = store();
    const newer = doc('2026-12-07T10:02:00Z', '2026-12-07T10:02:20Z');
    await s.write('test', newer);
    expect(puts()[0]!.headers['if-none-match']).toBe('*');
    expect(await s.write('test', doc('2026-12-07T10:01:00Z', '2026-12-07T10:02:40Z'))).toMatchObject({ written: false, newer });
  });
});
