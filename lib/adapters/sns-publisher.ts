/**
 * Publishes a page to an SNS topic: the plain-text message (what an e-mail subscription shows)
 * and a subject SNS accepts. SNS takes a subject only in ASCII, without line breaks or control
 * characters, shorter than 100 characters; the owners' names and FLP's words are Danish, so the
 * subject is transliterated (æ → ae, ø → oe, å → aa, `·` → `-`) rather than refused. Throttling
 * and 5xx answers are retried by the SDK's standard retry strategy; what still fails is thrown.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AwsCall } from '../core/aws-calls.ts';

/** SNS's rule: fewer than 100 characters. */
export const SNS_SUBJECT_MAX = 99;
/** SNS's limit for a message is 256 KiB; a page is a few KB, this keeps room for the envelope. */
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024 - 2048;

const TRANSLITERATION: Record<string, string> = {
  æ: 'ae',
  Æ: 'Ae',
  ø: 'oe',
  Ø: 'Oe',
  å: 'aa',
  Å: 'Aa',
  ß: 'ss',
  '·': '-',
  '•': '-',
  '–': '-',
  '—': '-',
  '−': '-',
  '…': '...',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '«': '"',
  '»': '"',
  '×': 'x',
  '→': '->',
  '←': '<-',
  '≥': '>=',
  '≤': '<=',
  '\u00a0': ' ',
};

/**
 * `subject` as SNS accepts it: printable ASCII only (Danish letters and typographic marks
 * transliterated, other accents dropped, anything else `?`), one line, at most
 * {@link SNS_SUBJECT_MAX} characters (a longer one ends in `...`), never empty.
 */
export function snsSafeSubject(subject: string): string {
  const ascii = [...subject]
    .map((ch) => TRANSLITERATION[ch] ?? ch)
    .join('')
    // é → e, ü → u: the base letter of a decomposed character, its accent dropped.
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\r\n\t\v\f\u0000-\u001f\u007f]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  const text = ascii || '(no subject)';
  return text.length <= SNS_SUBJECT_MAX ? text : `${text.slice(0, SNS_SUBJECT_MAX - 3).trimEnd()}...`;
}

/** `message` within SNS's size limit (a cut message says so at its end). */
export function snsSafeMessage(message: string): string {
  const text = message || '(empty message)';
  if (Buffer.byteLength(text) <= SNS_MESSAGE_MAX_BYTES) return text;
  const note = '\n\n[cut: the message was longer than SNS allows]';
  let cut = Buffer.from(text).subarray(0, SNS_MESSAGE_MAX_BYTES - Buffer.byteLength(note)).toString('utf8');
  // A multi-byte character cut in half decodes to U+FFFD: drop it.
  cut = cut.replace(/\uFFFD+$/, '');
  return `${cut}${note}`;
}

export interface SnsPublisherOptions {
  client: SNSClient;
}

export class SnsPublisher {
  readonly #client: SNSClient;

  constructor(options: SnsPublisherOptions) {
    this.#client = options.client;
  }

  /** Publishes one message; returns SNS's MessageId. Throws when SNS refuses it after the SDK's retries. */
  async publish(topicArn: string, page: { subject: string; message: string }, options: { abortSignal?: AbortSignal } = {}): Promise<string> {
    const answer = await this.#client.send(
      new PublishCommand({ TopicArn: topicArn, Subject: snsSafeSubject(page.subject), Message: snsSafeMessage(page.message) }),
      options.abortSignal ? { abortSignal: options.abortSignal } : {},
    );
    return answer.MessageId ?? '';
  }
}

export interface CreateSnsPublisherOptions {
  region: string;
  /** Only for tests against a loopback fake. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per publish, the first included (SDK standard retries: throttling, 5xx, dropped connections). Default 4. */
  maxAttempts?: number;
}

export function createSnsPublisher(options: CreateSnsPublisherOptions): SnsPublisher {
  const client = new SNSClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 4,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return new SnsPublisher({ client });
}

/**
 * The calls of publishing to `owners`' topics: sns:Publish on each, and on the topics' KMS key
 * kms:GenerateDataKey and kms:Decrypt, which SNS uses with the publisher's permissions to
 * encrypt the message (SNS answers KMSAccessDenied without them).
 */
export function publishCalls(owners: readonly string[], what: string): AwsCall[] {
  return [
    ...owners.map((owner): AwsCall => ({ action: 'sns:Publish', resource: { type: 'topic', owner }, why: `publishes ${what} to ${owner}'s topic` })),
    ...(owners.length
      ? ([
          { action: 'kms:GenerateDataKey', resource: { type: 'topic-key' }, why: `encrypts ${what} for the topics (SNS uses the publisher's permission on the topics' key)` },
          { action: 'kms:Decrypt', resource: { type: 'topic-key' }, why: `encrypts ${what} for the topics (SNS uses the publisher's permission on the topics' key)` },
        ] as const)
      : []),
  ];
}
