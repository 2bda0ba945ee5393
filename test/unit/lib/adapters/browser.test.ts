import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrowserNotFoundError, BrowserProvider, CHROMIUM_ARGS, findChromium, hostResolverRulesArg, spkiListArg } from '../../../../lib/adapters/browser.ts';
import { LambdaBrowserProvider, mergeChromiumArgs } from '../../../../lib/adapters/lambda-browser.ts';

// lib/adapters/browser.ts: finding and keeping the journey's Chromium.
const dir = mkdtempSync(path.join(tmpdir(), 'flp-browser-'));
const executable = (name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
};
const plainFile = (name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, 'not a program');
  chmodSync(file, 0o644);
  return file;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findChromium', () => {
  it('prefers FLP_CHROMIUM_PATH when it names an executable file', () => {
    const chosen = executable('my-chromium');
    const found = findChromium({ FLP_CHROMIUM_PATH: chosen }, { playwrightPath: () => executable('pw-chrome'), systemPaths: [executable('sys')] });
    expect(found).toEqual({ path: chosen, source: 'FLP_CHROMIUM_PATH' });
  });

  it('names the variable when FLP_CHROMIUM_PATH does not point at an executable', () => {
    const notExecutable = plainFile('plain');
    for (const value of [notExecutable, path.join(dir, 'absent'), dir]) {
      expect(() => findChromium({ FLP_CHROMIUM_PATH: value }, { systemPaths: [executable('sys')] })).toThrow(
        new RegExp(`^FLP_CHROMIUM_PATH is set to "${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}", but that is not an executable file\\.$`),
      );
    }
  });

  it("uses Playwright's Chromium when it was downloaded", () => {
    const pw = executable('pw-chrome-2');
    expect(findChromium({}, { playwrightPath: () => pw, systemPaths: [executable('sys2')] })).toEqual({ path: pw, source: 'playwright' });
  });

  it("falls back to the system Chromium, in order, when Playwright's download is absent", () => {
    const second = executable('chromium-browser');
    const found = findChromium({}, { playwrightPath: () => path.join(dir, 'never-downloaded'), systemPaths: [path.join(dir, 'chromium'), second] });
    expect(found).toEqual({ path: second, source: 'system' });
  });

  it('says in one sentence how to get a Chromium when there is none', () => {
    let error: unknown;
    try {
      findChromium({ FLP_CHROMIUM_PATH: '' }, { playwrightPath: () => undefined, systemPaths: [path.join(dir, 'nothing')] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BrowserNotFoundError);
    expect((error as Error).message).toBe(
      'No Chromium found: install it with "apt-get install -y chromium" (Debian) or set FLP_CHROMIUM_PATH to a Chromium binary.',
    );
  });
});

describe('BrowserProvider', () => {
  it('launches with the flags Chromium needs here and maps target names to addresses', () => {
    const provider = new BrowserProvider({ hostResolverRules: { 'flp.sandbox.test': '127.0.0.1', 'v6.sandbox.test': '::1' } });
    expect(provider.args).toEqual([...CHROMIUM_ARGS, '--host-resolver-rules=MAP flp.sandbox.test 127.0.0.1, MAP v6.sandbox.test [::1]']);
    expect(new BrowserProvider().args).toEqual([...CHROMIUM_ARGS]);
    expect(hostResolverRulesArg({})).toBeUndefined();
  });

  it('accepts exactly the leaf keys it is given, and none by default', () => {
    const provider = new BrowserProvider({ hostResolverRules: { 'flp.internal.test': '10.0.0.5' }, trustedSpkis: ['AAAA', 'BBBB'] });
    expect(provider.args).toEqual([...CHROMIUM_ARGS, '--host-resolver-rules=MAP flp.internal.test 10.0.0.5', '--ignore-certificate-errors-spki-list=AAAA,BBBB']);
    expect(spkiListArg([])).toBeUndefined();
    expect(new BrowserProvider({ trustedSpkis: [] }).args.some((a) => a.startsWith('--ignore-certificate-errors'))).toBe(false);
  });

  it('rejects get() with the finder error when no Chromium can be found', async () => {
    const provider = new BrowserProvider({ executablePath: path.join(dir, 'no-such-chromium'), launchTimeoutMs: 5_000 });
    await expect(provider.get()).rejects.toThrow();
    await provider.close();
  });
});

describe('LambdaBrowserProvider', () => {
  it('takes trusted leaf keys per invocation and drops them again when none verify', async () => {
    const provider = new LambdaBrowserProvider({ executablePath: path.join(dir, 'no-such-chromium'), extraArgs: ['--single-process'] });
    const base = mergeChromiumArgs(CHROMIUM_ARGS, ['--single-process']);
    expect(provider.args).toEqual(base);
    await provider.setTrustedSpkis(['BBBB', 'AAAA', 'AAAA']);
    await provider.setHostResolverRules({ 'flp.internal.test': '10.0.0.5' });
    expect(provider.args).toEqual([...base, '--host-resolver-rules=MAP flp.internal.test 10.0.0.5', '--ignore-certificate-errors-spki-list=AAAA,BBBB']);
    await provider.setTrustedSpkis([]);
    expect(provider.args).toEqual([...base, '--host-resolver-rules=MAP flp.internal.test 10.0.0.5']);
  });
});
