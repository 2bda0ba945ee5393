/**
 * A loopback stand-in for the AWS endpoints flp-monitor calls (CloudWatch PutMetricData, S3
 * PutObject and GetObject of what was put, Secrets Manager GetSecretValue, SNS Publish),
 * speaking what the real `@aws-sdk/*` clients send: AWS JSON 1.0 with `x-amz-target` for
 * CloudWatch and Secrets Manager, REST (path-style) for S3, the AWS Query protocol (a
 * form-encoded `Action=Publish&…`, answered in XML) for SNS.
 * It records every request and answers from a script, so tests assert on the decoded wire
 * requests and on how the code under test reacts to throttling, 5xx and validation errors.
 * S3 answers with real ETags (the MD5 of the body, as S3 gives a single-part upload) and honours
 * conditional writes: PutObject with `If-None-Match: *` or `If-Match: <etag>` is refused with 412
 * PreconditionFailed as S3 refuses it (If-Match of a missing key: 404 NoSuchKey).
 * Signatures are not checked; credentials are fake; nothing leaves 127.0.0.1.
 *
 * {@link FakeAws.as} serves the same fake on another port as one principal: every call there is
 * authorized against that principal's identity policy (a Lambda function's role, as the
 * synthesized template grants it), and refused as the service refuses it — S3 and CloudWatch
 * `AccessDenied`, Secrets Manager `AccessDeniedException`, SNS `AuthorizationError`, and
 * `KMSAccessDenied` for a publish to an encrypted topic without the key's permissions; a GET of
 * a missing object without s3:ListBucket is S3's 403, not 404.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decide, type AuthzRequest, type Statement } from './iam-policy.ts';

/** Static fake credentials and the region every test client uses. */
export const FAKE_AWS = {
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret-access-key' },
} as const;

export type FakeService = 'cloudwatch' | 's3' | 'secretsmanager' | 'sns' | 'unknown';

/** The account every fake ARN is in. */
export const FAKE_ACCOUNT = '123456789012';

/** Who calls, for {@link FakeAws.as}: a role's name and its identity-based statements, rendered as deployed. */
export interface FakePrincipal {
  /** The role's name, for the refusal's message (`assumed-role/<name>/…`). */
  name: string;
  statements: readonly Statement[];
  /** Topic ARN → the ARN of the KMS key it is encrypted with (a publish needs the key too). */
  topicKeys?: ReadonlyMap<string, string>;
}

/** A call the fake refused for want of a grant. */
export interface Denial {
  principal: string;
  operation: string;
  action: string;
  resource: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent (path-style S3: `/<bucket>/<key>`). */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The body as the service reads it: a gzip-encoded body (the SDK compresses PutMetricData above 10 KiB) is decoded. */
  body: Buffer;
  /** Bytes on the wire, before any decoding. */
  wireBytes: number;
  service: FakeService;
  /** `PutMetricData`, `GetSecretValue`, `PutObject`, … */
  operation: string;
  /** The JSON body, when the request sent one. */
  json?: unknown;
  /** The principal's name, when it came through {@link FakeAws.as}. */
  principal?: string;
  /** Set when the call was refused for want of a grant. */
  denied?: Denial;
  /** The form fields of an AWS Query request (SNS): `Action`, `TopicArn`, `Message`, … */
  form?: Record<string, string>;
}

/** An SNS Publish as the fake received it. */
export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: string | Buffer | object;
  /** Wait this long before answering. */
  delayMs?: number;
}

/** A PutMetricData request as the SDK encoded it, with timestamps back as Dates. */
export interface DecodedPutMetricData {
  Namespace: string;
  MetricData: DecodedDatum[];
}

export interface DecodedDatum {
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  Timestamp?: Date;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
}

const JSON_10 = 'application/x-amz-json-1.0';

/** Error answers as the real services give them. */
export const awsErrors = {
  /** CloudWatch's throttling: HTTP 400, query-compatible code `Throttling`. */
  throttling: (): ScriptedResponse => jsonError(400, 'com.amazon.coral.availability#ThrottlingException', 'Throttling;Sender', 'Rate exceeded'),
  /** A server-side failure (503 ServiceUnavailable, 500 InternalFailure). */
  unavailable: (status = 503): ScriptedResponse =>
    jsonError(status, 'com.amazonaws.cloudwatch#ServiceUnavailableException', 'ServiceUnavailable;Receiver', 'Service is unavailable'),
  /** A CloudWatch validation error, e.g. `InvalidParameterValue`, `InvalidParameterCombination`, `MissingParameter`. */
  validation: (code = 'InvalidParameterValue', message = 'The value NaN for parameter MetricData.member.1.Value is invalid.'): ScriptedResponse =>
    jsonError(400, `com.amazonaws.cloudwatch#${code}Exception`, `${code};Sender`, message),
  /** SNS's XML error (AWS Query protocol): `Throttled` (429), `InternalError` (500), `AuthorizationError` (403), … */
  sns: (status: number, code: string, message = code): ScriptedResponse => ({
    status,
    headers: { 'content-type': 'text/xml' },
    body:
      `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>fake-sns</RequestId></ErrorResponse>`,
  }),
  /** S3's XML error (`AccessDenied`, `NoSuchBucket`, …). */
  s3: (status: number, code: string, message = code): ScriptedResponse => ({
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAKE</RequestId></Error>`,
  }),
};

function jsonError(status: number, type: string, queryError: string, message: string): ScriptedResponse {
  return { status, headers: { 'content-type': JSON_10, 'x-amzn-query-error': queryError }, body: { __type: type, message } };
}

function identify(req: http.IncomingMessage, form: Record<string, string> | undefined): { service: FakeService; operation: string } {
  if (form?.Action) return { service: 'sns', operation: form.Action };
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix = '', operation = ''] = target.split('.');
    if (prefix.startsWith('GraniteServiceVersion')) return { service: 'cloudwatch', operation };
    if (prefix === 'secretsmanager') return { service: 'secretsmanager', operation };
    return { service: 'unknown', operation };
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const segments = path.split('/').filter(Boolean);
  if (req.method === 'PUT' && segments.length >= 2) return { service: 's3', operation: 'PutObject' };
  if (req.method === 'GET' && segments.length >= 2) return { service: 's3', operation: 'GetObject' };
  return { service: 'unknown', operation: `${req.method} ${path}` };
}

export class FakeAws {
  readonly requests: RecordedRequest[] = [];
  /** Objects stored by PutObject, by `<bucket>/<key>`. */
  readonly objects = new Map<string, { body: Buffer; contentType?: string }>();
  /** Secret strings answered by GetSecretValue, by SecretId (name or ARN). */
  readonly secrets = new Map<string, string>();
  /** Every call refused for want of a grant, in order. */
  readonly denials: Denial[] = [];
  readonly #server: http.Server;
  readonly #principals: http.Server[] = [];
  readonly #scripts = new Map<string, ScriptedResponse[]>();
  readonly #handlers = new Map<string, (request: RecordedRequest) => ScriptedResponse>();

  private constructor(server: http.Server) {
    this.#server = server;
  }

  /** Starts the fake on an ephemeral port of 127.0.0.1. */
  static async start(): Promise<FakeAws> {
    let fake: FakeAws | undefined;
    const server = http.createServer((req, res) => void fake!.#handle(req, res));
    fake = new FakeAws(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return fake;
  }

  /**
   * Serves this fake (same state, same scripts) on another port of 127.0.0.1 as `principal`:
   * the endpoint to give the clients of the code that runs with that role.
   */
  async as(principal: FakePrincipal): Promise<string> {
    const server = http.createServer((req, res) => void this.#handle(req, res, principal));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.#principals.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The `endpoint` to give every SDK client. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** What an SDK client needs to talk to the fake: region, endpoint, fake credentials. */
  get clientConfig(): { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
    return { region: FAKE_AWS.region, endpoint: this.endpoint, credentials: { ...FAKE_AWS.credentials } };
  }

  /** Holds a secret as Secrets Manager does: found by its name, its partial ARN (what the stack passes) and its full ARN. */
  putSecret(name: string, value: string): void {
    const partial = `arn:aws:secretsmanager:${FAKE_AWS.region}:${FAKE_ACCOUNT}:secret:${name}`;
    for (const id of [name, partial, `${partial}-AbCdEf`]) this.secrets.set(id, value);
  }

  /** Answers the next calls of `operation` with these responses, one each, in order; after them the default answer. */
  respond(operation: string, ...responses: ScriptedResponse[]): void {
    this.#scripts.set(operation, [...(this.#scripts.get(operation) ?? []), ...responses]);
  }

  /** Answers every call of `operation` that no script answers with what `handler` returns (e.g. GetMetricData from a data set). */
  handle(operation: string, handler: (request: RecordedRequest) => ScriptedResponse): void {
    this.#handlers.set(operation, handler);
  }

  /** Stops answering `operations` by handler (handlers outlive {@link reset}). */
  unhandle(...operations: string[]): void {
    for (const o of operations) this.#handlers.delete(o);
  }

  /** The recorded requests of one operation that reached the service: a call refused for want of a grant ({@link denials}) is not among them. */
  calls(operation: string): RecordedRequest[] {
    return this.requests.filter((r) => r.operation === operation && !r.denied);
  }

  /** Every SNS Publish request (answered or not), in order. */
  publishes(): PublishedMessage[] {
    return this.calls('Publish').map((r) => ({ topicArn: r.form?.TopicArn ?? '', ...(r.form?.Subject !== undefined ? { subject: r.form.Subject } : {}), message: r.form?.Message ?? '' }));
  }

  /** Every PutMetricData request, decoded. */
  putMetricData(): DecodedPutMetricData[] {
    return this.calls('PutMetricData').map((r) => decodePutMetricData(r.json));
  }

  /** Forgets requests, scripts and stored objects (secrets stay). */
  reset(): void {
    this.requests.length = 0;
    this.denials.length = 0;
    this.#scripts.clear();
    this.objects.clear();
  }

  async close(): Promise<void> {
    for (const server of [this.#server, ...this.#principals]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** A GetSecretValue's SecretId (a name, a partial or a full ARN) as the secret's full ARN, which a policy names. */
  #secretArn(id: string): string {
    if (!id.startsWith('arn:')) return `arn:aws:secretsmanager:${FAKE_AWS.region}:${FAKE_ACCOUNT}:secret:${id}-AbCdEf`;
    // A full ARN ends in `-` and six characters; a partial one (a name's ARN, as the stack passes it) does not.
    return /-[A-Za-z0-9]{6}$/.test(id) ? id : `${id}-AbCdEf`;
  }

  /** What the call needs granted, as AWS authorizes it. */
  #authz(r: RecordedRequest): AuthzRequest[] {
    const objectArn = () => `arn:aws:s3:::${decodeURIComponent(r.path.split('?')[0]!.slice(1))}`;
    switch (r.operation) {
      case 'PutMetricData':
        return [{ action: 'cloudwatch:PutMetricData', resource: '*', context: { 'cloudwatch:namespace': (r.json as { Namespace?: string } | undefined)?.Namespace ?? '' } }];
      case 'GetMetricData':
      case 'ListMetrics':
      case 'DescribeAlarmHistory':
      case 'DescribeAlarms':
        return [{ action: `cloudwatch:${r.operation}`, resource: '*' }];
      case 'PutObject':
        return [{ action: 's3:PutObject', resource: objectArn() }];
      case 'GetObject':
        return [{ action: 's3:GetObject', resource: objectArn() }];
      case 'GetSecretValue':
        return [{ action: 'secretsmanager:GetSecretValue', resource: this.#secretArn((r.json as { SecretId?: string } | undefined)?.SecretId ?? '') }];
      case 'Publish':
        return [{ action: 'sns:Publish', resource: r.form?.TopicArn ?? '' }];
      default:
        return [{ action: `unknown:${r.operation}`, resource: '*' }];
    }
  }

  /** The service's refusal of `r` by `principal`, or undefined when every grant it needs is there. */
  #refusal(r: RecordedRequest, principal: FakePrincipal): ScriptedResponse | undefined {
    const who = `arn:aws:sts::${FAKE_ACCOUNT}:assumed-role/${principal.name}/fake-session`;
    const deny = (action: string, resource: string, reason: string) => {
      const denial = { principal: principal.name, operation: r.operation, action, resource };
      r.denied = denial;
      this.denials.push(denial);
      return `User: ${who} is not authorized to perform: ${action} on resource: ${resource} ${reason}`;
    };
    for (const need of this.#authz(r)) {
      const d = decide(principal.statements, need);
      if (d.allowed) continue;
      const message = deny(need.action, need.resource, d.reason);
      switch (r.service) {
        case 's3':
          return awsErrors.s3(403, 'AccessDenied', message);
        case 'cloudwatch':
          return jsonError(403, 'com.amazon.coral.service#AccessDeniedException', 'AccessDenied;Sender', message);
        case 'secretsmanager':
          return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { __type: 'AccessDeniedException', Message: message } };
        case 'sns':
          return awsErrors.sns(403, 'AuthorizationError', message);
        default:
          return jsonError(403, 'AccessDeniedException', 'AccessDenied;Sender', message);
      }
    }
    if (r.operation === 'Publish') {
      // SNS encrypts with the publisher's permissions on the topic's key.
      const key = principal.topicKeys?.get(r.form?.TopicArn ?? '');
      for (const action of key ? ['kms:GenerateDataKey', 'kms:Decrypt'] : []) {
        const d = decide(principal.statements, { action, resource: key! });
        if (!d.allowed) return awsErrors.sns(400, 'KMSAccessDenied', `${deny(action, key!, d.reason)} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)`);
      }
    }
    return undefined;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse, principal?: FakePrincipal): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const wire = Buffer.concat(chunks);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
    const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(body.toString('utf8')))
      : undefined;
    const { service, operation } = identify(req, form);
    const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body, wireBytes: wire.length, service, operation, ...(form ? { form } : {}), ...(principal ? { principal: principal.name } : {}) };
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json')) {
      try {
        recorded.json = JSON.parse(body.toString('utf8'));
      } catch {
        // Recorded as bytes only; a test asserting on json sees it missing.
      }
    }
    this.requests.push(recorded);
    // A refused call never reaches the service: no script or handler answers it, nothing is stored.
    const refused = principal ? this.#refusal(recorded, principal) : undefined;
    const answer = refused ?? this.#scripts.get(operation)?.shift() ?? this.#handlers.get(operation)?.(recorded) ?? this.#default(recorded, principal);
    if (operation === 'PutObject' && answer.status < 300) {
      const contentType = req.headers['content-type'];
      this.objects.set(decodeURIComponent(recorded.path.split('?')[0]!.slice(1)), { body, ...(contentType ? { contentType } : {}) });
    }
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    const payload = answer.body === undefined ? '' : Buffer.isBuffer(answer.body) || typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'x-amzn-requestid': `fake-${this.requests.length}`, ...answer.headers });
    res.end(payload);
  }

  #default(r: RecordedRequest, principal?: FakePrincipal): ScriptedResponse {
    switch (r.operation) {
      case 'PutMetricData':
        return { status: 200, headers: { 'content-type': JSON_10 }, body: {} };
      case 'PutObject': {
        const stored = this.objects.get(decodeURIComponent(r.path.split('?')[0]!.slice(1)));
        const ifNoneMatch = r.headers['if-none-match'];
        const ifMatch = r.headers['if-match'];
        if (ifNoneMatch === '*' && stored) return awsErrors.s3(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        if (typeof ifMatch === 'string') {
          if (!stored) return awsErrors.s3(404, 'NoSuchKey', 'The specified key does not exist.');
          if (ifMatch !== etagOf(stored.body)) return awsErrors.s3(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        }
        return { status: 200, headers: { etag: etagOf(r.body) } };
      }
      case 'GetObject': {
        const stored = this.objects.get(decodeURIComponent(r.path.split('?')[0]!.slice(1)));
        if (!stored && principal) {
          // S3 tells a missing key (404) only to who may list the bucket; to anyone else it is 403.
          const [bucket = '', ...rest] = decodeURIComponent(r.path.split('?')[0]!.slice(1)).split('/');
          if (!decide(principal.statements, { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': rest.join('/') } }).allowed) return awsErrors.s3(403, 'AccessDenied', 'Access Denied');
        }
        if (!stored) return awsErrors.s3(404, 'NoSuchKey', 'The specified key does not exist.');
        return { status: 200, headers: { 'content-type': stored.contentType ?? 'application/octet-stream', etag: etagOf(stored.body) }, body: stored.body };
      }
      case 'Publish':
        return {
          status: 200,
          headers: { 'content-type': 'text/xml' },
          body:
            `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>fake-message-${this.requests.length}</MessageId></PublishResult>` +
            `<ResponseMetadata><RequestId>fake-${this.requests.length}</RequestId></ResponseMetadata></PublishResponse>`,
        };
      case 'GetSecretValue': {
        const id = (r.json as { SecretId?: string } | undefined)?.SecretId ?? '';
        const secret = this.secrets.get(id);
        if (secret === undefined)
          return jsonError(400, 'com.amazonaws.secretsmanager#ResourceNotFoundException', 'ResourceNotFoundException;Sender', `Secrets Manager can't find the specified secret.`);
        return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { ARN: id, Name: id, SecretString: secret, VersionId: 'v1' } };
      }
      default:
        return { status: 400, headers: { 'content-type': JSON_10 }, body: { __type: 'UnknownOperationException', message: `the fake does not know ${r.operation}` } };
    }
  }
}

/** S3's ETag of a single-part object: the quoted MD5 of its bytes. */
export function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** Decodes a PutMetricData JSON 1.0 body: timestamps travel as epoch seconds. */
export function decodePutMetricData(json: unknown): DecodedPutMetricData {
  const body = json as { Namespace: string; MetricData: (Omit<DecodedDatum, 'Timestamp'> & { Timestamp?: number })[] };
  return {
    Namespace: body.Namespace,
    MetricData: body.MetricData.map(({ Timestamp, ...d }) => ({ ...d, ...(Timestamp === undefined ? {} : { Timestamp: new Date(Timestamp * 1000) }) })),
  };
}

/** Every datapoint of decoded calls expanded back to single values (Values/Counts unrolled). */
export function datapoints(calls: readonly DecodedPutMetricData[]): { namespace: string; name: string; unit?: string; value: number; dimensions: Record<string, string>; timestamp?: Date }[] {
  return calls.flatMap((c) =>
    c.MetricData.flatMap((d) => {
      const dims = Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value]));
      const base = { namespace: c.Namespace, name: d.MetricName, ...(d.Unit ? { unit: d.Unit } : {}), dimensions: dims, ...(d.Timestamp ? { timestamp: d.Timestamp } : {}) };
      if (d.Values) return d.Values.flatMap((v, i) => Array.from({ length: d.Counts?.[i] ?? 1 }, () => ({ ...base, value: v })));
      return d.Value === undefined ? [] : [{ ...base, value: d.Value }];
    }),
  );
}
