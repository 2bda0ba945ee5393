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
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReleaseRecord, ResultSink, StoreRecord } from '../core/records.ts';
import { lastVerifiedOf, mergeReleases, parseReleaseList, releaseRecordsOf, releasesKey, serializeReleases } from '../core/release-list.ts';
import { s3ClientFor, type CreateS3ArtifactStoreOptions } from './artifacts-s3.ts';
import { MAX_CONFLICT_RETRIES } from './window-store-s3.ts';

interface S3Failure extends Error {
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (err: unknown) => (err as S3Failure).$metadata?.httpStatusCode;
const describe = (err: unknown) => {
  const status = statusOf(err);
  return `${(err as Error).name}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`;
};

export interface ReleasesRead {
  list: ReleaseRecord[];
  /** The ETag of what was read; null when there was no object. */
  etag: string | null;
}

export class S3ReleaseStore implements ResultSink {
  readonly #client: S3Client;
  readonly bucket: string;
  readonly key: string;

  constructor(options: { client: S3Client; bucket: string; environment: string }) {
    this.#client = options.client;
    this.bucket = options.bucket;
    this.key = releasesKey(options.environment);
  }

  get where(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  /** Every kept verdict, oldest first; none when there is no object. Throws naming the object otherwise. */
  async list(options: { abortSignal?: AbortSignal } = {}): Promise<ReleaseRecord[]> {
    return (await this.read(options)).list;
  }

  /** The newest passing verdict, if any. */
  async lastVerified(options: { abortSignal?: AbortSignal } = {}): Promise<ReleaseRecord | undefined> {
    return lastVerifiedOf(await this.list(options));
  }

  /** The list with its ETag, for a conditional write. */
  async read(options: { abortSignal?: AbortSignal } = {}): Promise<ReleasesRead> {
    let text: string;
    let etag: string | null;
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }), options.abortSignal ? { abortSignal: options.abortSignal } : {});
      text = (await answer.Body?.transformToString('utf8')) ?? '';
      etag = answer.ETag ?? null;
    } catch (err) {
      const status = statusOf(err);
      const name = (err as Error).name;
      if (name === 'NoSuchKey' || status === 404 || name === 'AccessDenied' || status === 403) return { list: [], etag: null };
      throw new Error(`${this.where}: cannot read the release verdicts: ${describe(err)}`, { cause: err });
    }
    return { list: parseReleaseList(text, this.where), etag };
  }

  /** Keeps the release records among `records` (the others are ignored). */
  async write(records: readonly StoreRecord[], options: { abortSignal?: AbortSignal } = {}): Promise<void> {
    const releases = releaseRecordsOf(records);
    if (!releases.length) return;
    const send = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    for (let attempt = 0; ; attempt++) {
      const read = await this.read(options);
      try {
        await this.#client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key,
            Body: serializeReleases(mergeReleases(read.list, releases)),
            ContentType: 'application/json',
            ...(read.etag ? { IfMatch: read.etag } : { IfNoneMatch: '*' }),
          }),
          send,
        );
        return;
      } catch (err) {
        const status = statusOf(err);
        if ((status === 412 || status === 409) && attempt < MAX_CONFLICT_RETRIES) continue;
        throw new Error(`${this.where}: the release verdict was not written: ${describe(err)}`, { cause: err });
      }
    }
  }
}

export type CreateS3ReleaseStoreOptions = CreateS3ArtifactStoreOptions & { environment: string };

/** The store in the artifacts bucket, reached as the artifact store reaches it. */
export function createS3ReleaseStore(options: CreateS3ReleaseStoreOptions): S3ReleaseStore {
  return new S3ReleaseStore({ client: s3ClientFor(options), bucket: options.bucket, environment: options.environment });
}
