/**
 * The fast start of `flp-monitor --help` and `--version`: lib/cli/bin.mjs answers them from
 * lib/cli/top-level.mjs without loading TypeScript. Each case here runs the command as a separate
 * process both ways, bin.mjs and main.ts through tsx (what bin.mjs did for every start before),
 * and asserts the same stdout, stderr and exit code, on a pipe and on terminals of two widths;
 * that every other command line still goes to main.ts; and that an edited top-level.mjs or
 * package.json shows at the next start, with nothing to rebuild. No timing here: bench/cli-start.ts.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'lib', 'cli', 'bin.mjs');
/** main.ts as bin.mjs ran it for every start before the fast path: through tsx, nothing else. */
const FULL = `const { main } = await import(${JSON.stringify(path.join(root, 'lib', 'cli', 'main.ts'))}); process.exit(await main(process.argv.slice(1)));`;
const full = (args: string[]) => ['--import', 'tsx', '--input-type=module', '-e', FULL, '--', ...args];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function node(args: string[], cwd = root): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: 60_000, env: { ...process.env, NO_COLOR: undefined } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The same on a pseudo-terminal (`script`) `cols` wide; stdout and stderr arrive together. */
function onTerminal(args: string[], cols: number): Promise<Run> {
  const command = `stty cols ${cols} rows 50; exec ${[process.execPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')}`;
  return new Promise((resolve) => {
    execFile('script', ['-qfec', command, '/dev/null'], { cwd: root, timeout: 60_000, env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: undefined } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('flp-monitor --help and --version without TypeScript (separate processes)', { timeout: 120_000 }, () => {
  it('print what main.ts prints, with its exit code, on a pipe', async () => {
    for (const flag of ['--help', '-h', '--version', '-V']) {
      const [fast, slow] = await Promise.all([node([bin, flag]), node(full([flag]))]);
      expect(slow.code, slow.stderr).toBe(0);
      expect(fast, flag).toEqual(slow);
    }
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect((await node([bin, '--version'])).stdout).toBe(`${version}\n`);
  });

  it('wrap the help the way main.ts does on a narrow and a wide terminal', async () => {
    const shown: string[] = [];
    for (const cols of [50, 160]) {
      const [fast, slow] = await Promise.all([onTerminal([bin, '--help'], cols), onTerminal(full(['--help']), cols)]);
      expect(slow.code, slow.stdout).toBe(0);
      expect(slow.stdout).toContain('Commands:');
      expect(fast, `${cols} columns`).toEqual(slow);
      shown.push(fast.stdout);
    }
    expect(shown[0]).not.toBe(shown[1]); // the width did reach commander
  });

  it('leave every other command line to main.ts: subcommand help, usage errors, no arguments', async () => {
    // Each side loads TypeScript here: one pair at a time, a few seconds a pair on a busy machine.
    const cases = [['run', '--help'], ['sandbox', 'fault', '--help'], ['help'], [], ['--bogus'], ['--help', '--bogus']];
    const runs: (readonly [Run, Run])[] = [];
    for (const args of cases) runs.push(await Promise.all([node([bin, ...args]), node(full(args))]));
    runs.forEach(([fast, slow], i) => expect(fast, cases[i]!.join(' ') || '(no arguments)').toEqual(slow));
    expect(runs[0]![0]).toMatchObject({ code: 0, stdout: expect.stringContaining('--once') });
    expect(runs[4]![0]).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown option '--bogus'") });
  });
});

describe('the fast path reads its sources at every start', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flp-cli-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows an edited package.json and top-level.mjs at the next start, nothing rebuilt', async () => {
    // A checkout of its own: bin.mjs and top-level.mjs beside a package.json, commander from ours.
    cpSync(path.join(root, 'lib', 'cli', 'bin.mjs'), path.join(dir, 'lib', 'cli', 'bin.mjs'));
    cpSync(path.join(root, 'lib', 'cli', 'top-level.mjs'), path.join(dir, 'lib', 'cli', 'top-level.mjs'));
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const copy = path.join(dir, 'lib', 'cli', 'bin.mjs');
    const moduleFile = path.join(dir, 'lib', 'cli', 'top-level.mjs');

    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'flp-monitor', version: '9.9.1', type: 'module' }));
    expect(await node([copy, '--version'], dir)).toEqual({ code: 0, stdout: '9.9.1\n', stderr: '' });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'flp-monitor', version: '9.9.2', type: 'module' }));
    expect(await node([copy, '-V'], dir)).toEqual({ code: 0, stdout: '9.9.2\n', stderr: '' });

    const before = await node([copy, '--help'], dir);
    expect(before.code).toBe(0);
    expect(before.stdout).toContain('the bundled reference FLP target');
    writeFileSync(moduleFile, readFileSync(moduleFile, 'utf8').replace("description: 'the bundled reference FLP target'", "description: 'an edited description'"));
    const after = await node([copy, '--help'], dir);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('sandbox           an edited description');
    expect(after.stdout).not.toContain('the bundled reference FLP target');
  });
});
