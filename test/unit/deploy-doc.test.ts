/**
 * docs/deploy.md "Network: functions in a VPC" stays true: its table of VPC endpoints names,
 * for each probe function, exactly the AWS services whose calls lib/runtime/function-calls.ts
 * lists for it. A function that starts calling another service fails here until the table
 * says which endpoint it needs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../lib/core/config.ts';
import { functionCalls } from '../../lib/runtime/function-calls.ts';
import { rawConfig } from '../support/config.ts';

const root = path.resolve(import.meta.dirname, '../..');
const doc = readFileSync(path.join(root, 'docs', 'deploy.md'), 'utf8');
const FUNCTIONS = ['journey', 'sync', 'nodes'] as const;

/** The VPC endpoint an IAM action's calls go to; `null`: the service behind the call sends it (SNS encrypts with the topic's key). */
const ENDPOINT_OF: Record<string, string | null> = { s3: 's3', cloudwatch: 'monitoring', secretsmanager: 'secretsmanager', sns: 'sns', kms: null };

function endpointsOf(config: Config, fn: (typeof FUNCTIONS)[number]): string[] {
  const services = functionCalls(config, fn).map((c) => {
    const service = c.action.split(':', 1)[0]!;
    if (!(service in ENDPOINT_OF)) throw new Error(`${fn} calls ${c.action}: say in docs/deploy.md which VPC endpoint it needs, and map ${service} here`);
    return ENDPOINT_OF[service];
  });
  return [...new Set(services.filter((s): s is string => s !== null))].sort();
}

/** The table's rows: endpoint service → the journey, sync and nodes cells. */
function table(): Map<string, string[]> {
  const section = doc.split('\n## Network: functions in a VPC\n')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `com\.amazonaws\.<region>\.([a-z0-9-]+)` \|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|/.exec(line);
    if (m) rows.set(m[1]!, [m[3]!, m[4]!, m[5]!].map((c) => c.trim()));
  }
  return rows;
}

// Every secret a deploy can name: the journey secret, a signed vendor's key, a channel's URL.
const everything = parseConfig(
  rawConfig({
    journey: { clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
    lps: {
      profiles: [
        { system: 'test-journal', vendor: 'Test', style: 'query' },
        { system: 'medsign', vendor: 'MedSign', style: 'signed', keySecretName: 'flp/lps/medsign' },
      ],
    },
    aws: { journeySecretName: 'flp/journey' },
    notify: { channels: [{ type: 'slack', owners: ['*'], secretName: 'flp/slack' }] },
  }),
);
const nothing = parseConfig(rawConfig());

describe('docs/deploy.md', () => {
  it('holds how to deploy (the README\'s former section) before what a deploy depends on', () => {
    const headings = doc.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual(['## Deploy', '## Secrets: create them before `cdk deploy`', '## The Lambda Chromium and Playwright', '## Network: functions in a VPC']);
  });
});

describe('docs/deploy.md, the VPC endpoints', () => {
  it('has the section and a row for each endpoint', () => {
    expect([...table().keys()].sort()).toEqual(['monitoring', 's3', 'secretsmanager', 'sns']);
  });

  it.each(FUNCTIONS)('names for the %s function every endpoint its calls need, and only those', (fn) => {
    const column = FUNCTIONS.indexOf(fn);
    const rows = [...table()].map(([endpoint, cells]) => [endpoint, cells[column]!] as const);
    const always = rows.filter(([, cell]) => cell === 'yes').map(([e]) => e);
    const sometimes = rows.filter(([, cell]) => cell !== 'yes' && cell !== 'no').map(([e]) => e);
    // "yes" and a condition both hold for a deploy that names every secret; a bare config needs only the "yes" rows and perhaps the conditional ones.
    expect(endpointsOf(everything, fn)).toEqual([...always, ...sometimes].sort());
    const bare = endpointsOf(nothing, fn);
    expect(bare.filter((e) => !always.includes(e) && !sometimes.includes(e))).toEqual([]);
  });
});
