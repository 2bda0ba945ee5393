/**
 * Personal data: run a representative set of everything flp-monitor writes against the
 * sandbox (passing and failing journeys with their artifacts, sync and node probes, logs at
 * debug level, `run --once` as JSON and as a table, the alarms, the canary, the SLA reports in
 * every format, the cost report, and the Lambda handlers with CloudWatch, S3 and Secrets
 * Manager on a loopback fake) with a fake journey secret and a fake AWS secret key in the
 * environment. Then scan every file written, every file name, every metric dimension and every
 * request sent to AWS for an unmasked CPR (the test patient's, and anything shaped DDMMYY-NNNN)
 * and for the secrets.
 *
 * Playwright's trace (trace.zip) is read too: its entry names are held to the same rule; its
 * contents are the browser's own record (URLs with the CPR among them) and are reported, not
 * asserted, as the issue scopes logs, store, artifact names, metric dimensions and reports.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../lib/adapters/browser.ts';
import { main } from '../../lib/cli/main.ts';
import { LambdaBrowserProvider } from '../../lib/adapters/lambda-browser.ts';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import type { MetricRecord } from '../../lib/core/records.ts';
import { createHandlers, type LambdaContext } from '../../lib/runtime/lambda-handlers.ts';
import type { FaultName } from '../../sandbox/index.ts';
import { FakeAws } from '../support/fake-aws.ts';
import { deploy } from '../support/deployed.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';
import { readZip } from './support/zip.ts';

const CPR = '2512489996';
/** Ten digits standing alone (no digit or letter beside them: a UUID's hex is no CPR) whose first six are a DDMMYY date, with or without the hyphen. */
const CPR_LIKE = /(?<![0-9A-Za-z])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}(?![0-9A-Za-z])/;

const MASKED = `${CPR.slice(0, 6)}-xxxx`;
const JOURNEY_SECRET = 'journey-user:Rb5t-n0t-f0r-l0gs-7f3a';
const AWS_SECRET = 'wJalrRobustFakeSecretKey/K7MDENG+bPxRfiCY';
const SECRET_NAME = 'flp-journey';
const BUCKET = 'flp-artifacts-robustness';
const bin = path.resolve(import.meta.dirname, '../../lib/cli/bin.mjs');

let fx: SandboxFixture;
let aws: FakeAws;
let out: string;
let lambdaTmp: string;
let lambdaBrowser: LambdaBrowserProvider | undefined;
let savedEnv: NodeJS.ProcessEnv;
const ran: string[] = [];

beforeAll(async () => {
  [fx, aws] = await Promise.all([startSandboxFixture(), FakeAws.start()]);
  out = path.join(fx.dir, 'written');
  await mkdir(out, { recursive: true });
  lambdaTmp = await mkdtemp(path.join(os.tmpdir(), 'flp-robust-lambda-'));
  aws.putSecret(SECRET_NAME, JOURNEY_SECRET);
  savedEnv = { ...process.env };
  // The AWS SDK in this process reads its credentials here, as in Lambda.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDROBUSTNESSFAKE00', AWS_SECRET_ACCESS_KEY: AWS_SECRET, AWS_REGION: 'eu-central-1', AWS_EC2_METADATA_DISABLED: 'true' });
});

afterAll(async () => {
  process.env = savedEnv;
  await lambdaBrowser?.close();
  await Promise.all([fx?.sandbox.close(), aws?.close()]);
  await rm(fx.dir, { recursive: true, force: true });
  await rm(lambdaTmp, { recursive: true, force: true });
});

/** The CLI as a user runs it, with debug logs on and both secrets in its environment; stdout and stderr kept as files. */
function cli(name: string, args: string[]): Promise<number> {
  const env = {
    ...process.env,
    FLP_LOG_LEVEL: 'debug',
    FLP_JOURNEY_SECRET: JOURNEY_SECRET,
    AWS_ACCESS_KEY_ID: 'AKIDROBUSTNESSFAKE00',
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args, '--config', fx.configFile], { cwd: fx.dir, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, async (err, stdout, stderr) => {
      await writeFile(path.join(out, `${name}.stdout`), stdout);
      await writeFile(path.join(out, `${name}.stderr`), stderr);
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      ran.push(`${args.slice(0, 2).join(' ')}${args.includes('--format') ? ` ${args[args.indexOf('--format') + 1]}` : ''} → ${code}`);
      resolve(code);
    });
  });
}

async function withFaults<T>(faults: FaultName[], run: () => Promise<T>): Promise<T> {
  fx.sandbox.clearFaults();
  for (const f of faults) fx.sandbox.setFault(f);
  try {
    return await run();
  } finally {
    fx.sandbox.clearFaults();
  }
}

function lambdaContext(): LambdaContext {
  const deadline = Date.now() + 120_000;
  return { awsRequestId: `req-${Math.random().toString(16).slice(2)}`, functionName: 'flp-monitor-robustness', getRemainingTimeInMillis: () => deadline - Date.now() };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

interface Finding {
  where: string;
  what: string;
}

/** Unmasked CPRs and secrets in a text (any bytes, read as Latin-1 so that no byte is lost). */
function findIn(where: string, text: string): Finding[] {
  const found: Finding[] = [];
  const cpr = CPR_LIKE.exec(text);
  if (cpr) found.push({ where, what: `CPR-like "${cpr[0]}" in …${text.slice(Math.max(0, cpr.index - 60), cpr.index + 20).replace(/\s+/g, ' ')}…` });
  if (text.includes(JOURNEY_SECRET)) found.push({ where, what: 'the journey secret' });
  if (text.includes(AWS_SECRET)) found.push({ where, what: 'the AWS secret key' });
  return found;
}

describe('personal data and secrets in everything the monitor writes', () => {
  it('finds no unmasked CPR and no secret in logs, store, artifact names, metric dimensions and reports', { timeout: 300_000 }, async () => {
    const version = fx.sandbox.version;
    // given a passing run and failing ones of every probe, as a user runs them
    await withFaults([], () => cli('run-healthy', ['run', '--once', '--json']));
    await withFaults(['api-500'], () => cli('run-api-500', ['run', '--once', '--json']));
    await withFaults(['print-not-pdf'], () => cli('run-print-not-pdf', ['run', '--once', '--json']));
    await withFaults(['sync-failed', 'node-down'], () => cli('run-sync-failed-table', ['run', '--once']));
    await withFaults(['lb-hang'], () => cli('run-lb-hang', ['run', '--once', '--json']));
    // and every report the commands this checkout has can make from that store
    let help = '';
    await main(['--help'], { out: (s) => (help += s), err: (s) => (help += s) });
    const has = (command: string) => new RegExp(`^\\s+${command}\\b`, 'm').test(help);
    await cli('alarms-evaluate', ['alarms', '--evaluate']);
    await cli('alarms-markdown', ['alarms', '--markdown']);
    if (has('cost')) await cli('cost', ['cost', '--json']);
    if (has('canary')) await cli('canary', ['canary', '--expect-version', version, '--runs', '1', '--json']);
    if (has('sla')) {
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      for (const format of ['md', 'csv', 'html', 'json'])
        await cli(`sla-${format}`, ['sla', '--from', day(-1), '--to', day(2), '--format', format, '--out', path.join(out, `sla-report.${format}`)]);
    }
    // and the Lambda handlers, with CloudWatch, S3 and Secrets Manager on a loopback fake
    const lambdaLog: string[] = [];
    // As deployed: each function with its shipped config, its environment and its role's grants.
    const deployment = await deploy({ ...fx.raw, aws: { journeySecretName: SECRET_NAME } }, aws, { bucket: BUCKET });
    const handlersOf = async (fn: 'journey' | 'sync' | 'nodes') =>
      createHandlers({
        env: { ...(await deployment.fn(fn)).env, FLP_LOG_LEVEL: 'debug' },
        tmpDir: lambdaTmp,
        write: (line) => lambdaLog.push(line),
        createBrowser: async () => (lambdaBrowser = new LambdaBrowserProvider({ executablePath: findChromium().path })),
        onJourneySecret: () => undefined,
      });
    ran.push('lambda: journey (api-500), sync (sync-failed), nodes (db-down)');
    const [journey, sync, nodes] = await Promise.all([handlersOf('journey'), handlersOf('sync'), handlersOf('nodes')]);
    await withFaults(['api-500'], () => journey.journey({}, lambdaContext()));
    await withFaults(['sync-failed'], () => sync.sync({}, lambdaContext()));
    await withFaults(['db-down'], () => nodes.nodes({}, lambdaContext()));
    await writeFile(path.join(out, 'lambda.log'), lambdaLog.join('\n'));
    // what reached "AWS": every request as sent (headers included), metrics decoded, S3 objects under their keys
    await writeFile(path.join(out, 'aws-requests.jsonl'), aws.requests.map((r) => JSON.stringify({ method: r.method, path: r.path, headers: r.headers, operation: r.operation, json: r.json })).join('\n'));
    await writeFile(path.join(out, 'cloudwatch-metrics.json'), JSON.stringify(aws.putMetricData(), null, 1));
    for (const [key, object] of aws.objects) {
      await mkdir(path.dirname(path.join(out, 's3', key)), { recursive: true });
      await writeFile(path.join(out, 's3', key), object.body);
    }

    // when every file written is scanned, its name and its bytes
    const roots = [path.join(fx.dir, 'store'), path.join(fx.dir, 'artifacts'), out, lambdaTmp];
    const files = (await Promise.all(roots.map(filesUnder))).flat();
    const findings: Finding[] = [];
    const traceFindings: Finding[] = [];
    let bytes = 0;
    let maskedSeen = 0;
    for (const file of files) {
      findings.push(...findIn(`name of ${file}`, path.relative(fx.dir, file)));
      const data = await readFile(file);
      bytes += data.length;
      if (file.endsWith('.zip')) {
        for (const entry of readZip(data)) {
          findings.push(...findIn(`entry name ${entry.name} in ${file}`, entry.name));
          traceFindings.push(...findIn(`${entry.name} in ${file}`, entry.data.toString('latin1')));
        }
        continue;
      }
      const text = data.toString('latin1');
      if (text.includes(MASKED)) maskedSeen += 1;
      findings.push(...findIn(file, text));
    }
    // and every metric dimension, in the store and as published to CloudWatch
    const stored = (await new LocalStore(path.join(fx.dir, 'store')).read()).records.filter((r): r is MetricRecord => r.type === 'metric');
    const published = aws.putMetricData().flatMap((p) => p.MetricData.flatMap((d) => d.Dimensions ?? []));
    const dimensions = [...stored.flatMap((r) => Object.entries(r.dimensions)), ...published.map((d) => [d.Name, d.Value] as [string, string])];
    const dimensionFindings = dimensions.flatMap(([k, v]) => findIn(`metric dimension ${k}`, `${k}=${v}`));
    const tracesHoldingCpr = new Set(traceFindings.filter((f) => f.what.startsWith('CPR')).map((f) => f.where.split(' in ').pop()));
    console.log(
      [
        `personal data scan: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${dimensions.length} metric dimensions (${[...new Set(dimensions.map(([k]) => k))].join(', ')})`,
        `  ran (exit codes): ${ran.join('; ')}`,
        `  the masked CPR ${MASKED} appears in ${maskedSeen} files; unmasked findings outside traces: ${findings.length + dimensionFindings.length}`,
        `  trace.zip contents (Playwright's own record, not asserted): ${tracesHoldingCpr.size} of ${files.filter((f) => f.endsWith('.zip')).length} traces hold the CPR unmasked, e.g. ${traceFindings.find((f) => f.what.startsWith('CPR'))?.where ?? '-'}`,
      ].join('\n'),
    );

    // then: the scan would see a leak (it finds the CPR and passes the masked form)
    expect(findIn('self-check', `GET /api/patients/${CPR}/overview`)).toHaveLength(1);
    expect(findIn('self-check', `cpr=251248-9996&x`)).toHaveLength(1);
    expect(findIn('self-check', `GET /api/patients/${MASKED}/overview at 2026-11-22T01:02:03.456Z, 1795308567162 ms`)).toEqual([]);
    // and the runs really happened and wrote what a user would look at
    expect(files.some((f) => f.endsWith('screenshot.png'))).toBe(true);
    expect(files.some((f) => f.endsWith('trace.zip'))).toBe(true);
    expect(stored.length).toBeGreaterThan(50);
    expect(published.length).toBeGreaterThan(10);
    expect(aws.objects.size).toBeGreaterThan(0);
    expect(maskedSeen).toBeGreaterThan(0);
    // and nothing in them holds a CPR or a secret
    expect(findings).toEqual([]);
    expect(dimensionFindings).toEqual([]);
    // not even inside the traces: no secret at all
    expect(traceFindings.filter((f) => !f.what.startsWith('CPR'))).toEqual([]);
  });
});
