/**
 * Failure artifacts (screenshot, trace) copied to S3, where on-call finds them: the key is
 * `<environment>/<path relative to the artifacts directory>`, the pattern the alarm
 * descriptions name. Used by the Lambda handlers, whose local disk (/tmp) does not outlive
 * the container; the notifier links a page to them with pre-signed GET URLs (the bucket stays
 * private: a link works for a limited time and for that one object only).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AwsCall } from '../core/aws-calls.ts';

/** The longest a page's download link lives: a day, enough for on-call's shift and the morning after. */
export const MAX_PRESIGN_SECONDS = 86_400;

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.zip': 'application/zip',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
};

/** The S3 key of an artifact: `<environment>/<relative path>` with `/` separators. */
export function artifactKey(environment: string, relativePath: string): string {
  const rel = relativePath.split(path.sep).join('/').replace(/^\/+/, '');
  if (rel.split('/').includes('..')) throw new Error(`artifact path "${relativePath}" leaves the artifacts directory`);
  return `${environment}/${rel}`;
}

export interface UploadedArtifact {
  /** The path relative to the artifacts directory, as the probe reported it. */
  path: string;
  key: string;
  /** `s3://<bucket>/<key>` */
  uri: string;
}

export interface ArtifactUploadResult {
  uploaded: UploadedArtifact[];
  /** Artifacts that could not be uploaded, each with one line saying why. */
  failed: { path: string; error: string }[];
}

export interface S3ArtifactStoreOptions {
  client: S3Client;
  bucket: string;
}

export class S3ArtifactStore {
  readonly #client: S3Client;
  readonly bucket: string;

  constructor(options: S3ArtifactStoreOptions) {
    this.#client = options.client;
    this.bucket = options.bucket;
  }

  /**
   * Uploads each artifact (paths relative to `artifactsDir`) under `<environment>/`. Never throws
   * for one artifact: a missing file or a refused upload is reported in `failed`.
   */
  async upload(environment: string, artifactsDir: string, relativePaths: readonly string[]): Promise<ArtifactUploadResult> {
    const result: ArtifactUploadResult = { uploaded: [], failed: [] };
    await Promise.all(
      relativePaths.map(async (rel) => {
        try {
          const key = artifactKey(environment, rel);
          // Whole files, not streams: a screenshot or trace is a few MB, and a streamed body would need chunked signing.
          const body = await readFile(path.join(artifactsDir, rel));
          await this.#client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              Body: body,
              ContentType: CONTENT_TYPES[path.extname(rel).toLowerCase()] ?? 'application/octet-stream',
            }),
          );
          result.uploaded.push({ path: rel, key, uri: `s3://${this.bucket}/${key}` });
        } catch (err) {
          const e = err as Error & { $metadata?: { httpStatusCode?: number } };
          const status = e.$metadata?.httpStatusCode;
          result.failed.push({ path: rel, error: `${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}` });
        }
      }),
    );
    // Keep the order the probe reported them in.
    const order = (p: string) => relativePaths.indexOf(p);
    result.uploaded.sort((a, b) => order(a.path) - order(b.path));
    return result;
  }

  /**
   * A pre-signed GET URL of one object of this bucket, valid for `expiresInSeconds` (at most
   * {@link MAX_PRESIGN_SECONDS}). Signed locally, no request is made; it works only as long
   * as the signing credentials do (a Lambda role's session lasts some hours).
   */
  async presignGet(key: string, expiresInSeconds: number = MAX_PRESIGN_SECONDS): Promise<string> {
    const expiresIn = Math.max(1, Math.min(MAX_PRESIGN_SECONDS, Math.floor(expiresInSeconds)));
    return getSignedUrl(this.#client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
  }
}

export interface CreateS3ArtifactStoreOptions {
  region: string;
  bucket: string;
  /** Only for tests against a loopback fake; implies path-style addressing (no bucket host name to resolve). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Reuse a client (the notifier reads and presigns with one). */
  client?: S3Client;
}

/** The S3 client of a store: the one given, or a new one for the region (path-style against a loopback endpoint). */
export function s3ClientFor(options: Omit<CreateS3ArtifactStoreOptions, 'bucket'>): S3Client {
  return (
    options.client ??
    new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    })
  );
}

export function createS3ArtifactStore(options: CreateS3ArtifactStoreOptions): S3ArtifactStore {
  return new S3ArtifactStore({ client: s3ClientFor(options), bucket: options.bucket });
}

/**
 * The calls on the failure artifacts under `<environment>/*` (names known only at run time):
 * `put` uploads them; `link` signs GET links to them, which act with the signer's s3:GetObject
 * when a person opens one.
 */
export function artifactCalls(environment: string, access: { put?: boolean; link?: boolean }): AwsCall[] {
  const key = `${environment}/*`;
  return [
    ...(access.put ? [{ action: 's3:PutObject', resource: { type: 'bucket-object', key }, why: `uploads a failed run's screenshot and trace under ${key}` } as const] : []),
    ...(access.link ? [{ action: 's3:GetObject', resource: { type: 'bucket-object', key }, why: `signs the links a page gives to the screenshot and trace under ${key} (a pre-signed GET acts with the signer's permission)` } as const] : []),
  ];
}
