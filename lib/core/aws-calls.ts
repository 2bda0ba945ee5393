/**
 * The AWS calls the runtime sends, as data: each adapter declares beside its code the action
 * and the resource of every call it makes (lib/adapters/*), each Lambda function lists the
 * adapters it runs (lib/runtime/function-calls.ts), and the stack grants each function exactly
 * those calls and nothing else (cdk/grants.ts). The tests' AWS stand-in answers AccessDenied to
 * any call the synthesized policy does not allow, as AWS does, so a call without its grant
 * fails a test, not a deployment. Imports nothing.
 */

/** Where a call acts, in the deployment's own terms; the stack renders each as an ARN. */
export type AwsResource =
  /** Objects of the artifacts bucket: one key, or every key under a prefix (`prefix/*`). */
  | { type: 'bucket-object'; key: string }
  /** CloudWatch metrics (no resource-level permissions: `*`), in one namespace when given (the `cloudwatch:namespace` condition). */
  | { type: 'metrics'; namespace?: string }
  /** The SNS topic of an owner, or on-call's (`on-call`). */
  | { type: 'topic'; owner: string }
  /** The KMS key the topics are encrypted with (a publisher needs it: SNS encrypts with the caller's permissions). */
  | { type: 'topic-key' }
  /** A Secrets Manager secret, by its name (its ARN ends in `-` and six random characters). */
  | { type: 'secret'; name: string };

/** One AWS call: its IAM action, what it acts on, and why the code sends it (a grant's reason). */
export interface AwsCall {
  /** The IAM action, exactly as the service names it (`s3:GetObject`), never a wildcard. */
  action: string;
  resource: AwsResource;
  /** What the call is for, in words: the reason the stack gives for the grant. */
  why: string;
}

/** A readable key of a call, for de-duplicating and naming: `s3:GetObject bucket-object latest/prod/*`. */
export function callKey(call: AwsCall): string {
  const r = call.resource;
  const what =
    r.type === 'bucket-object' ? r.key : r.type === 'metrics' ? (r.namespace ?? '*') : r.type === 'topic' ? r.owner : r.type === 'secret' ? r.name : '';
  return `${call.action} ${r.type} ${what}`.trim();
}

/** The calls, each once (the first `why` kept), in the order first declared. */
export function uniqueCalls(calls: readonly AwsCall[]): AwsCall[] {
  const seen = new Map<string, AwsCall>();
  for (const c of calls) if (!seen.has(callKey(c))) seen.set(callKey(c), c);
  return [...seen.values()];
}
