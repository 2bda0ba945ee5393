/**
 * Playwright's trace viewer, `playwright show-trace`, serving one trace.zip on loopback, so a test
 * can open a kept trace the way the person who gets the page does, in a browser of its own.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const PLAYWRIGHT_BIN = path.resolve(import.meta.dirname, '../../node_modules/.bin/playwright');

export interface TraceViewer {
  /** Where the viewer is served (`http://127.0.0.1:<port>`); it redirects to the viewer with the trace loaded. */
  url: string;
  /** Stops the server and waits for its process to end. */
  close(): Promise<void>;
}

/**
 * Starts `playwright show-trace --host 127.0.0.1 --port 0 <trace>` and resolves with the URL it
 * prints, within `timeoutMs` (default 10000). In this server mode the CLI also hands the URL to
 * the desktop's browser through xdg-open; with no display and `BROWSER=true` (xdg-open's own
 * setting for which browser to run: here the `true` command) that opens nothing.
 */
export async function serveTraceViewer(trace: string, timeoutMs = 10_000): Promise<TraceViewer> {
  const env: NodeJS.ProcessEnv = { ...process.env, BROWSER: 'true' };
  for (const name of ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION']) delete env[name];
  const child = spawn(PLAYWRIGHT_BIN, ['show-trace', '--host', '127.0.0.1', '--port', '0', trace], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let output = '';
  let timer: NodeJS.Timeout | undefined;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`show-trace printed no URL within ${timeoutMs} ms: ${output}`)), timeoutMs);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /Listening on (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`show-trace ended (${signal ?? code}) before it served: ${output}`)));
    });
    return { url, close };
  } catch (err) {
    await close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
