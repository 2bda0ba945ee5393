/**
 * The latest results of each probe group in S3 (`latest/<environment>/<group>.json` in the
 * artifacts bucket): the probe functions write their group's document after every run, the
 * notifier reads all of them when a page goes out. A document that is not there reads as
 * null, and so does S3's 403 for it: without s3:ListBucket (which no function has) S3 answers
 * a missing key with AccessDenied rather than NoSuchKey. Anything else is thrown. Writes are
 * conditional on the ETag read or last written, so an older run never replaces a newer run's document.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ProbeGroup } from '../core/contract.ts';
import { LATEST_PREFIX, latestKey, parseLatestResults, type LatestResults } from '../core/latest-results.ts';
import { s3ClientFor, type CreateS3ArtifactStoreOptions } from './artifacts-s3.ts';
import type { AwsCall } from '../core/aws-calls.ts';
import { describeS3Error, MAX_CONFLICT_RETRIES, s3Status } from './s3-state.ts';

/** Why a read found nothing: the key is not there, or S3 would not say (403 without s3:ListBucket). */
export type LatestAbsence = 'NoSuchKey' | 'AccessDenied';

export interface LatestResultsStoreOptions {
  client: S3Client;
  bucket: string;
}

export class S3LatestResultsStore {
  readonly #client: S3Client;
  readonly bucket: string;

  constructor(options: LatestResultsStoreOptions) {
    this.#client = options.client;
    this.bucket = options.bucket;
  }

  /** `s3://<bucket>/latest/<environment>/<group>.json` */
  uri(environment: string, group: ProbeGroup): string {
    return `s3://${this.bucket}/${latestKey(environment, group)}`;
  }

  /**
   * The group's document, or `{ absent }` when there is none to read. Throws for any other
   * failure (a 5xx after the SDK's retries, a document that is not one).
   */
  async read(environment: string, group: ProbeGroup, options: { abortSignal?: AbortSignal } = {}): Promise<LatestResults | { absent: LatestAbsence }> {
    const read = await this.readTagged(environment, group, options);
    return read.latest ?? { absent: read.absent ?? 'NoSuchKey' };
  }

  /** The group's document (null when absent) with the ETag a conditional write needs (null when there was none). */
  async readTagged(environment: string, group: ProbeGroup, options: { abortSignal?: AbortSignal } = {}): Promise<LatestRead> {
    let text: string;
    let etag: string | null;
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: latestKey(environment, group) }),
        options.abortSignal ? { abortSignal: options.abortSignal } : {},
      );
      text = (await answer.Body?.transformToString('utf8')) ?? '';
      etag = answer.ETag ?? null;
    } catch (err) {
      const status = s3Status(err);
      const name = (err as Error).name;
      if (name === 'NoSuchKey' || status === 404) return { latest: null, etag: null, absent: 'NoSuchKey' };
      if (name === 'AccessDenied' || status === 403) return { latest: null, etag: null, absent: 'AccessDenied' };
      throw new Error(`${this.uri(environment, group)} not read: ${describeS3Error(err)}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`${this.uri(environment, group)} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    return { latest: parseLatestResults(parsed, group), etag };
  }

  /**
   * Writes the group's document, conditionally: `If-Match` the ETag of what the writer last read
   * or wrote (`etag`), or `If-None-Match: *` when it knew of none (`null`); without `etag` the
   * document is read first for it. When S3 refuses it (412: another run wrote since; 409: at the
   * same instant) the document is read again: one from a run that started later than this one
   * is kept and returned (`written: false`), an older one is replaced (on its ETag). So a slow
   * run that finishes after its successor never overwrites the successor's document. Throws when
   * S3 refuses it otherwise (after the SDK's retries).
   */
  async write(environment: string, latest: LatestResults, options: { etag?: string | null; abortSignal?: AbortSignal } = {}): Promise<LatestWrite> {
    const send = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const failed = (err: unknown) => new Error(`${this.uri(environment, latest.group)} not written: ${describeS3Error(err)}`, { cause: err });
    let etag: string | null;
    if (options.etag !== undefined) etag = options.etag;
    else {
      const first = await this.readTagged(environment, latest.group, options).catch((): LatestRead => ({ latest: null, etag: null }));
      if (first.latest && runStartOf(first.latest) > runStartOf(latest)) return { written: false, newer: first.latest, etag: first.etag };
      etag = first.etag;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.#client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: latestKey(environment, latest.group),
            Body: JSON.stringify(latest),
            ContentType: 'application/json',
            ...(etag ? { IfMatch: etag } : { IfNoneMatch: '*' }),
          }),
          send,
        );
        return { written: true, etag: answer.ETag ?? null };
      } catch (err) {
        const status = s3Status(err);
        // If-Match of a document gone meanwhile (404): create it afresh.
        if (status === 404 && etag && attempt < MAX_CONFLICT_RETRIES) {
          etag = null;
          continue;
        }
        if ((status !== 412 && status !== 409) || attempt >= MAX_CONFLICT_RETRIES) throw failed(err);
      }
      let stored: LatestRead;
      try {
        stored = await this.readTagged(environment, latest.group, options);
      } catch (err) {
        throw new Error(`${this.uri(environment, latest.group)} not written: another run wrote it, and it could not be read again: ${(err as Error).message}`, { cause: err });
      }
      if (stored.latest && runStartOf(stored.latest) > runStartOf(latest)) return { written: false, newer: stored.latest, etag: stored.etag };
      etag = stored.etag;
    }
  }
}

/** When a document's run started: its earliest result's start (the time it was written when it holds none). */
export function runStartOf(latest: Pick<LatestResults, 'at' | 'results'>): number {
  const starts = latest.results.map((r) => Date.parse(r.startedAt)).filter((t) => !Number.isNaN(t));
  return starts.length ? Math.min(...starts) : Date.parse(latest.at);
}

/** A read with its ETag: the document, or null and why there was none. */
export interface LatestRead {
  latest: LatestResults | null;
  etag: string | null;
  absent?: LatestAbsence;
}

/** What a write did: wrote this document (and its new ETag), or kept the newer one another run had written. */
export type LatestWrite = { written: true; etag: string | null } | { written: false; newer: LatestResults; etag: string | null };

/** Whether a read found a document. */
export function isLatestResults(value: LatestResults | { absent: LatestAbsence }): value is LatestResults {
  return !('absent' in value);
}

/** Where the store is: the artifacts bucket, reached as the artifact store reaches it. */
export type CreateLatestResultsStoreOptions = CreateS3ArtifactStoreOptions;

export function createLatestResultsStore(options: CreateLatestResultsStoreOptions): S3LatestResultsStore {
  return new S3LatestResultsStore({ client: s3ClientFor(options), bucket: options.bucket });
}

/** The calls of a latest-results store: reading (GetObject) and writing (PutObject) `latest/<environment>/<group>.json`, or every group's (`*`). */
export function latestResultsCalls(environment: string, group: ProbeGroup | '*', access: { read?: boolean; write?: boolean }): AwsCall[] {
  const key = group === '*' ? `${LATEST_PREFIX}${environment}/*` : latestKey(environment, group);
  const which = group === '*' ? "every probe group's latest results" : `the ${group} group's latest results`;
  return [
    ...(access.read ? [{ action: 's3:GetObject', resource: { type: 'bucket-object', key }, why: `reads ${which} (${key})` } as const] : []),
    ...(access.write ? [{ action: 's3:PutObject', resource: { type: 'bucket-object', key }, why: `writes ${which} (${key})` } as const] : []),
  ];
}
