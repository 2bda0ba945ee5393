/**
 * `flp-monitor notify test` and `notify preview` as a person runs them: a test page through
 * every configured channel (real HTTP on 127.0.0.1, payloads in each vendor's format), what each
 * answered and the exit code; a channel that only AWS can open said so; `preview` against the
 * sandbox printing the page a fault would send and what it holds back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import type { Preview } from '../../lib/alarms/preview.ts';
import { rawConfig } from '../support/config.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';
import { FLP_WEBHOOK_DOCUMENT, PAGERDUTY_RESOLVE, PAGERDUTY_TRIGGER, SLACK_MESSAGE, validate } from '../support/vendor-formats.ts';

const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00';
let server: http.Server;
let base = '';
const received: { path: string; body: unknown }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) });
      // The Slack workspace refuses this one, as Slack does a removed webhook.
      if (req.url === '/slack-removed') res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
      else res.writeHead(req.url === '/v2/enqueue' ? 202 : 200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

async function configWith(channels: unknown[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-notify-cli-'));
  const file = path.join(dir, 'flp-monitor.config.json');
  await writeFile(file, JSON.stringify(rawConfig({ environment: 'staging', store: { dir: 'store' }, notify: { channels } })));
  return file;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('notify test', () => {
  it('sends a test page through every channel in its format, resolves the PagerDuty test incident, and exits 1 naming the channel that refused', async () => {
    received.length = 0;
    const file = await configWith([
      { type: 'pagerduty', owners: ['*'], routingKey: ROUTING_KEY, url: `${base}/v2/enqueue` },
      { type: 'webhook', name: 'ops-hook', owners: ['PLSP'], url: `${base}/hook` },
      { type: 'slack', owners: ['KiAP'], url: `${base}/slack-removed` },
    ]);
    const { code, out } = await run(['notify', 'test', '--config', file]);
    expect(code).toBe(1);
    expect(out).toMatch(/^pagerduty \(pagerduty\): delivered, 202 after 1 attempt/m);
    expect(out).toMatch(/^ops-hook \(webhook\): delivered, 200 after 1 attempt/m);
    // A 404 is not retried: the webhook is gone, asking again would not help.
    expect(out).toMatch(/^slack \(slack\): FAILED: 404 from 127\.0\.0\.1:\d+: no_service \(after 1 attempt\)$/m);
    expect(out).toMatch(/^pagerduty \(pagerduty\): delivered, 202 after 1 attempt .*\(the test incident resolved\)$/m);
    expect(out).toMatch(/^1 of 4 deliveries failed$/m);
    const pd = received.filter((r) => r.path === '/v2/enqueue').map((r) => r.body as { event_action: string; dedup_key: string });
    expect(pd.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', 'flp-staging-test'],
      ['resolve', 'flp-staging-test'],
    ]);
    expect(validate(PAGERDUTY_TRIGGER, pd[0])).toEqual([]);
    expect(validate(PAGERDUTY_RESOLVE, pd[1])).toEqual([]);
    const hook = received.find((r) => r.path === '/hook')!.body as { subject: string };
    expect(validate(FLP_WEBHOOK_DOCUMENT, hook)).toEqual([]);
    expect(hook.subject).toMatch(/^\[FLP staging\] test · monitor-owner · .*nothing is broken/);
    expect(validate(SLACK_MESSAGE, received.find((r) => r.path === '/slack-removed')!.body)).toEqual([]);
  });

  it('sends through one channel with --channel, and names the configured ones for an unknown name', async () => {
    received.length = 0;
    const file = await configWith([
      { type: 'webhook', owners: ['*'], url: `${base}/hook` },
      { type: 'webhook', owners: ['*'], url: `${base}/hook-2` },
    ]);
    const one = await run(['notify', 'test', '--channel', 'webhook-2', '--config', file, '--json']);
    expect(one.code).toBe(0);
    const doc = JSON.parse(one.out) as { ok: boolean; deliveries: { channel: string; ok: boolean; status: number }[] };
    expect(doc).toMatchObject({ ok: true, deliveries: [{ channel: 'webhook-2', ok: true, status: 200 }] });
    expect(received.map((r) => r.path)).toEqual(['/hook-2']);
    const unknown = await run(['notify', 'test', '--channel', 'pager', '--config', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--channel pager: no such channel; the configured ones are webhook, webhook-2');
  });

  it('says a channel whose URL is only in a Secrets Manager secret cannot be used here, and what to set', async () => {
    const file = await configWith([{ type: 'slack', owners: ['*'], secretName: 'flp/slack-webhook' }]);
    const { code, out } = await run(['notify', 'test', '--config', file]);
    expect(code).toBe(1);
    expect(out).toContain('slack (slack): FAILED: channel slack: no url in the config or in the secret flp/slack-webhook: the secret is read only in AWS; set url for local use');
  });

  it('stops with exit 2 when no channel is configured', async () => {
    const { code, err } = await run(['notify', 'test', '--config', await configWith([])]);
    expect(code).toBe(2);
    expect(err).toMatch(/notify\.channels is empty/);
  });
});

describe('notify preview', () => {
  let fx: SandboxFixture;
  beforeAll(async () => {
    fx = await startSandboxFixture();
  });
  afterAll(async () => {
    await fx.sandbox.close();
  });

  it('prints nothing to page for a healthy target, and for db-down the infrastructure page with the application symptom held back', async () => {
    const healthy = await run(['notify', 'preview', '--config', fx.configFile]);
    expect(healthy.out).toBe('nothing would page: every probe passed\n');
    expect(healthy.code).toBe(0);

    fx.sandbox.setFault('db-down');
    try {
      const { code, out } = await run(['notify', 'preview', '--json', '--config', fx.configFile]);
      expect(code).toBe(1);
      const preview = JSON.parse(out) as Preview;
      expect(preview.pages.map((p) => p.subject)).toEqual(['[FLP test] infrastructure · PLSP · database down on flp-1, flp-2, flp-3, the load balancer']);
      expect(preview.pages[0]!.symptoms.map((s) => s.class)).toEqual(['application']);
      expect(preview.heldBack).toEqual([{ class: 'application', owner: 'KiAP', by: 'a symptom of infrastructure' }]);
    } finally {
      fx.sandbox.clearFaults();
    }
  });
});
