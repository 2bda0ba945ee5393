/**
 * The live view of `npm start` and `run`: the verdict coloured on a terminal that allows it,
 * plain under NO_COLOR (the screen redraw stays: it is cursor control, not colour), and plain
 * lines on a pipe. The target is a closed loopback port, so every node probe fails at once.
 */
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lib/core/config.ts';
import { runSchedule } from '../../../../lib/cli/schedule.ts';
import type { OutputStyle } from '../../../../lib/cli/terminal.ts';
import { rawConfig } from '../../../support/config.ts';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the schedule until its first frame (or line) and returns what it wrote. */
async function firstFrame(style: OutputStyle): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-schedule-'));
  const url = `http://127.0.0.1:${await closedPort()}`;
  const config = parseConfig(
    rawConfig({
      target: { baseUrl: url, nodes: [{ name: 'flp-1', url }] },
      journey: { enabled: false, clinic: '012345', cpr: '2512489996', lpsSystem: 'test-journal' },
      sync: [],
      retry: { retries: 0 },
      store: { dir: path.join(dir, 'store') },
    }),
    { baseDir: dir },
  );
  const stop = new AbortController();
  let out = '';
  const io = {
    out: (s: string) => {
      out += s;
      if (/schedule: |FAIL /.test(out)) stop.abort();
    },
    err: () => undefined,
    style,
  };
  await runSchedule(config, io, { signal: stop.signal });
  return out;
}

describe('the scheduled run', () => {
  it('colours the verdict of the live view on a colour terminal', async () => {
    const out = await firstFrame({ terminal: true, width: 100, colour: true });
    expect(out.startsWith('\x1b[H\x1b[2J')).toBe(true);
    expect(out).toContain('\x1b[1;31mFAIL infrastructure / PLSP');
  });

  it('draws the live view without colour under NO_COLOR, still fitting the terminal', async () => {
    const out = await firstFrame({ terminal: true, width: 100, colour: false });
    expect(out.startsWith('\x1b[H\x1b[2J')).toBe(true);
    expect(out.slice('\x1b[H\x1b[2J'.length)).not.toContain('\x1b');
    expect(out).toMatch(/^FAIL infrastructure \/ PLSP/m);
    const tableRows = out.split('\n').filter((l) => /^(node:|lb|release)/.test(l));
    expect(tableRows.length).toBeGreaterThan(0);
    for (const l of tableRows) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('writes plain lines, no escapes at all, when stdout is not a terminal', async () => {
    const out = await firstFrame({ terminal: false, width: undefined, colour: false });
    expect(out).not.toContain('\x1b');
    expect(out).toMatch(/^\d\d:\d\d:\d\d \w+ +FAIL infrastructure \/ PLSP/m);
  });
});

describe('the journey re-check under npm start and run', () => {
  it('runs a failing journey again after journeyRecheckSeconds, not after journeySeconds', async () => {
    // A journey whose browser cannot start fails at once (a monitor failure): no Chromium is needed.
    const saved = process.env.FLP_CHROMIUM_PATH;
    process.env.FLP_CHROMIUM_PATH = '/nonexistent/chromium';
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flp-schedule-recheck-'));
    const url = `http://127.0.0.1:${await closedPort()}`;
    const config = parseConfig(
      rawConfig({
        target: { baseUrl: url, nodes: [{ name: 'flp-1', url }] },
        sync: [],
        retry: { retries: 0 },
        schedule: { journeySeconds: 60, journeyRecheckSeconds: 1, syncSeconds: 60, nodesSeconds: 60 },
        store: { dir: path.join(dir, 'store') },
      }),
      { baseDir: dir },
    );
    const stop = new AbortController();
    const journeyLines: number[] = [];
    let out = '';
    const io = {
      out: (s: string) => {
        out += s;
        if (/^\d\d:\d\d:\d\d journey /.test(s)) journeyLines.push(Date.now());
        if (journeyLines.length >= 3) stop.abort();
      },
      err: () => undefined,
      style: { terminal: false, width: undefined, colour: false } as OutputStyle,
    };
    const giveUp = setTimeout(() => stop.abort(), 20_000);
    try {
      await runSchedule(config, io, { signal: stop.signal });
    } finally {
      clearTimeout(giveUp);
      if (saved === undefined) delete process.env.FLP_CHROMIUM_PATH;
      else process.env.FLP_CHROMIUM_PATH = saved;
    }
    // Three journeys within seconds of each other, each a second or so after the one before: a 60 s schedule would have run one.
    expect(journeyLines.length, out).toBe(3);
    for (let i = 1; i < journeyLines.length; i++) expect(journeyLines[i]! - journeyLines[i - 1]!).toBeLessThan(10_000);
    expect(out).toMatch(/journey FAIL .*also failing: journey \(monitor\)/);
  }, 30_000);
});
