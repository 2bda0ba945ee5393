/**
 * A lease kept as one small S3 object (`state/<environment>/lease/<name>.json` in the artifacts
 * bucket): who holds it and until when. It is taken with S3's conditional writes, so two
 * containers that try at the same instant cannot both win: a free lease (no object) is created
 * with `If-None-Match: *`; a lease whose holder's expiry has passed (or that its holder gave
 * back) is taken over with `If-Match` the ETag read; S3 refuses the loser with 412 (409 for two
 * at the same instant), and the loser reads again and finds it held. The holder gives it back at
 * the end by overwriting it, again `If-Match` its own ETag, as released: no s3:DeleteObject is
 * needed, and a holder whose lease expired and was taken over meanwhile cannot free the new
 * holder's. A holder that crashes gives nothing back: its expiry, which the caller derives from
 * its own time left, frees the lease.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AwsCall } from '../core/aws-calls.ts';
import { STATE_PREFIX } from '../core/windows.ts';
import { s3ClientFor, type CreateS3ArtifactStoreOptions } from './artifacts-s3.ts';
import { describeS3Error, S3StateObject, s3Status } from './s3-state.ts';

/** How often a take is tried again after losing a race to a holder that then let go at once. */
export const MAX_LEASE_ATTEMPTS = 3;

/** The deployment's leases, by name: the journey function's run (one at a time) and its release verification (one per window). */
export const LEASE_NAMES = { journeyRun: 'journey-run', releaseVerification: 'release-verification' } as const;

/** The S3 key of a lease: `state/<environment>/lease/<name>.json`. */
export function leaseKey(environment: string, name: string): string {
  return `${STATE_PREFIX}${environment}/lease/${name}.json`;
}

/** The lease object's body. */
export interface LeaseState {
  /** Who holds (or held) it: the function and its request id. */
  holder: string;
  /** What it is held for, in words (`journey run`, `release 2026.4.2 (window w-…)`). */
  purpose: string;
  takenAt: string;
  /** When it frees itself if the holder never gives it back (ISO 8601). */
  until: string;
  /** Set when the holder gave it back. */
  releasedAt?: string;
}

/** A lease this caller holds: what it wrote, and the ETag its release must match. */
export interface HeldLease {
  state: LeaseState;
  etag: string | null;
}

export type LeaseTake =
  | { taken: true; lease: HeldLease; /** The expired holder it took over from, if any. */ tookOver?: LeaseState }
  | { taken: false; heldBy: LeaseState };

/** A lease that could not be read or written (anything but a lost race). */
export class LeaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LeaseError';
  }
}

/** The body as a lease, or null when it is not one (then it counts as free, and is taken over). */
export function parseLease(text: string): LeaseState | null {
  try {
    const v = JSON.parse(text) as Partial<LeaseState>;
    if (typeof v.holder !== 'string' || typeof v.until !== 'string' || Number.isNaN(Date.parse(v.until))) return null;
    return {
      holder: v.holder,
      purpose: typeof v.purpose === 'string' ? v.purpose : '',
      takenAt: typeof v.takenAt === 'string' ? v.takenAt : v.until,
      until: v.until,
      ...(typeof v.releasedAt === 'string' ? { releasedAt: v.releasedAt } : {}),
    };
  } catch {
    return null;
  }
}

/** Whether a lease is held at `now`: not given back, and its expiry still ahead. */
export function isHeld(lease: LeaseState | null, now: Date): lease is LeaseState {
  return !!lease && !lease.releasedAt && Date.parse(lease.until) > now.getTime();
}

export class S3Lease {
  readonly #client: S3Client;
  readonly bucket: string;
  readonly key: string;

  readonly #object: S3StateObject;

  constructor(options: { client: S3Client; bucket: string; key: string }) {
    this.#client = options.client;
    this.bucket = options.bucket;
    this.key = options.key;
    this.#object = new S3StateObject(options);
  }

  get where(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  /** The lease as stored, with its ETag; null when there is none (404, or 403 without s3:ListBucket), read as every state object is (lib/adapters/s3-state.ts). */
  async read(options: { abortSignal?: AbortSignal } = {}): Promise<{ lease: LeaseState | null; etag: string | null; exists: boolean }> {
    try {
      const { text, etag } = await this.#object.get(options);
      return text === null ? { lease: null, etag: null, exists: false } : { lease: parseLease(text), etag, exists: true };
    } catch (err) {
      throw new LeaseError(`${this.where}: the lease could not be read: ${describeS3Error(err)}`, { cause: err });
    }
  }

  /**
   * Takes the lease for `holder` until `until`, unless someone else holds it at `now`. Throws
   * LeaseError when S3 neither grants nor refuses it (a 5xx, AccessDenied on the write).
   */
  async take(holder: string, purpose: string, until: Date, options: { now?: Date; abortSignal?: AbortSignal } = {}): Promise<LeaseTake> {
    for (let attempt = 1; ; attempt++) {
      const now = options.now ?? new Date();
      const current = await this.read(options);
      if (isHeld(current.lease, now)) return { taken: false, heldBy: current.lease };
      const state: LeaseState = { holder, purpose, takenAt: now.toISOString(), until: until.toISOString() };
      // An object that is there but unreadable as a lease (or ours to take over) is replaced only as read; none is created only if still none.
      const condition = current.exists && current.etag ? { IfMatch: current.etag } : { IfNoneMatch: '*' };
      try {
        const answer = await this.#client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: JSON.stringify(state), ContentType: 'application/json', ...condition }),
          send(options),
        );
        return { taken: true, lease: { state, etag: answer.ETag ?? null }, ...(current.lease ? { tookOver: current.lease } : {}) };
      } catch (err) {
        const status = s3Status(err);
        // Someone else wrote it between the read and this write: read again, and most likely find it theirs.
        if ((status === 412 || status === 409) && attempt < MAX_LEASE_ATTEMPTS) continue;
        if (status === 412 || status === 409) {
          const after = await this.read(options);
          if (after.lease) return { taken: false, heldBy: after.lease };
        }
        throw new LeaseError(`${this.where}: the lease could not be taken: ${describeS3Error(err)}`, { cause: err });
      }
    }
  }

  /**
   * Gives a held lease back (overwritten as released, `If-Match` the holder's ETag). Returns false
   * when it was no longer this holder's (expired and taken over: left to the new holder); throws
   * LeaseError when S3 refuses otherwise, and the lease then frees itself at its expiry.
   */
  async release(lease: HeldLease, options: { now?: Date; abortSignal?: AbortSignal } = {}): Promise<boolean> {
    const state: LeaseState = { ...lease.state, releasedAt: (options.now ?? new Date()).toISOString() };
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: JSON.stringify(state),
          ContentType: 'application/json',
          ...(lease.etag ? { IfMatch: lease.etag } : { IfNoneMatch: '*' }),
        }),
        send(options),
      );
      return true;
    } catch (err) {
      const status = s3Status(err);
      if (status === 412 || status === 409 || status === 404) return false;
      throw new LeaseError(`${this.where}: the lease was not given back (it frees itself at ${lease.state.until}): ${describeS3Error(err)}`, { cause: err });
    }
  }
}

const send = (options: { abortSignal?: AbortSignal }) => (options.abortSignal ? { abortSignal: options.abortSignal } : {});

export type CreateS3LeaseOptions = CreateS3ArtifactStoreOptions & { environment: string; name: string };

/** The lease `name` of an environment in the artifacts bucket, reached as the artifact store reaches it. */
export function createS3Lease(options: CreateS3LeaseOptions): S3Lease {
  return new S3Lease({ client: s3ClientFor(options), bucket: options.bucket, key: leaseKey(options.environment, options.name) });
}

/** The calls of a lease at `key`: reading it (GetObject) and taking and giving it back (PutObject, conditional). */
export function leaseCalls(key: string, what: string): AwsCall[] {
  return [
    { action: 's3:GetObject', resource: { type: 'bucket-object', key }, why: `reads the lease of ${what} (${key})` },
    { action: 's3:PutObject', resource: { type: 'bucket-object', key }, why: `takes and gives back the lease of ${what} (${key}) with conditional writes` },
  ];
}
