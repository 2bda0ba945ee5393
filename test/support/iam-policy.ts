/**
 * Identity-based IAM policy evaluation, the part of it the tests' AWS stand-in needs to answer
 * as AWS does: a request is allowed when a statement allows it and none denies it; `Action` and
 * `Resource` match with IAM's wildcards (`*` any run, `?` one character; actions
 * case-insensitively); `NotAction`/`NotResource`; and the condition operators these policies
 * use (String*, Arn*, Bool, with IfExists). An operator it does not know fails loudly rather
 * than allowing. Small and specific on purpose: resource policies, SCPs and sessions are not
 * this project's, and the full simulators on npm are large (and AGPL).
 */
import type { CfnRenderer } from './cfn-render.ts';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface AuthzRequest {
  action: string;
  resource: string;
  /** Condition keys of the request (`cloudwatch:namespace`, `s3:prefix`, …). */
  context?: Record<string, string>;
}

export interface Decision {
  allowed: boolean;
  /** The statement that allowed or denied it. */
  statement?: Statement;
  /** `no identity-based policy allows …` or `an explicit deny in … denies …`, as AWS words it. */
  reason: string;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's wildcard match: `*` any run of characters, `?` one. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(value);
}

function conditionHolds(op: string, key: string, expected: string[], context: Record<string, string>): boolean {
  const ifExists = op.endsWith('IfExists');
  const base = ifExists ? op.slice(0, -'IfExists'.length) : op;
  const actual = context[key];
  if (actual === undefined) return ifExists || base === 'StringNotEquals' || base === 'StringNotLike' || base === 'ArnNotLike' || base === 'ArnNotEquals';
  switch (base) {
    case 'StringEquals':
    case 'ArnEquals':
      return expected.includes(actual);
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !expected.includes(actual);
    case 'StringEqualsIgnoreCase':
      return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return expected.some((e) => wildcardMatch(e, actual));
    case 'StringNotLike':
    case 'ArnNotLike':
      return !expected.some((e) => wildcardMatch(e, actual));
    case 'Bool':
      return expected.includes(actual);
    default:
      throw new Error(`the IAM stand-in does not evaluate the condition operator ${op}`);
  }
}

function applies(s: Statement, r: AuthzRequest): boolean {
  const actionOk = s.Action !== undefined ? list(s.Action).some((a) => wildcardMatch(a, r.action, true)) : !list(s.NotAction).some((a) => wildcardMatch(a, r.action, true));
  if (!actionOk) return false;
  const resourceOk = s.Resource !== undefined ? list(s.Resource).some((p) => wildcardMatch(p, r.resource)) : !list(s.NotResource).some((p) => wildcardMatch(p, r.resource));
  if (!resourceOk) return false;
  for (const [op, keys] of Object.entries(s.Condition ?? {}))
    for (const [key, value] of Object.entries(keys)) if (!conditionHolds(op, key, list(typeof value === 'boolean' ? String(value) : value), r.context ?? {})) return false;
  return true;
}

/** Whether `statements` allow `request`, as AWS decides for identity-based policies. */
export function decide(statements: readonly Statement[], request: AuthzRequest): Decision {
  const deny = statements.find((s) => s.Effect === 'Deny' && applies(s, request));
  if (deny) return { allowed: false, statement: deny, reason: `with an explicit deny in an identity-based policy` };
  const allow = statements.find((s) => s.Effect === 'Allow' && applies(s, request));
  if (allow) return { allowed: true, statement: allow, reason: 'allowed' };
  return { allowed: false, reason: `because no identity-based policy allows the ${request.action} action` };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

/**
 * The identity-based statements of a role in a synthesized template, rendered as deployed: its
 * inline policies, every `AWS::IAM::Policy` and customer managed policy attached to it. AWS
 * managed policies (the VPC access role) are left out: they grant nothing the stand-in serves.
 */
export function roleStatements(template: { Resources: Resources }, roleLogicalId: string, renderer: CfnRenderer): Statement[] {
  const attached = (roles: unknown) => Array.isArray(roles) && roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }));
  const role = template.Resources[roleLogicalId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role of the template`);
  const docs: unknown[] = [...(role.Properties?.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument)];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IAM::Policy' && attached(r.Properties?.Roles)) docs.push(r.Properties!.PolicyDocument);
    if (r.Type === 'AWS::IAM::ManagedPolicy' && (attached(r.Properties?.Roles) || (role.Properties?.ManagedPolicyArns ?? []).some((a: unknown) => JSON.stringify(a) === JSON.stringify({ Ref: id }))))
      docs.push(r.Properties!.PolicyDocument);
  }
  return docs.flatMap((d) => (renderer.render(d) as { Statement: Statement[] }).Statement);
}
