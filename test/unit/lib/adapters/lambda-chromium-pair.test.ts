/**
 * The Lambda Chromium (`@sparticuz/chromium`, the journey function's layer) and the Playwright
 * shipped beside the bundle move together: Playwright only promises to drive the Chromium it was
 * released with, and the CDP drift between two majors shows up in a real deploy, not in a
 * synth. So the installed pair must have one Chromium major, and package.json must pin both
 * exactly, so that neither moves on its own with an `npm install`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../../..');
const json = <T>(...parts: string[]): T => JSON.parse(readFileSync(path.join(root, ...parts), 'utf8')) as T;
const major = (version: string) => Number(version.split('.', 1)[0]);

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface BrowsersJson {
  browsers: { name: string; browserVersion?: string }[];
}
interface Lockfile {
  packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
}

const manifest = json<PackageJson>('package.json');
const wanted = { ...manifest.dependencies, ...manifest.devDependencies };
const playwrightCore = json<PackageJson>('node_modules', 'playwright-core', 'package.json');
const playwrightChromium = json<BrowsersJson>('node_modules', 'playwright-core', 'browsers.json').browsers.find((b) => b.name === 'chromium');
const lambdaChromium = json<PackageJson>('node_modules', '@sparticuz', 'chromium', 'package.json');

describe('the Lambda Chromium and the Playwright that drives it', () => {
  it("installs an @sparticuz/chromium whose major is the Chromium major of the installed playwright-core", () => {
    expect(playwrightChromium?.browserVersion, 'playwright-core/browsers.json names no chromium browserVersion').toMatch(/^\d+\./);
    const driven = major(playwrightChromium!.browserVersion!);
    expect(
      major(lambdaChromium.version),
      `playwright-core ${playwrightCore.version} drives Chromium ${driven}, but @sparticuz/chromium is ${lambdaChromium.version}: ` +
        `move both to a pair with one Chromium major (docs/deploy.md, "The Lambda Chromium and Playwright")`,
    ).toBe(driven);
  });

  it('pins playwright and @sparticuz/chromium exactly in package.json, at the versions installed', () => {
    const exact = /^\d+\.\d+\.\d+$/;
    expect(wanted.playwright, 'package.json must pin playwright to one version (no ^, ~ or x)').toMatch(exact);
    expect(wanted['@sparticuz/chromium'], 'package.json must pin @sparticuz/chromium to one version (no ^, ~ or x)').toMatch(exact);
    expect(json<PackageJson>('node_modules', 'playwright', 'package.json').version).toBe(wanted.playwright);
    expect(lambdaChromium.version).toBe(wanted['@sparticuz/chromium']);
  });

  it("locks playwright-core at playwright's own version, the one shipped beside the bundle", () => {
    const lock = json<Lockfile>('package-lock.json').packages;
    expect(lock['node_modules/playwright']?.version).toBe(wanted.playwright);
    expect(lock['node_modules/playwright']?.dependencies?.['playwright-core']).toBe(wanted.playwright);
    expect(lock['node_modules/playwright-core']?.version).toBe(wanted.playwright);
    expect(lock['node_modules/@sparticuz/chromium']?.version).toBe(wanted['@sparticuz/chromium']);
    expect(playwrightCore.version).toBe(wanted.playwright);
  });
});
