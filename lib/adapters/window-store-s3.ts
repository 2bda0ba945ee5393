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
import type { S3Client } from '@aws-sdk/client-s3';
import { parseWindowList, windowsKey, type RuntimeWindow } from '../core/windows.ts';
import { s3ClientFor, type CreateS3ArtifactStoreOptions } from './artifacts-s3.ts';
import { describeS3Error, MAX_CONFLICT_RETRIES, S3StateList, StateWriteError, type StateListRead } from './s3-state.ts';
import { WindowStoreError, type WindowChange, type WindowStore } from './window-store.ts';

export { MAX_CONFLICT_RETRIES };

export type WindowsRead = StateListRead<RuntimeWindow>;

export class S3WindowStore extends S3StateList<RuntimeWindow> implements WindowStore {
  constructor(options: { client: S3Client; bucket: string; environment: string }) {
    super({ client: options.client, bucket: options.bucket, key: windowsKey(options.environment) });
  }

  /** Anything but an absent object is a WindowStoreError naming it. */
  protected readFailed(err: unknown): Error {
    return new WindowStoreError(`${this.where}: cannot read the maintenance windows: ${describeS3Error(err)}`, { cause: err });
  }

  protected parse(text: string): RuntimeWindow[] {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new WindowStoreError(`${this.where}: not JSON (${(err as Error).message}); repair the object, flp-monitor will not overwrite it`, { cause: err });
    }
    try {
      return parseWindowList(raw, this.where);
    } catch (err) {
      throw new WindowStoreError(`${(err as Error).message}; repair the object, flp-monitor will not overwrite it`, { cause: err });
    }
  }

  async update(fn: WindowChange): Promise<RuntimeWindow> {
    try {
      return await this.state.change(
        () => this.read(),
        (current) => {
          const { list, window } = fn(current.list);
          return { body: `${JSON.stringify(list, null, 2)}\n`, result: window };
        },
      );
    } catch (err) {
      if (!(err instanceof StateWriteError)) throw err;
      const hint =
        err.status === 403
          ? ' (attach the stack\'s WindowOperatorsPolicyArn policy, flp-<environment>-window-operators, to your role)'
          : err.status === 412 && err.read.absent === 'AccessDenied'
            ? ' (S3 said 403 to the read: your role may write but not read the object)'
            : err.status === 412 || err.status === 409
              ? ` (changed by someone else ${MAX_CONFLICT_RETRIES + 1} times in a row; try again)`
              : '';
      throw new WindowStoreError(`${this.where}: the maintenance windows were not written: ${err.message}${hint}`, { cause: err });
    }
  }
}

export type CreateS3WindowStoreOptions = CreateS3ArtifactStoreOptions & { environment: string };

/** The store in the artifacts bucket, reached as the artifact store reaches it. */
export function createS3WindowStore(options: CreateS3WindowStoreOptions): S3WindowStore {
  return new S3WindowStore({ client: s3ClientFor(options), bucket: options.bucket, environment: options.environment });
}
