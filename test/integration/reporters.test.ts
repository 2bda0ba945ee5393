/**
 * The CI reporters through the command line against the sandbox, as a CI job runs them before a
 * release: `run --once --reporter junit` with the load balancer answering 502, on stdout and into
 * `--out FILE` (then the table on stdout), the XML held to junit-10.xsd by the structural check
 * of test/support/junit-schema.ts. Runs the journey in Chromium: run it under
 * `flock /tmp/flp-chromium.lock`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { elements, junitProblems, parseXml } from '../support/junit-schema.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

let fx: SandboxFixture;

beforeAll(async () => {
  fx = await startSandboxFixture();
  fx.sandbox.setFault('lb-502');
});
afterAll(async () => {
  await fx?.sandbox.close();
});

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('flp-monitor run --once --reporter junit against the sandbox with lb-502', { timeout: 60_000 }, () => {
  it('prints valid JUnit XML whose failing testcase names the probe, its class and its owner; exit 1', async () => {
    const r = await cli('run', '--once', '--reporter', 'junit', '--config', fx.configFile);
    expect(r.code, r.err).toBe(1);
    expect(junitProblems(r.out)).toEqual([]);
    const root = parseXml(r.out);
    const lb = elements(root, 'testcase').find((c) => c.attributes.name === 'lb')!;
    expect(lb.attributes.classname).toBe('nodes');
    const failure = lb.children.find((c) => c.name === 'failure')!;
    expect(failure.attributes.type).toBe('infrastructure');
    expect(failure.attributes.message).toMatch(/^infrastructure, owner PLSP: /);
    // Who answered: the gateway, not the application.
    expect(failure.text).toMatch(/answered 502 from a proxy/);
    const props = Object.fromEntries(elements(root, 'property').map((p) => [p.attributes.name, p.attributes.value]));
    expect(props).toMatchObject({ environment: 'test', verdict: 'fail', 'verdict.class': 'infrastructure', 'verdict.owner': 'PLSP' });
    // Every probe is a testcase, every node healthy behind the load balancer.
    expect(elements(root, 'testcase').map((c) => c.attributes.name)).toEqual(expect.arrayContaining(['journey', 'lb', 'node:flp-1', 'release', 'sync:lab']));
    for (const n of ['flp-1', 'flp-2', 'flp-3']) expect(elements(root, 'testcase').find((c) => c.attributes.name === `node:${n}`)!.children).toEqual([]);
    expect(r.out).not.toContain('2512489996');
  });

  it('writes the XML to --out FILE and the table to stdout', async () => {
    const file = path.join(fx.dir, 'reports', 'flp-junit.xml');
    const r = await cli('run', '--once', '--reporter', 'junit', '--out', file, '--config', fx.configFile);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/^probe +status +class +owner +duration +summary$/m);
    expect(r.out).toMatch(/^lb +FAIL +infrastructure +PLSP /m);
    expect(r.out).not.toContain('<testsuites');
    expect(r.err).toMatch(/^flp-monitor: wrote .*flp-junit\.xml \(junit\): \d+ probes, \d+ failed$/m);
    const xml = await readFile(file, 'utf8');
    expect(junitProblems(xml)).toEqual([]);
    expect(xml).toMatch(/<testcase classname="nodes" name="lb" time="\d+\.\d{3}">\n\s*<failure message="infrastructure, owner PLSP: /);
  });
});
