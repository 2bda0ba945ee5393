/**
 * The latest results of each probe group in S3 (`latest/<environment>/<group>.json` in the
 * artifacts bucket): the probe functions write their group's document after every run, the
 * notifier reads all of them when a page goes out. A document that is not there reads as
 * null, and so does S3's 403 for it: without s3:ListBucket (which no function has) S3 answers
 * a missing key with AccessDenied rather than NoSuchKey. Anything else is thrown.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ProbeGroup } from '../core/contract.ts';
import { LATEST_PREFIX, latestKey, parseLatestResults, type LatestResults } from '../core/latest-results.ts';
import { s3ClientFor, type CreateS3ArtifactStoreOptions } from './artifacts-s3.ts';
import type { AwsCall } from '../core/aws-calls.ts';

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
    let text: string;
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: latestKey(environment, group) }),
        options.abortSignal ? { abortSignal: options.abortSignal } : {},
      );
      text = (await answer.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      if (e.name === 'NoSuchKey' || status === 404) return { absent: 'NoSuchKey' };
      if (e.name === 'AccessDenied' || status === 403) return { absent: 'AccessDenied' };
      throw new Error(`${this.uri(environment, group)} not read: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`${this.uri(environment, group)} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    return parseLatestResults(parsed, group);
  }

  /** Overwrites the group's document. Throws when S3 refuses it (after the SDK's retries). */
  async write(environment: string, latest: LatestResults, options: { abortSignal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: latestKey(environment, latest.group),
          Body: JSON.stringify(latest),
          ContentType: 'application/json',
        }),
        options.abortSignal ? { abortSignal: options.abortSignal } : {},
      );
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      throw new Error(`${this.uri(environment, latest.group)} not written: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}`, { cause: err });
    }
  }
}

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
