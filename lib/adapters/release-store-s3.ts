/**
 * A deployment's release verdicts in S3, the counterpart of the local ReleaseStore: the state
 * object `state/<environment>/releases.json` in the artifacts bucket, the same JSON as the
 * local `releases.json` (lib/core/release-list.ts), the last 200 verdicts, oldest first. The
 * journey function reads it on every invocation (is a release window due for verification?)
 * and writes the verdict of its own verification; the nodes function reads it to expect the
 * last verified version.
 *
 * A sink like the local store: it keeps the release records it is given. A write is
 * read-modify-write with S3's conditional writes (as lib/adapters/window-store-s3.ts): `If-Match`
 * the ETag read, or `If-None-Match: *` when there was no object; a 412/409 (someone else wrote
 * first) reads again and merges again, so no verdict is lost. Without s3:ListBucket a missing
 * object reads as 403; both 403 and 404 read as "no verdicts yet".
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ReleaseRecord, ResultSink, StoreRecord } from '../core/records.ts';
import { lastVerifiedOf, mergeReleases, parseReleaseList, releaseRecordsOf, releasesKey, serializeReleases } from '../core/release-list.ts';
import { s3ClientFor, type CreateS3ArtifactStoreOptions } from './artifacts-s3.ts';
import { describeS3Error, S3StateList, StateWriteError, type StateListRead } from './s3-state.ts';

export type ReleasesRead = StateListRead<ReleaseRecord>;

export class S3ReleaseStore extends S3StateList<ReleaseRecord> implements ResultSink {
  constructor(options: { client: S3Client; bucket: string; environment: string }) {
    super({ client: options.client, bucket: options.bucket, key: releasesKey(options.environment) });
  }

  /** The newest passing verdict, if any. */
  async lastVerified(options: { abortSignal?: AbortSignal } = {}): Promise<ReleaseRecord | undefined> {
    return lastVerifiedOf(await this.list(options));
  }

  protected readFailed(err: unknown): Error {
    return new Error(`${this.where}: cannot read the release verdicts: ${describeS3Error(err)}`, { cause: err });
  }

  protected parse(text: string): ReleaseRecord[] {
    return parseReleaseList(text, this.where);
  }

  /** Keeps the release records among `records` (the others are ignored). */
  async write(records: readonly StoreRecord[], options: { abortSignal?: AbortSignal } = {}): Promise<void> {
    const releases = releaseRecordsOf(records);
    if (!releases.length) return;
    try {
      await this.state.change(() => this.read(options), (current) => ({ body: serializeReleases(mergeReleases(current.list, releases)), result: undefined }), options);
    } catch (err) {
      if (!(err instanceof StateWriteError)) throw err;
      throw new Error(`${this.where}: the release verdict was not written: ${err.message}`, { cause: err });
    }
  }
}

export type CreateS3ReleaseStoreOptions = CreateS3ArtifactStoreOptions & { environment: string };

/** The store in the artifacts bucket, reached as the artifact store reaches it. */
export function createS3ReleaseStore(options: CreateS3ReleaseStoreOptions): S3ReleaseStore {
  return new S3ReleaseStore({ client: s3ClientFor(options), bucket: options.bucket, environment: options.environment });
}
