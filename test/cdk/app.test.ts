/**
 * The CDK app around the stack: which config it reads, what a bad config does to synth, the
 * timeout arithmetic, and that cdk-nag is really checking.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addMonitorStack, buildApp, configFileOf, createApp } from '../../cdk/app.ts';
import { ARTIFACT_CAPTURE_MS, BROWSER_START_MS, HTTP_MARGIN_MS, JOURNEY_MARGIN_MS, probeTimings } from '../../cdk/probe-functions.ts';
import { ConfigError, DEFAULT_CONFIG_FILE, parseConfig } from '../../lib/core/config.ts';
import { rawConfig } from '../support/config.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'flp-cdk-app-'));
const write = (name: string, value: unknown) => {
  const file = path.join(tmp, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
const noBundling = { 'aws:cdk:bundling-stacks': [] };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** An app whose cloud assembly goes under this test's temp directory. */
const appWith = (context: Record<string, unknown> = {}) => createApp({ context, outdir: mkdtempSync(path.join(tmp, 'out-')), builtinCloudFormationValidation: false });

describe('the config the app reads', () => {
  it('takes -c config=FILE first, then FLP_CONFIG_FILE, then flp-monitor.config.json', () => {
    expect(configFileOf(appWith({ config: 'a.json' }), { FLP_CONFIG_FILE: 'b.json' })).toBe('a.json');
    expect(configFileOf(appWith(), { FLP_CONFIG_FILE: 'b.json' })).toBe('b.json');
    expect(configFileOf(appWith(), {})).toBe(DEFAULT_CONFIG_FILE);
  });

  it('fails synth on a bad config with every problem, each naming its property', async () => {
    const file = write('bad.json', rawConfig({ aws: { journeyMemoryMb: 512 }, schedule: { syncSeconds: 0 } }));
    const attempt = buildApp(appWith({ config: file, ...noBundling }), {});
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/aws\.journeyMemoryMb: .*\n.*schedule\.syncSeconds: |schedule\.syncSeconds: .*\n.*aws\.journeyMemoryMb: /);
  });

  it('fails synth naming the file when the config file is missing', async () => {
    const missing = path.join(tmp, 'nope.json');
    await expect(buildApp(appWith({ config: missing }), {})).rejects.toThrow(`cannot read ${missing}: no such file`);
  });

  it('refuses probes that could outlast Lambda\'s 15 minutes, naming the timeout to lower', () => {
    const config = parseConfig(rawConfig({ timeouts: { requestMs: 5000, stepMs: 120_000 }, retry: { retries: 1 } }));
    expect(() => addMonitorStack(appWith(noBundling), config)).toThrow(/timeouts\.stepMs: .*more than Lambda's 900 s/);
  });

  it('refuses an owner whose topic would be the on-call topic', () => {
    const config = parseConfig(rawConfig({ owners: { monitor: 'on-call' } }));
    expect(() => addMonitorStack(appWith(noBundling), config)).toThrow(/owners: "on-call" is the name of the on-call topic/);
  });
});

describe('function timeouts', () => {
  it('covers every step of every journey attempt, a browser start and artifacts each, plus a margin', () => {
    const config = parseConfig(rawConfig({ timeouts: { requestMs: 5000, stepMs: 10_000 }, retry: { retries: 1 } }));
    const t = probeTimings(config);
    expect(t.journey.boundMs).toBe(2 * (5 * 10_000 + BROWSER_START_MS + ARTIFACT_CAPTURE_MS));
    expect(t.journey.runSeconds).toBe(Math.ceil((t.journey.boundMs + JOURNEY_MARGIN_MS) / 1000));
    // The timeout covers a release verification: the journey through the load balancer, on each node, and the warm second run.
    const nodes = config.target.nodes.length;
    expect(t.journey.verificationMs).toBe((1 + nodes + 1) * t.journey.boundMs);
    expect(t.journey.timeoutSeconds).toBe(Math.min(900, Math.ceil(((nodes + 2) * t.journey.boundMs + JOURNEY_MARGIN_MS) / 1000)));
    expect(t.journey.capped).toBe((nodes + 2) * t.journey.boundMs + JOURNEY_MARGIN_MS > 900_000);
    expect(t.sync.boundMs).toBe(2 * 5000);
    expect(t.nodes.timeoutSeconds).toBe(Math.ceil((2 * 5000 + HTTP_MARGIN_MS) / 1000));
  });

  it('caps a verification that would outlast Lambda at 900 s, with a synth warning, and keeps refusing a journey that alone would', () => {
    const config = parseConfig(rawConfig({ timeouts: { requestMs: 5000, stepMs: 30_000 }, retry: { retries: 1 } }));
    const t = probeTimings(config);
    expect(t.journey.capped).toBe(true);
    expect(t.journey.timeoutSeconds).toBe(900);
    const stack = addMonitorStack(appWith(noBundling), config);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('A release verification may take .* the journey function\'s timeout is 900 s'));
  });

  it('grows with the retries', () => {
    const once = probeTimings(parseConfig(rawConfig({ retry: { retries: 0 } })));
    const thrice = probeTimings(parseConfig(rawConfig({ retry: { retries: 3 } })));
    expect(thrice.journey.boundMs).toBe(4 * once.journey.boundMs);
    expect(thrice.sync.boundMs).toBe(4 * once.sync.boundMs);
  });
});

describe('cdk-nag', () => {
  it('is registered on the app: an unacknowledged finding fails synth', () => {
    const app = appWith();
    new s3.Bucket(new Stack(app, 'Careless'), 'OpenBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
