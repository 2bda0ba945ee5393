/**
 * One Secrets Manager secret's value, read at run time (the journey's credentials, a channel's
 * webhook or key): the template and the environment hold only its name or ARN. Errors name the
 * secret, never its value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describeError } from '../core/format.ts';
import type { AwsCall } from '../core/aws-calls.ts';

export class SecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretError';
  }
}

/** The secret's string (or its binary as UTF-8). Throws SecretError naming `what` and the secret. */
export async function readSecretString(options: { region: string | undefined; secretId: string; endpoint?: string | undefined; what?: string }): Promise<string> {
  const { secretId } = options;
  const what = options.what ?? 'the secret';
  const client = new SecretsManagerClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (answer.SecretString !== undefined) return answer.SecretString;
    if (answer.SecretBinary) return Buffer.from(answer.SecretBinary).toString('utf8');
    throw new SecretError(`${what} ${secretId} has no value`);
  } catch (err) {
    if (err instanceof SecretError) throw err;
    // The id is a name or ARN, not the secret; the value never reaches a message.
    throw new SecretError(`could not read ${what} ${secretId}: ${describeError(err)}`, { cause: err });
  } finally {
    client.destroy();
  }
}

/** The call of reading the secret `name` (GetSecretValue). */
export function secretCalls(name: string, what: string): AwsCall[] {
  return [{ action: 'secretsmanager:GetSecretValue', resource: { type: 'secret', name }, why: `reads ${what} (${name}) at cold start` }];
}
