/**
 * End to end: real probe runs against the sandbox, written to the local store as `npm start`
 * writes them, one run per scheduled interval, with a fault injected and cleared; then
 * `flp-monitor sla --from … --to … --format html --out r.html` shows the incident with its class
 * and owner and an availability below 100 %, and `--format csv` holds the same.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { parseConfig } from '../../lib/core/config.ts';
import { LocalStore } from '../../lib/adapters/local-store.ts';
import { Monitor } from '../../lib/runtime/monitor.ts';
import { startSandboxFixture, type SandboxFixture } from '../support/sandbox.ts';

const PERIOD_S = 8;
let fx: SandboxFixture;
let from: Date;
let to: Date;

beforeAll(async () => {
  fx = await startSandboxFixture({ schedule: { journeySeconds: PERIOD_S, syncSeconds: PERIOD_S, nodesSeconds: PERIOD_S } });
  const config = parseConfig(fx.raw, { file: fx.configFile });
  const store = new LocalStore(config.store.dir);
  // The runs are stamped one interval apart by the monitor's clock, in intervals that are already
  // over: however long a run takes on a busy machine, each lands in its own interval, and the
  // report can be asked for at once.
  const periodMs = PERIOD_S * 1000;
  let stamp = 0;
  const clock = { now: () => new Date(stamp) };
  const monitor = new Monitor(config, { clock, sinks: [{ write: (records) => store.append(records) }] });
  try {
    // healthy, database down, database down, healthy: one run of every probe per interval, as the schedule runs them.
    const plan = [null, 'db-down', 'db-down', null] as const;
    from = new Date((Math.floor(Date.now() / periodMs) - plan.length - 1) * periodMs);
    for (const [i, fault] of plan.entries()) {
      stamp = from.getTime() + i * periodMs + 20;
      if (fault) fx.sandbox.setFault(fault);
      else fx.sandbox.clearFaults();
      await monitor.runOnce();
    }
    to = new Date(from.getTime() + plan.length * periodMs);
    fx.sandbox.clearFaults();
  } finally {
    await monitor.close();
  }
}, 90_000);
afterAll(async () => {
  await fx?.sandbox.close();
});

async function sla(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['sla', '--config', fx.configFile, '--from', from.toISOString(), '--to', to.toISOString(), ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('flp-monitor sla after a fault injected and cleared', () => {
  it('writes an HTML report showing the incident with its class and owner and availability below 100 %', async () => {
    const file = path.join(fx.dir, 'r.html');
    const r = await sla(['--format', 'html', '--out', file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/wrote .*r\.html \(html\): FLP 50\.000 %/);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/<div class="big bad" data-testid="flp-availability">50\.000 %<\/div>/);
    const incidents = html.slice(html.indexOf('<table class="incidents">'), html.indexOf('</table>', html.indexOf('<table class="incidents">')));
    const journeyRow = incidents.split('<tr>').find((row) => row.includes('FLP journey'));
    expect(journeyRow).toBeDefined();
    expect(journeyRow).toContain('>infrastructure</span>');
    expect(journeyRow).toContain('<td class="word">PLSP</td>');
    expect(journeyRow).toMatch(/16&nbsp;s/);
    // The journey saw the application's error page; the nodes saw the database down at the same time.
    expect(journeyRow).toMatch(/root cause infrastructure on [^:]+: [^;]*database down[^;]*; the journey saw: /);
  });

  it('holds the same in CSV for a spreadsheet, and in JSON', async () => {
    const csv = await sla(['--format', 'csv']);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out.startsWith('\uFEFFsection,key,value\r\n')).toBe(true);
    expect(csv.out).toMatch(/\r\nincident,journey,[^,]+,[^,]+,0.27,infrastructure,PLSP,2,yes,/);
    const json = await sla(['--format', 'json']);
    const doc = JSON.parse(json.out) as { flp: { availabilityPercent: number }; services: { id: string; runs: number; failedRuns: number; missingMs: number }[]; downtimeByOwner: unknown[] };
    expect(doc.flp.availabilityPercent).toBe(50);
    expect(doc.services.find((s) => s.id === 'journey')).toMatchObject({ runs: 4, failedRuns: 2, missingMs: 0 });
    expect(doc.services.find((s) => s.id === 'node:flp-1')).toMatchObject({ runs: 4, failedRuns: 2 });
    expect(doc.downtimeByOwner).toEqual([{ owner: 'PLSP', journeyMs: 16_000, overallMs: 16_000, journeyOverrunMs: 0, overrunMs: 0 }]);
  });
});
