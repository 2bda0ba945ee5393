/**
 * Chromium inside Lambda: the binary and flags of `@sparticuz/chromium` (a layer in the
 * deployed function; unpacked to /tmp on first use), merged with our own flags, behind the
 * same `BrowserProvider` the CLI uses, so the journey runs unchanged. Kept warm across
 * invocations like any provider.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser } from 'playwright';
import { BrowserProvider, CHROMIUM_ARGS, targetArgs, type BrowserProviderOptions } from './browser.ts';

/** What we use of `@sparticuz/chromium`'s default export. */
export interface LambdaChromium {
  readonly args: string[];
  executablePath(input?: string): Promise<string>;
  setGraphicsMode?: boolean;
}

/**
 * Flags of the Lambda package we leave out. The monitor must see what a clinic's browser sees,
 * so same-origin rules and mixed-content blocking stay on; Playwright decides the headless mode.
 */
export const DROPPED_LAMBDA_FLAGS: readonly string[] = ['--disable-web-security', '--allow-running-insecure-content', '--headless'];

const LIST_FLAGS = new Set(['--disable-features', '--enable-features']);

const flagName = (arg: string) => arg.split('=', 1)[0]!;

/**
 * Our flags, then theirs that we neither set nor drop. `--disable-features` and
 * `--enable-features` lists are united; for any other flag both set, ours wins.
 */
export function mergeChromiumArgs(ours: readonly string[], theirs: readonly string[]): string[] {
  const out = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (const arg of [...ours, ...theirs.filter((a) => !DROPPED_LAMBDA_FLAGS.includes(flagName(a)))]) {
    const name = flagName(arg);
    if (LIST_FLAGS.has(name)) {
      const values = arg.slice(name.length + 1).split(',').filter(Boolean);
      lists.set(name, [...new Set([...(lists.get(name) ?? []), ...values])]);
      if (!out.has(name)) out.set(name, name);
      continue;
    }
    if (!out.has(name)) out.set(name, arg);
  }
  return [...out.entries()].map(([name, arg]) => (lists.has(name) ? `${name}=${lists.get(name)!.join(',')}` : arg));
}

export interface LambdaBrowserOptions extends Omit<BrowserProviderOptions, 'hostResolverRules' | 'trustedSpkis'> {
  /** The Lambda package's flags, merged with `CHROMIUM_ARGS`. */
  extraArgs?: readonly string[];
}

/**
 * A `BrowserProvider` with the Lambda package's flags, and host-resolver rules and trusted leaf
 * keys that can change between invocations (the answer of a configured DNS server may move, a
 * certificate is renewed or expires): a change restarts the browser at its next use.
 *
 * The Lambda package runs Chromium with `--single-process` (Lambda refuses the sandbox's
 * `prctl` otherwise), and a single-process Chromium serves Playwright one browser context only:
 * the second one's pages are "closed" at once. So with that flag every `get()` (one per journey
 * attempt) hands out a freshly launched browser; the unpacked binary is what stays warm.
 */
export class LambdaBrowserProvider extends BrowserProvider {
  readonly #extraArgs: readonly string[];
  readonly #oneContextPerBrowser: boolean;
  #rules: Record<string, string> = {};
  #spkis: string[] = [];
  #handedOut = false;

  constructor(options: LambdaBrowserOptions = {}) {
    const { extraArgs, ...rest } = options;
    super(rest);
    this.#extraArgs = extraArgs ?? [];
    this.#oneContextPerBrowser = this.#extraArgs.includes('--single-process');
  }

  override async get(): Promise<Browser> {
    if (this.#oneContextPerBrowser && this.#handedOut) await this.close();
    const browser = await super.get();
    this.#handedOut = true;
    return browser;
  }

  override get args(): string[] {
    return targetArgs(mergeChromiumArgs(CHROMIUM_ARGS, this.#extraArgs), this.#rules, this.#spkis);
  }

  /** Maps host names to addresses for Chromium; closes the running browser when the mapping changed. */
  async setHostResolverRules(rules: Record<string, string>): Promise<void> {
    if (JSON.stringify(rules) === JSON.stringify(this.#rules)) return;
    this.#rules = { ...rules };
    await this.close();
  }

  /** The leaf keys Chromium accepts (see `spkiListArg`); closes the running browser when they changed. */
  async setTrustedSpkis(spkis: readonly string[]): Promise<void> {
    const next = [...new Set(spkis)].sort();
    if (JSON.stringify(next) === JSON.stringify(this.#spkis)) return;
    this.#spkis = next;
    await this.close();
  }
}

/**
 * Unpacks the Lambda Chromium (to /tmp/chromium, once per container; a warm container finds it
 * there) and returns a provider for it. WebGL is switched off: the journey needs none.
 */
export async function createLambdaBrowser(options: { chromium?: LambdaChromium; launchTimeoutMs?: number } = {}): Promise<LambdaBrowserProvider> {
  const chromium = options.chromium ?? (await loadLambdaChromium());
  chromium.setGraphicsMode = false;
  const executablePath = await chromium.executablePath();
  return new LambdaBrowserProvider({
    executablePath,
    extraArgs: chromium.args,
    ...(options.launchTimeoutMs ? { launchTimeoutMs: options.launchTimeoutMs } : {}),
  });
}

/**
 * Loads `@sparticuz/chromium` here, not at the top, so the HTTP probe functions (no Chromium
 * layer) never need it. An ES module import does not search NODE_PATH, which is how a Lambda
 * layer's `/opt/nodejs/node_modules` is found; so when the import fails, `require` (which does)
 * gets the package's CommonJS build.
 */
export async function loadLambdaChromium(): Promise<LambdaChromium> {
  try {
    return (await import('@sparticuz/chromium')).default;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    const required = createRequire(path.join(process.cwd(), 'index.js'))('@sparticuz/chromium') as LambdaChromium | { default: LambdaChromium };
    return 'default' in required ? required.default : required;
  }
}
