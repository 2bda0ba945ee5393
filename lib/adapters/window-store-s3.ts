/**
 * A deployment's run-time maintenance windows in S3: the state object
 * `state/<environment>/windows.json` in the artifacts bucket (SSE-S3 encrypted by the bucket's
 * default, never expired by its lifecycle). The probe functions read it on every invocation;
 * `flp-monitor window … --source aws` changes it.
 *
 * A change is read-modify-write with S3's conditional writes: the PUT carries `If-Match` with
 * the ETag that was read (or `If-None-Match: *` when there was no object), so when two operators
 * change the list at once S3 refuses the second PUT (412 Precondition Failed, or 409 for two at
 * the same instant) and that change is made again on the list the first one left. Nothing is
 * lost, and nothing needs a lock.
 *
 * Without s3:ListBucket (which neither the functions nor the operators' policy grant) S3 answers
 * a GET of a key that is not there with 403 AccessDenied rather than 404; both read as "no windows
 * yet", and `absent` says which it was. A role that may not read the object at all cannot write
 * it either, so a change still fails loudly.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseWindowList, windowsKey, type RuntimeWindow } from '../core/windows.ts';
import { s3ClientFor, type CreateS3ArtifactStoreOptions } from './artifacts-s3.ts';
import { WindowStoreError, type WindowChange, type WindowStore } from './window-store.ts';

/** How often a change is made again after another change came first. */
export const MAX_CONFLICT_RETRIES = 5;

export interface WindowsRead {
  list: RuntimeWindow[];
  /** The ETag of what was read; null when there was no object. */
  etag: string | null;
  /** Why there was no object: the key is not there, or S3 would not say (403 without s3:ListBucket). */
  absent?: 'NoSuchKey' | 'AccessDenied';
}

interface S3Failure extends Error {
  $metadata?: { httpStatusCode?: number };
  Code?: string;
}

const statusOf = (err: unknown) => (err as S3Failure).$metadata?.httpStatusCode;
const describe = (err: unknown) => {
  const e = err as S3Failure;
  const status = statusOf(err);
  return `${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}`;
};

export class S3WindowStore implements WindowStore {
  readonly #client: S3Client;
  readonly bucket: string;
  readonly key: string;

  constructor(options: { client: S3Client; bucket: string; environment: string }) {
    this.#client = options.client;
    this.bucket = options.bucket;
    this.key = windowsKey(options.environment);
  }

  get where(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  async list(options: { abortSignal?: AbortSignal } = {}): Promise<RuntimeWindow[]> {
    return (await this.read(options)).list;
  }

  /** The list with its ETag, for a conditional write; throws a WindowStoreError naming the object for anything but an absent one. */
  async read(options: { abortSignal?: AbortSignal } = {}): Promise<WindowsRead> {
    let text: string;
    let etag: string | null;
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }), options.abortSignal ? { abortSignal: options.abortSignal } : {});
      text = (await answer.Body?.transformToString('utf8')) ?? '';
      etag = answer.ETag ?? null;
    } catch (err) {
      const status = statusOf(err);
      const name = (err as Error).name;
      if (name === 'NoSuchKey' || status === 404) return { list: [], etag: null, absent: 'NoSuchKey' };
      if (name === 'AccessDenied' || status === 403) return { list: [], etag: null, absent: 'AccessDenied' };
      throw new WindowStoreError(`${this.where}: cannot read the maintenance windows: ${describe(err)}`, { cause: err });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new WindowStoreError(`${this.where}: not JSON (${(err as Error).message}); repair the object, flp-monitor will not overwrite it`, { cause: err });
    }
    try {
      return { list: parseWindowList(raw, this.where), etag };
    } catch (err) {
      throw new WindowStoreError(`${(err as Error).message}; repair the object, flp-monitor will not overwrite it`, { cause: err });
    }
  }

  async update(fn: WindowChange): Promise<RuntimeWindow> {
    for (let attempt = 0; ; attempt++) {
      const read = await this.read();
      const { list, window } = fn(read.list);
      try {
        await this.#client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key,
            Body: `${JSON.stringify(list, null, 2)}\n`,
            ContentType: 'application/json',
            ...(read.etag ? { IfMatch: read.etag } : { IfNoneMatch: '*' }),
          }),
        );
        return window;
      } catch (err) {
        const status = statusOf(err);
        // Another change came first (412), or at the same instant (409 ConditionalRequestConflict): make this one again on its result.
        if ((status === 412 || status === 409) && attempt < MAX_CONFLICT_RETRIES) continue;
        const hint =
          status === 403
            ? ' (attach the stack\'s WindowOperatorsPolicyArn policy, flp-<environment>-window-operators, to your role)'
            : status === 412 && read.absent === 'AccessDenied'
              ? ' (S3 said 403 to the read: your role may write but not read the object)'
              : status === 412 || status === 409
                ? ` (changed by someone else ${MAX_CONFLICT_RETRIES + 1} times in a row; try again)`
                : '';
        throw new WindowStoreError(`${this.where}: the maintenance windows were not written: ${describe(err)}${hint}`, { cause: err });
      }
    }
  }
}

export type CreateS3WindowStoreOptions = CreateS3ArtifactStoreOptions & { environment: string };

/** The store in the artifacts bucket, reached as the artifact store reaches it. */
export function createS3WindowStore(options: CreateS3WindowStoreOptions): S3WindowStore {
  return new S3WindowStore({ client: s3ClientFor(options), bucket: options.bucket, environment: options.environment });
}
