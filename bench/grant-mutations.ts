/**
 * Shows that every grant of the stack is one a test needs: for each statement of each
 * function's role (its log group's aside, and the notifier's dead-letter queue, which Lambda
 * writes), the Lambda handler tests of that function run once with that one statement removed
 * from the deployed role (test/support/deployed.ts, FLP_TEST_DROP_GRANT), and at least one of
 * them must fail. Prints a row per grant and exits 1 when a grant could be removed with every
 * test still passing. About a quarter of an hour on two cores; run it alone:
 *
 *     flock /tmp/flp-chromium.lock npx tsx bench/grant-mutations.ts [--only journey,nodes]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addMonitorStack, FEATURE_FLAGS } from '../cdk/app.ts';
import { loadConfig } from '../lib/core/config.ts';
import type { FunctionName } from '../lib/runtime/function-calls.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
/** The Lambda handler tests that run each function. */
const TESTS: Record<FunctionName, string[]> = {
  journey: ['lambda-journey', 'lambda-release', 'lambda-recheck', 'lambda-release-lps', 'lambda-run-lease'],
  sync: ['lambda-journey'],
  nodes: ['lambda-latest', 'lambda-windows', 'lambda-journey', 'lambda-release', 'lambda-release-lps'],
  notifier: ['notifier-handler'],
};

interface Grant {
  fn: FunctionName;
  sid: string;
  actions: string[];
}

/** The statements (by Sid) of each function's role in the large fixture's template, which has every kind of grant. */
async function grants(only: Set<string> | null): Promise<Grant[]> {
  const config = await loadConfig(path.join(ROOT, 'test', 'cdk', 'fixtures', 'large.config.json'));
  const app = new App({ context: { ...FEATURE_FLAGS, 'aws:cdk:bundling-stacks': [] }, outdir: mkdtempSync(path.join(os.tmpdir(), 'flp-mutations-')) });
  const stack = addMonitorStack(app, config);
  const template = app.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Type: string; Properties: any }> };
  const out: Grant[] = [];
  for (const fn of ['journey', 'sync', 'nodes', 'notifier'] as const) {
    if (only && !only.has(fn)) continue;
    const role = stack.getLogicalId((fn === 'notifier' ? stack.notifier.function : stack.probes.functions[fn]!).role!.node.defaultChild as never);
    for (const r of Object.values(template.Resources))
      if (r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: role }]))
        for (const st of r.Properties.PolicyDocument.Statement as { Sid?: string; Action: string | string[] }[]) {
          const actions = [st.Action].flat();
          if (!st.Sid || actions.every((a) => a.startsWith('logs:') || a === 'sqs:SendMessage')) continue;
          out.push({ fn, sid: st.Sid, actions });
        }
  }
  return out;
}

function run(grant: Grant): { failed: string[]; total: number } {
  const files = TESTS[grant.fn].map((f) => path.join('test', 'integration', `${f}.test.ts`)).filter((f) => existsSync(path.join(ROOT, f)));
  const report = path.join(mkdtempSync(path.join(os.tmpdir(), 'flp-mutation-')), 'report.json');
  spawnSync('npx', ['vitest', 'run', ...files, '--testTimeout=30000', '--hookTimeout=60000', '--reporter=json', `--outputFile=${report}`], {
    cwd: ROOT,
    env: { ...process.env, FLP_TEST_DROP_GRANT: `${grant.fn}:${grant.sid}` },
    stdio: 'ignore',
  });
  const r = JSON.parse(readFileSync(report, 'utf8')) as { numTotalTests: number; testResults: { assertionResults: { status: string; fullName: string }[] }[] };
  return { total: r.numTotalTests, failed: r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => a.fullName)) };
}

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1]!.split(',')) : null;
const list = await grants(only);
console.log(`${list.length} grants; commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim()}`);
console.log('| function | grant (Sid) | actions | tests failing without it | first of them |');
console.log('| --- | --- | --- | --- | --- |');
let unneeded = 0;
for (const g of list) {
  const { failed, total } = run(g);
  if (!failed.length) unneeded++;
  console.log(`| ${g.fn} | ${g.sid} | ${g.actions.join(', ')} | ${failed.length} of ${total} | ${failed[0] ?? '(none: no test needs it)'} |`);
}
console.log(unneeded ? `${unneeded} grant(s) no test needs` : 'every grant is needed by at least one test');
process.exitCode = unneeded ? 1 : 0;
