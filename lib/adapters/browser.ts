/**
 * Finding and keeping a Chromium for the journey probe. The browser is launched once and
 * reused across runs (like a warm Lambda); each journey run opens its own fresh context.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserType } from 'playwright';
import { tolerateLateResults } from './playwright-late-results.ts';

// Playwright loads on first use, not at import: the sync and node functions share this module's
// importers but never start a browser, and ship without Playwright.
const require = createRequire(import.meta.url);
function playwrightChromium(): BrowserType {
  return (require('playwright') as typeof import('playwright')).chromium;
}

/** The flags Chromium needs on this kind of host (no sandbox user namespaces, no GPU, no phoning home). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The environment variable naming a Chromium binary to use before any other. */
export const CHROMIUM_PATH_VARIABLE = 'FLP_CHROMIUM_PATH';

/** Where Debian and Ubuntu put Chromium, in the order they are tried. */
export const SYSTEM_CHROMIUM_PATHS: readonly string[] = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export type ChromiumSource = 'FLP_CHROMIUM_PATH' | 'playwright' | 'system';

/** No usable Chromium: the message says how to get one. */
export class BrowserNotFoundError extends Error {
  constructor(message = `No Chromium found: install it with "apt-get install -y chromium" (Debian) or set ${CHROMIUM_PATH_VARIABLE} to a Chromium binary.`) {
    super(message);
    this.name = 'BrowserNotFoundError';
  }
}

/** Where to look; the defaults are the real places, tests pass their own. */
export interface ChromiumCandidates {
  /** The binary Playwright would use, if it downloaded one; `undefined` when it cannot say. */
  playwrightPath?: () => string | undefined;
  systemPaths?: readonly string[];
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function playwrightChromiumPath(): string | undefined {
  try {
    // Returns where Playwright's own download would live, whether or not it was downloaded.
    return playwrightChromium().executablePath();
  } catch {
    return undefined;
  }
}

/**
 * Picks the Chromium binary: `FLP_CHROMIUM_PATH` (which must then be an executable file),
 * then Playwright's downloaded Chromium, then `/usr/bin/chromium`, then `/usr/bin/chromium-browser`.
 * Throws `BrowserNotFoundError` when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env, candidates: ChromiumCandidates = {}): { path: string; source: ChromiumSource } {
  const fromEnv = env[CHROMIUM_PATH_VARIABLE];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isExecutableFile(fromEnv))
      throw new BrowserNotFoundError(`${CHROMIUM_PATH_VARIABLE} is set to "${fromEnv}", but that is not an executable file.`);
    return { path: fromEnv, source: 'FLP_CHROMIUM_PATH' };
  }
  const fromPlaywright = (candidates.playwrightPath ?? playwrightChromiumPath)();
  if (fromPlaywright && isExecutableFile(fromPlaywright)) return { path: fromPlaywright, source: 'playwright' };
  for (const file of candidates.systemPaths ?? SYSTEM_CHROMIUM_PATHS) if (isExecutableFile(file)) return { path: file, source: 'system' };
  throw new BrowserNotFoundError();
}

/** Renders host → IP pairs as Chromium's `--host-resolver-rules` value: `MAP a 1.2.3.4, MAP b 5.6.7.8`. */
export function hostResolverRulesArg(rules: Record<string, string>): string | undefined {
  const entries = Object.entries(rules);
  if (entries.length === 0) return undefined;
  return `--host-resolver-rules=${entries.map(([host, ip]) => `MAP ${host} ${ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip}`).join(', ')}`;
}

/**
 * Renders leaf SPKI hashes (base64 SHA-256, see `tls-trust.ts`) as Chromium's
 * `--ignore-certificate-errors-spki-list` value. Chromium then accepts a chain the server sends
 * that contains one of these keys whatever else is wrong with it, expiry included: only hashes
 * of leaves that just passed a strict check belong here.
 */
export function spkiListArg(hashes: readonly string[]): string | undefined {
  if (hashes.length === 0) return undefined;
  return `--ignore-certificate-errors-spki-list=${[...hashes].join(',')}`;
}

/** Our own flags plus the per-target ones: host-resolver rules and trusted leaf keys. */
export function targetArgs(base: readonly string[], hostResolverRules: Record<string, string>, trustedSpkis: readonly string[]): string[] {
  return [...base, ...[hostResolverRulesArg(hostResolverRules), spkiListArg(trustedSpkis)].filter((a): a is string => !!a)];
}

export interface BrowserProviderOptions {
  /** The Chromium binary; default: `findChromium()` at first launch. */
  executablePath?: string;
  /** Host name → IP address, so Chromium reaches target names without the system resolver. Default: none. */
  hostResolverRules?: Record<string, string>;
  /** SPKI hashes of leaf certificates that verified against `target.caFile` (see `spkiListArg`). Default: none. */
  trustedSpkis?: readonly string[];
  /** Default true. */
  headless?: boolean;
  /** How long a launch may take, in milliseconds. Default 30000. */
  launchTimeoutMs?: number;
}

/**
 * Launches Chromium on first `get()` and hands out the same browser afterwards, relaunching
 * when it has disconnected (crashed or was closed). Concurrent `get()` calls share one launch.
 */
export class BrowserProvider {
  readonly #options: BrowserProviderOptions;
  #browser: Browser | null = null;
  #launching: Promise<Browser> | null = null;

  constructor(options: BrowserProviderOptions = {}) {
    this.#options = { ...options };
  }

  /** The arguments Chromium is launched with. */
  get args(): string[] {
    return targetArgs(CHROMIUM_ARGS, this.#options.hostResolverRules ?? {}, this.#options.trustedSpkis ?? []);
  }

  /** The running browser, launched now if there is none. Rejects with the launch error (e.g. `BrowserNotFoundError`). */
  async get(): Promise<Browser> {
    if (this.#browser?.isConnected()) return this.#browser;
    this.#launching ??= this.#launch().finally(() => {
      this.#launching = null;
    });
    return this.#launching;
  }

  async #launch(): Promise<Browser> {
    const executablePath = this.#options.executablePath ?? findChromium().path;
    const browser = await playwrightChromium().launch({
      executablePath,
      headless: this.#options.headless ?? true,
      args: this.args,
      timeout: this.#options.launchTimeoutMs ?? 30_000,
      // The monitor decides when the browser goes: on Ctrl-C it lets a journey in flight finish
      // (or abandons it unrecorded) instead of having Playwright kill Chromium under it.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    tolerateLateResults(browser);
    browser.on('disconnected', () => {
      if (this.#browser === browser) this.#browser = null;
    });
    this.#browser = browser;
    return browser;
  }

  /** Closes the browser if one is running; a later `get()` launches a new one. */
  async close(): Promise<void> {
    const pending = this.#launching;
    const browser = this.#browser ?? (pending ? await pending.catch(() => null) : null);
    this.#browser = null;
    if (browser?.isConnected()) await browser.close();
  }
}
