/**
 * One small JSON state object in the artifacts bucket (`state/<environment>/…`), read and changed
 * safely: a read gives the text and its ETag, or says the object is absent (404, or 403 when the
 * role has no s3:ListBucket, which nobody is granted); a change is read-modify-write with S3's
 * conditional writes — `If-Match` the ETag read, or `If-None-Match: *` when there was none — and
 * made again on what the other writer left when S3 refuses it (412, or 409 for two at the same
 * instant), so nothing is lost and nothing needs a lock. The run-time windows and the release
 * verdicts are kept this way.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AwsCall } from '../core/aws-calls.ts';

/** How often a change is made again after another change came first. */
export const MAX_CONFLICT_RETRIES = 5;

export interface StateRead {
  /** The object's text; null when there is none. */
  text: string | null;
  /** The ETag of what was read; null when there was no object. */
  etag: string | null;
  /** Why there was no object: the key is not there, or S3 would not say (403 without s3:ListBucket). */
  absent?: 'NoSuchKey' | 'AccessDenied';
}

interface S3Failure extends Error {
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of an S3 error, if it has one. */
export function s3Status(err: unknown): number | undefined {
  return (err as S3Failure).$metadata?.httpStatusCode;
}

/** An S3 error in words: `PreconditionFailed (HTTP 412): …`. */
export function describeS3Error(err: unknown): string {
  const status = s3Status(err);
  return `${(err as Error).name}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`;
}

/** A failed conditional write, after its retries: `status` tells a refused one (403) from a lost race (412/409). */
export class StateWriteError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly read: Omit<StateRead, 'text'>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StateWriteError';
  }
}

export class S3StateObject {
  readonly #client: S3Client;
  readonly bucket: string;
  readonly key: string;

  constructor(options: { client: S3Client; bucket: string; key: string }) {
    this.#client = options.client;
    this.bucket = options.bucket;
    this.key = options.key;
  }

  get where(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  /** The text and its ETag, or absent; throws S3's own error for anything else. */
  async get(options: { abortSignal?: AbortSignal } = {}): Promise<StateRead> {
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }), options.abortSignal ? { abortSignal: options.abortSignal } : {});
      return { text: (await answer.Body?.transformToString('utf8')) ?? '', etag: answer.ETag ?? null };
    } catch (err) {
      const status = s3Status(err);
      const name = (err as Error).name;
      if (name === 'NoSuchKey' || status === 404) return { text: null, etag: null, absent: 'NoSuchKey' };
      if (name === 'AccessDenied' || status === 403) return { text: null, etag: null, absent: 'AccessDenied' };
      throw err;
    }
  }

  /**
   * Reads with `read` (which parses, and may throw), writes what `apply` makes of it, conditionally,
   * again on a lost race; throws StateWriteError when S3 still refuses.
   */
  async change<T, R extends Omit<StateRead, 'text'>>(read: () => Promise<R>, apply: (current: R) => { body: string; result: T }, options: { abortSignal?: AbortSignal } = {}): Promise<T> {
    const send = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    for (let attempt = 0; ; attempt++) {
      const current = await read();
      const { body, result } = apply(current);
      try {
        await this.#client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentType: 'application/json', ...(current.etag ? { IfMatch: current.etag } : { IfNoneMatch: '*' }) }),
          send,
        );
        return result;
      } catch (err) {
        const status = s3Status(err);
        // Another change came first (412), or at the same instant (409 ConditionalRequestConflict): make this one again on its result.
        if ((status === 412 || status === 409) && attempt < MAX_CONFLICT_RETRIES) continue;
        throw new StateWriteError(describeS3Error(err), status, current, { cause: err });
      }
    }
  }
}

/** A list's read: the list with the ETag (or absence) a conditional write needs. */
export interface StateListRead<T> extends Omit<StateRead, 'text'> {
  list: T[];
}

/**
 * A list kept in one state object (the run-time windows, the release verdicts): where it is,
 * and its read, an absent object reading as the empty list. Each store says how its text parses
 * and how a refused read is reported.
 */
export abstract class S3StateList<T> {
  protected readonly state: S3StateObject;

  constructor(options: { client: S3Client; bucket: string; key: string }) {
    this.state = new S3StateObject(options);
  }

  get bucket(): string {
    return this.state.bucket;
  }

  get key(): string {
    return this.state.key;
  }

  get where(): string {
    return this.state.where;
  }

  /** Every entry, none when there is no object; throws naming the object otherwise. */
  async list(options: { abortSignal?: AbortSignal } = {}): Promise<T[]> {
    return (await this.read(options)).list;
  }

  /** The list with its ETag, for a conditional write. */
  async read(options: { abortSignal?: AbortSignal } = {}): Promise<StateListRead<T>> {
    let read: StateRead;
    try {
      read = await this.state.get(options);
    } catch (err) {
      throw this.readFailed(err);
    }
    const { text, ...meta } = read;
    return { ...meta, list: text === null ? [] : this.parse(text) };
  }

  /** What a read S3 refused throws. */
  protected abstract readFailed(err: unknown): Error;

  /** The list in the object's text; throws naming the object when it holds none. */
  protected abstract parse(text: string): T[];
}

/** The calls on a state object at `key`: reading it (GetObject) and, when `write`, changing it (PutObject, conditional). */
export function stateObjectCalls(key: string, what: string, access: { write?: boolean } = {}): AwsCall[] {
  return [
    { action: 's3:GetObject', resource: { type: 'bucket-object', key }, why: `reads ${what} (${key})` },
    ...(access.write ? [{ action: 's3:PutObject', resource: { type: 'bucket-object', key }, why: `changes ${what} (${key}) with conditional writes` } as const] : []),
  ];
}
