/**
 * The Lambda Chromium under the Playwright shipped beside the bundle: `@sparticuz/chromium`,
 * unpacked afresh into a directory of this test's own and launched through
 * `createLambdaBrowser` with the package's flags, is the Chromium major Playwright was released
 * with, and Playwright drives it. Its own directory because the package unpacks only when
 * `<tmp>/chromium` is absent: one left there by an earlier version of the package would run
 * instead, unseen (lambda-journey.test.ts runs the journey handler in whatever is at /tmp/chromium).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaBrowser, loadLambdaChromium, type LambdaBrowserProvider } from '../../lib/adapters/lambda-browser.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = <T>(...parts: string[]): T => JSON.parse(readFileSync(path.join(root, 'node_modules', ...parts), 'utf8')) as T;
const major = (version: string) => Number(version.split('.', 1)[0]);
const playwrightMajor = major(read<{ browsers: { name: string; browserVersion: string }[] }>('playwright-core', 'browsers.json').browsers.find((b) => b.name === 'chromium')!.browserVersion);
const packageVersion = read<{ version: string }>('@sparticuz', 'chromium', 'package.json').version;

let dir: string;
let savedTmp: string | undefined;
let provider: LambdaBrowserProvider | undefined;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flp-lambda-chromium-'));
  savedTmp = process.env.TMPDIR;
  // os.tmpdir() reads TMPDIR on every call, and the package unpacks to os.tmpdir()/chromium.
  process.env.TMPDIR = dir;
});

afterAll(async () => {
  await provider?.close();
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(dir, { recursive: true, force: true });
});

describe('the Lambda Chromium and the bundled Playwright', () => {
  it(`unpacks @sparticuz/chromium ${packageVersion} afresh and Playwright drives it as Chromium ${playwrightMajor}`, async () => {
    const chromium = await loadLambdaChromium();
    provider = await createLambdaBrowser({ chromium });
    expect(await chromium.executablePath()).toBe(path.join(dir, 'chromium'));

    const browser = await provider.get();
    expect(major(browser.version()), `Playwright drives Chromium ${playwrightMajor}; @sparticuz/chromium ${packageVersion} runs ${browser.version()}`).toBe(playwrightMajor);
    expect(major(browser.version())).toBe(major(packageVersion));

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setContent('<main><h1 data-testid="title">Forløbsplan</h1><button onclick="this.textContent = \'printet\'">print</button></main>');
    await page.getByRole('button', { name: 'print' }).click();
    expect(await page.getByTestId('title').textContent()).toBe('Forløbsplan');
    await expect.poll(() => page.getByRole('button').textContent()).toBe('printet');
    await context.close();
  });
});
