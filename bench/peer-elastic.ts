/**
 * `peerElasticRatio`: our journey against a real peer, side by side. The peer is the same five
 * contract steps written as an @elastic/synthetics journey (bench/peer/flp.journey.ts, the same
 * steps and checks as bench/bare-journey.ts), run by that project's own runner. Each pair is one
 * new process per side, each doing one full journey with Chromium launched within it:
 *
 *   ours: `node --import tsx bench/cold-journey.ts` (probeJourney, as warm-cold.ts's cold side);
 *   peer: `node bench/peer/node_modules/@elastic/synthetics/dist/cli.js bench/peer/flp.journey.ts`
 *         (the package's bin, as `npx @elastic/synthetics` would run it, without npx's own start).
 *
 * Both are spawned the same way by this process and timed from spawn to exit (Node's start,
 * module loading, Chromium's launch, the journey, closing). Same Chromium binary (findChromium()),
 * same flags (CHROMIUM_ARGS and the sandbox's host-resolver rule), same context options, same
 * sandbox. The side that goes first alternates every pair; the figure is the median of the
 * per-pair ratios ours / peer. Either side failing a run fails the module with the reason.
 *
 * The peer is installed on demand into bench/peer/node_modules (`npm install --prefix bench/peer`,
 * Playwright's browser download skipped) and is never a dependency of flp-monitor; when it cannot
 * be installed the row says "skipped" and why.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { CHROMIUM_ARGS, CHROMIUM_PATH_VARIABLE, findChromium, targetArgs } from '../lib/adapters/browser.ts';
import { SYNTHETIC_HEADER, SYNTHETIC_HEADER_VALUE } from '../lib/core/context.ts';
import { JOURNEY_STEPS } from '../lib/core/contract.ts';
import { median, quantile, ROOT, round, sandboxHostRules, startBenchSandbox, type BenchModule, type Figure } from './support.ts';

export const GOAL = 1.0;
const PEER_DIR = path.join(ROOT, 'bench', 'peer');
const PEER_JOURNEY = path.join(PEER_DIR, 'flp.journey.ts');
const PEER_PACKAGE = '@elastic/synthetics';
const PEER_PKG_DIR = path.join(PEER_DIR, 'node_modules', ...PEER_PACKAGE.split('/'));
/** The install command, as it is run (cwd: the repository root). */
const INSTALL_ARGS = ['install', '--prefix', path.relative(ROOT, PEER_DIR), '--no-audit', '--no-fund'];
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const CHILD_TIMEOUT_MS = 90_000;

interface Exited {
  wallMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns `node …args` and times it from just before spawn to the child's exit. Both sides go
 * through this, so their process starts are counted alike. The child leads its own process
 * group, so a timeout kills Chromium with it.
 */
function timedNode(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let wallMs = Number.NaN;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, CHILD_TIMEOUT_MS);
    child.on('exit', () => {
      wallMs = performance.now() - t0;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ wallMs, code, signal, stdout, stderr });
    });
  });
}

const tail = (text: string, lines = 6): string => text.trim().split('\n').slice(-lines).join(' | ').slice(0, 800);

function installedPeerVersion(): string | null {
  try {
    return (JSON.parse(readFileSync(path.join(PEER_PKG_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function pinnedPeerVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PEER_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return pkg.dependencies[PEER_PACKAGE]!;
}

function versionOf(pkgJson: string): string | null {
  try {
    return (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * Installs the pinned peer when it is missing (or another version is there). Returns how it got
 * there, or throws with why it cannot be had.
 */
async function ensurePeer(log: (line: string) => void): Promise<{ installedNow: boolean; installSeconds: number | null; command: string }> {
  const command = `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ${INSTALL_ARGS.join(' ')}`;
  const pinned = pinnedPeerVersion();
  if (installedPeerVersion() === pinned) return { installedNow: false, installSeconds: null, command };
  log(`peer-elastic: installing ${PEER_PACKAGE}@${pinned} into bench/peer/node_modules (${command})`);
  const t0 = performance.now();
  try {
    await promisify(execFile)('npm', INSTALL_ARGS, {
      cwd: ROOT,
      // Under `npm run -s bench` npm's loglevel "silent" is inherited: ask for the errors back, for the reason.
      env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', npm_config_loglevel: 'error' },
      timeout: INSTALL_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: unknown };
    // npm's own summary: its error code and message, not the stack or the log file's name.
    const said = (e.stderr ?? '')
      .split('\n')
      .filter((l) => /^npm error (code |.*(Error|reason|not found|404|ETARGET))/.test(l) && !/^npm error\s+at /.test(l))
      .slice(0, 3)
      .map((l) => l.replace(/^npm error /, ''));
    throw new Error(`npm install exited with ${String(e.code ?? e.message)}: ${said.join('; ') || tail(e.stderr || e.message, 3) || 'no output'}`);
  }
  const got = installedPeerVersion();
  if (got !== pinned) throw new Error(`npm install finished but ${PEER_PACKAGE} ${got ?? 'is absent'} (wanted ${pinned})`);
  return { installedNow: true, installSeconds: round((performance.now() - t0) / 1000, 1), command };
}

function skipped(reason: string): Figure {
  return {
    key: 'peerElasticRatio',
    label: 'our journey / the @elastic/synthetics journey, a new process each (skipped)',
    value: null,
    shown: `skipped: ${reason}`,
    goal: `≤ ${GOAL.toFixed(1)}`,
    met: null,
    details: { skipped: reason },
  };
}

/** The runner's junit report: every contract step a passed testcase, nothing failed or skipped. */
function peerVerdict(run: Exited): { ok: boolean; error: string | null; stepSeconds: Record<string, number> } {
  const stepSeconds: Record<string, number> = {};
  for (const m of run.stdout.matchAll(/<testcase name="([^"]*)" classname="[^"]*" time="([^"]*)">/g)) stepSeconds[m[1]!] = Number(m[2]);
  const suites = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" skipped="(\d+)" errors="(\d+)"/.exec(run.stdout);
  const why = (text: string) => ({ ok: false, error: text, stepSeconds });
  if (run.code !== 0) return why(`the peer exited with ${run.code ?? run.signal}: ${tail(run.stdout + '\n' + run.stderr)}`);
  if (!suites) return why(`no junit report from the peer: ${tail(run.stdout + '\n' + run.stderr)}`);
  const [, tests, failures, skippedSteps, errors] = suites.map(Number);
  if (tests !== JOURNEY_STEPS.length || failures || skippedSteps || errors) return why(`the peer's report: ${tests} steps, ${failures} failed, ${skippedSteps} skipped, ${errors} errors`);
  const missing = JOURNEY_STEPS.filter((s) => !(s in stepSeconds));
  if (missing.length) return why(`the peer's report lacks step(s) ${missing.join(', ')}`);
  return { ok: true, error: null, stepSeconds };
}

export const peerElastic: BenchModule = {
  name: 'peer-elastic',
  expectedSeconds: 150,
  async run({ quick, log }): Promise<Figure[]> {
    if (!existsSync(PEER_JOURNEY)) return [skipped('bench/peer/flp.journey.ts is missing')];
    let install: Awaited<ReturnType<typeof ensurePeer>>;
    try {
      install = await ensurePeer(log);
    } catch (err) {
      const reason = `${PEER_PACKAGE} could not be installed: ${(err as Error).message}`;
      log(`peer-elastic: ${reason}`);
      return [skipped(reason)];
    }
    const cli = path.join(PEER_PKG_DIR, (JSON.parse(readFileSync(path.join(PEER_PKG_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin[PEER_PACKAGE]!);

    const pairs = quick ? 3 : 11;
    const chromium = findChromium();
    const sb = await startBenchSandbox();
    const peerCwd = await mkdtemp(path.join(os.tmpdir(), 'flp-peer-'));
    try {
      const hostRules = sandboxHostRules(sb.config);
      const { timeouts: _timeouts, ...raw } = sb.fixture.raw;
      // Both sides: the same Chromium binary, named explicitly.
      const env = { ...process.env, [CHROMIUM_PATH_VARIABLE]: chromium.path, NO_COLOR: '1' };
      const oursEnv = { ...env, FLP_BENCH_CONFIG: JSON.stringify({ raw, baseDir: sb.fixture.dir, dnsServer: sb.fixture.sandbox.dnsServer, hostRules }) };
      const { clinic, cpr, lpsSystem, selectors } = sb.config.journey;
      const peerParams = { baseUrl: sb.config.target.baseUrl, clinic, cpr, lpsSystem, selectors };
      const playwrightOptions = {
        executablePath: chromium.path,
        // What BrowserProvider launches ours with: CHROMIUM_ARGS plus the sandbox's host-resolver rule.
        args: targetArgs(CHROMIUM_ARGS, hostRules, []),
        // What probeJourney opens its context with (the runner applies these to its context).
        extraHTTPHeaders: { [SYNTHETIC_HEADER]: SYNTHETIC_HEADER_VALUE },
        viewport: { width: 1280, height: 900 },
        serviceWorkers: 'block',
      };
      const peerArgs = [cli, PEER_JOURNEY, '--reporter', 'junit', '--params', JSON.stringify(peerParams), '--playwright-options', JSON.stringify(playwrightOptions)];

      const ours = async (): Promise<{ wallMs: number; journeyMs: number; moduleLoadMs: number }> => {
        const run = await timedNode(['--import', 'tsx', path.join(ROOT, 'bench', 'cold-journey.ts')], { cwd: ROOT, env: oursEnv });
        let line: { ok: boolean; error: string | null; journeyMs: number; processUptimeAtLoadMs: number } | null = null;
        try {
          line = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '');
        } catch {
          // reported below
        }
        if (run.code !== 0 || !line) throw new Error(`our journey's process exited with ${run.code ?? run.signal}: ${tail(run.stdout + '\n' + run.stderr)}`);
        if (!line.ok) throw new Error(`our journey failed against the healthy sandbox: ${line.error}`);
        return { wallMs: run.wallMs, journeyMs: line.journeyMs, moduleLoadMs: line.processUptimeAtLoadMs };
      };
      const peer = async (): Promise<{ wallMs: number; stepSeconds: Record<string, number> }> => {
        const run = await timedNode(peerArgs, { cwd: peerCwd, env });
        const v = peerVerdict(run);
        if (!v.ok) throw new Error(`the @elastic/synthetics journey failed against the healthy sandbox: ${v.error}`);
        return { wallMs: run.wallMs, stepSeconds: v.stepSeconds };
      };

      // Warm-up, one each: the sandbox's first pages, the OS file cache for Chromium, node_modules and the peer.
      const warmup = { oursMs: Math.round((await ours()).wallMs), peerMs: Math.round((await peer()).wallMs) };
      log(`peer-elastic warm-up: ours ${warmup.oursMs} ms, peer ${warmup.peerMs} ms`);
      const oursRuns: Awaited<ReturnType<typeof ours>>[] = [];
      const peerRuns: Awaited<ReturnType<typeof peer>>[] = [];
      const ratios: number[] = [];
      const order: string[] = [];
      for (let i = 0; i < pairs; i++) {
        if (i % 2 === 0) {
          oursRuns.push(await ours());
          peerRuns.push(await peer());
          order.push('ours,peer');
        } else {
          peerRuns.push(await peer());
          oursRuns.push(await ours());
          order.push('peer,ours');
        }
        ratios.push(oursRuns.at(-1)!.wallMs / peerRuns.at(-1)!.wallMs);
        log(`peer-elastic pair ${i + 1}/${pairs} (${order.at(-1)}): ours ${Math.round(oursRuns.at(-1)!.wallMs)} ms, peer ${Math.round(peerRuns.at(-1)!.wallMs)} ms, ratio ${round(ratios.at(-1)!, 3)}`);
      }
      const ratio = median(ratios);
      const oursMedian = median(oursRuns.map((r) => r.wallMs));
      const peerMedian = median(peerRuns.map((r) => r.wallMs));
      const chromiumVersion = await promisify(execFile)(chromium.path, ['--version'], { timeout: 10_000 }).then(
        (r) => r.stdout.trim(),
        () => null,
      );
      const peerStepMedians = Object.fromEntries(JOURNEY_STEPS.map((s) => [s, round(median(peerRuns.map((r) => (r.stepSeconds[s] ?? Number.NaN) * 1000)), 1)]));
      return [
        {
          key: 'peerElasticRatio',
          label: 'our journey / the @elastic/synthetics journey, a new process each, spawn to exit',
          value: round(ratio, 3),
          shown: `${round(ratio, 2)} (${Math.round(oursMedian)} vs ${Math.round(peerMedian)} ms)`,
          goal: `≤ ${GOAL.toFixed(1)}`,
          met: ratio <= GOAL,
          details: {
            pairs,
            order,
            ratios: ratios.map((r) => round(r, 3)),
            ratioP25: round(quantile(ratios, 0.25), 3),
            ratioP75: round(quantile(ratios, 0.75), 3),
            medianOursMs: round(oursMedian, 1),
            medianPeerMs: round(peerMedian, 1),
            oursSamplesMs: oursRuns.map((r) => Math.round(r.wallMs)),
            peerSamplesMs: peerRuns.map((r) => Math.round(r.wallMs)),
            // Inside our process: up to the end of module loading, and probeJourney itself (Chromium's launch included).
            oursMedianModuleLoadMs: round(median(oursRuns.map((r) => r.moduleLoadMs)), 1),
            oursMedianJourneyMs: round(median(oursRuns.map((r) => r.journeyMs)), 1),
            // The peer's own step times (its junit report), median per step.
            peerStepMediansMs: peerStepMedians,
            warmup,
            versions: {
              node: process.version,
              chromium: chromiumVersion,
              chromiumPath: chromium.path,
              ourPlaywright: versionOf(path.join(ROOT, 'node_modules', 'playwright-core', 'package.json')),
              peer: `${PEER_PACKAGE}@${installedPeerVersion()}`,
              peerPlaywright: versionOf(path.join(PEER_DIR, 'node_modules', 'playwright-core', 'package.json')),
            },
            peerInstall: {
              pinned: `${PEER_PACKAGE}@${pinnedPeerVersion()} (bench/peer/package.json)`,
              into: 'bench/peer/node_modules (gitignored; not a dependency of flp-monitor)',
              command: install.command,
              installedNow: install.installedNow,
              installSeconds: install.installSeconds,
            },
            commands: {
              ours: 'node --import tsx bench/cold-journey.ts (FLP_BENCH_CONFIG: the sandbox config)',
              peer: `node ${path.relative(ROOT, cli)} bench/peer/flp.journey.ts --reporter junit --params <sandbox, identity, selectors> --playwright-options ${JSON.stringify({ ...playwrightOptions, executablePath: chromium.path })}`,
            },
            method:
              'each pair: one new process per side doing one full journey (Chromium launched within it), spawned alike by the bench and timed from spawn to exit; the first side alternates; ratio = ours / peer per pair, median of the pairs; one warm-up run each first. Both sides use findChromium()\'s binary with CHROMIUM_ARGS and the sandbox host-resolver rule, the same context options, and the same sandbox. The peer runs with its defaults (screenshots at each step\'s end; its network throttling is a no-op in this version) and the junit reporter, which the bench reads to check that all five steps passed; ours records its trace as in production. A failed run on either side fails the module',
          },
        },
      ];
    } finally {
      await rm(peerCwd, { recursive: true, force: true });
      await sb.close();
    }
  },
};
