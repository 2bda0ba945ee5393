/**
 * Renders a synthesized CloudFormation template's values as CloudFormation would at deploy time:
 * `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split` and the pseudo
 * parameters, with the physical names a deployment gives (an explicit name where the template
 * sets one; otherwise the name CloudFormation generates, `<stack>-<logical id>-<13 random>`,
 * cut to the service's limit, or one a test chooses). What it cannot render it names, rather
 * than guessing: a test then fails on the value, never on a silent placeholder.
 */
import { createHash } from 'node:crypto';

export interface RenderContext {
  /** `AWS::AccountId`: 12 digits. */
  account: string;
  /** `AWS::Region`. */
  region: string;
  /** `AWS::Partition`, default `aws`. */
  partition?: string;
  /** The stack's name (`AWS::StackName`, and the start of generated names). */
  stackName: string;
  /** Physical names a test chooses, by logical id (e.g. the artifacts bucket's name the test's stand-in serves). */
  names?: Record<string, string>;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

/** The generated-name part CloudFormation appends: 13 upper-case letters and digits (stable here, from the logical id). */
function suffix(logicalId: string): string {
  return createHash('sha256').update(logicalId).digest('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 13);
}

/** CloudFormation's generated name for a resource without one: `<stack>-<logical id>-<suffix>`, within the service's limit. */
function generatedName(stackName: string, logicalId: string, max: number, lower = false): string {
  const tail = `-${suffix(logicalId)}`;
  const name = `${stackName}-${logicalId}`.slice(0, max - tail.length) + tail;
  return lower ? name.toLowerCase() : name;
}

/** The longest name each type's service takes, and whether it is lower case (S3). */
const NAME_RULES: Record<string, { property?: string; max: number; lower?: boolean }> = {
  'AWS::S3::Bucket': { property: 'BucketName', max: 63, lower: true },
  'AWS::SNS::Topic': { property: 'TopicName', max: 256 },
  'AWS::SQS::Queue': { property: 'QueueName', max: 80 },
  'AWS::Lambda::Function': { property: 'FunctionName', max: 64 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', max: 512 },
  'AWS::IAM::Role': { property: 'RoleName', max: 64 },
  'AWS::CloudWatch::Dashboard': { property: 'DashboardName', max: 255 },
  'AWS::Events::Rule': { property: 'Name', max: 64 },
  'AWS::KMS::Key': { max: 36 },
  'AWS::IAM::ManagedPolicy': { property: 'ManagedPolicyName', max: 128 },
  'AWS::Lambda::LayerVersion': { property: 'LayerName', max: 140 },
};

export class CfnRenderer {
  readonly #resources: Resources;
  readonly #ctx: Required<Omit<RenderContext, 'names'>> & { names: Record<string, string> };

  constructor(template: { Resources: Resources }, ctx: RenderContext) {
    this.#resources = template.Resources;
    this.#ctx = { partition: 'aws', names: {}, ...ctx };
  }

  /** The physical name (what `Ref` gives for most types) of a resource. */
  physicalName(logicalId: string): string {
    const chosen = this.#ctx.names[logicalId];
    if (chosen) return chosen;
    const r = this.#resources[logicalId];
    if (!r) throw new Error(`the template has no resource ${logicalId}`);
    const rule = NAME_RULES[r.Type];
    const explicit = rule?.property ? r.Properties?.[rule.property] : undefined;
    if (explicit !== undefined) return this.render(explicit) as string;
    if (r.Type === 'AWS::KMS::Key') {
      const h = createHash('sha256').update(logicalId).digest('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    }
    return generatedName(this.#ctx.stackName, logicalId, rule?.max ?? 64, rule?.lower);
  }

  #arn(service: string, resource: string, { region = true, account = true } = {}): string {
    const { partition, region: rg, account: acct } = this.#ctx;
    return `arn:${partition}:${service}:${region ? rg : ''}:${account ? acct : ''}:${resource}`;
  }

  #ref(logicalId: string): string {
    const { account, region, partition, stackName } = this.#ctx;
    const pseudo: Record<string, string> = {
      'AWS::AccountId': account,
      'AWS::Region': region,
      'AWS::Partition': partition,
      'AWS::StackName': stackName,
      'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
      'AWS::NoValue': '',
    };
    if (logicalId in pseudo) return pseudo[logicalId]!;
    const r = this.#resources[logicalId];
    if (!r) throw new Error(`Ref to ${logicalId}, which the template does not have`);
    const name = this.physicalName(logicalId);
    switch (r.Type) {
      case 'AWS::SNS::Topic':
        return this.#arn('sns', name);
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      case 'AWS::IAM::ManagedPolicy':
        return this.#arn('iam', `policy/${name}`, { region: false });
      case 'AWS::Lambda::LayerVersion':
        return this.#arn('lambda', `layer:${name}:1`);
      default:
        return name;
    }
  }

  #getAtt(logicalId: string, attribute: string): string {
    const r = this.#resources[logicalId];
    if (!r) throw new Error(`Fn::GetAtt of ${logicalId}, which the template does not have`);
    const name = this.physicalName(logicalId);
    const key = `${r.Type}.${attribute}`;
    switch (key) {
      case 'AWS::S3::Bucket.Arn':
        return `arn:${this.#ctx.partition}:s3:::${name}`;
      case 'AWS::S3::Bucket.DomainName':
        return `${name}.s3.amazonaws.com`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name}.s3.${this.#ctx.region}.amazonaws.com`;
      case 'AWS::KMS::Key.Arn':
        return this.#arn('kms', `key/${name}`);
      case 'AWS::SQS::Queue.Arn':
        return this.#arn('sqs', name);
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SNS::Topic.TopicArn':
        return this.#arn('sns', name);
      case 'AWS::SNS::Topic.TopicName':
        return name;
      case 'AWS::Lambda::Function.Arn':
        return this.#arn('lambda', `function:${name}`);
      case 'AWS::Logs::LogGroup.Arn':
        return this.#arn('logs', `log-group:${name}:*`);
      case 'AWS::IAM::Role.Arn':
        return this.#arn('iam', `role/${name}`, { region: false });
      case 'AWS::CloudWatch::Alarm.Arn':
      case 'AWS::CloudWatch::CompositeAlarm.Arn':
        return this.#arn('cloudwatch', `alarm:${this.render(r.Properties?.AlarmName) as string}`);
      default:
        throw new Error(`cannot render Fn::GetAtt ${logicalId}.${attribute} (${r.Type})`);
    }
  }

  /** The value as CloudFormation renders it at deploy time. */
  render(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.render(v));
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      switch (fn) {
        case 'Ref':
          return this.#ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          return this.#getAtt(id!, attr!);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.render(parts) as unknown[]).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number | string, unknown];
          return (this.render(list) as unknown[])[Number(this.render(index))];
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(this.render(text)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [arg as string, {}];
          return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
            if (name in vars) return String(this.render(vars[name]));
            if (name.includes('.')) {
              const [id, attr] = name.split('.');
              return this.#getAtt(id!, attr!);
            }
            return this.#ref(name);
          });
        }
      }
      if (fn.startsWith('Fn::')) throw new Error(`cannot render ${fn}`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.render(v)]));
  }
}
