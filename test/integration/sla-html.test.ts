/**
 * The HTML report opened in Chromium as a reader would: the charts are drawn (SVG marks with
 * real size: a bar per day, step latency marks, incidents on the timeline), nothing runs over
 * the page on a laptop screen, in a narrow window or printed on A4, and a screenshot is kept
 * under the OS temp directory for a human to look at.
 */
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../lib/adapters/browser.ts';
import { parseConfig } from '../../lib/core/config.ts';
import { historyFromRecords } from '../../lib/adapters/local-history.ts';
import { releaseRecord } from '../../lib/core/records.ts';
import { computeSla, type SlaReport } from '../../lib/reports/sla/compute.ts';
import { renderHtml } from '../../lib/reports/sla/render-html.ts';
import { monthRange } from '../../lib/reports/sla/time.ts';
import { rawConfig } from '../support/config.ts';
import { buildRecords } from '../support/sla-records.ts';

let browser: Browser;
let dir: string;
let file: string;
let report: SlaReport;

beforeAll(async () => {
  const config = parseConfig(
    rawConfig({
      schedule: { journeySeconds: 300, syncSeconds: 300, nodesSeconds: 300 },
      maintenance: {
        weekly: [{ day: 'sun', start: '02:00', durationMinutes: 120, reason: 'ugentlig patchning' }],
        windows: [{ start: '2026-10-14T20:00:00+02:00', end: '2026-10-14T23:00:00+02:00', reason: 'database upgrade' }],
      },
    }),
  );
  const { from, to } = monthRange('2026-10')!;
  const long = 'overview: the page showed [data-testid="app-error"] "Der opstod en fejl" after GET /api/patients/2512489996/overview?clinic=012345 answered 500 from flp-2 with a very long body that keeps going';
  const records = buildRecords({
    config,
    from,
    to,
    outages: [
      { service: 'journey', from: '2026-10-03T10:00:00+02:00', to: '2026-10-03T11:30:00+02:00', class: 'infrastructure', summary: 'launch: 503 from the load balancer' },
      { service: 'journey', from: '2026-10-09T08:00:00+02:00', to: '2026-10-09T08:20:00+02:00', class: 'application', summary: long },
      { service: 'journey', from: '2026-10-14T20:00:00+02:00', to: '2026-10-14T22:00:00+02:00', class: 'infrastructure', summary: 'database down (maintenance)' },
      { service: 'journey', from: '2026-10-25T02:10:00+01:00', to: '2026-10-25T02:40:00+01:00', class: 'sync', summary: 'lab data older than 2 h' },
      { service: 'lb', from: '2026-10-03T10:00:00+02:00', to: '2026-10-03T11:00:00+02:00', class: 'infrastructure', summary: 'lb: 503' },
      { service: 'node:flp-2', from: '2026-10-20T13:00:00+02:00', to: '2026-10-20T13:05:00+02:00', class: 'infrastructure', summary: 'connection refused' },
      { service: 'sync:lab', from: '2026-10-25T02:00:00+01:00', to: '2026-10-25T03:00:00+01:00', class: 'sync', summary: 'lab sync failed' },
    ],
    gaps: [{ from: '2026-10-17T00:00:00+02:00', to: '2026-10-17T06:00:00+02:00' }],
  });
  records.push(releaseRecord({ timestamp: '2026-10-12T06:00:00.000Z', environment: 'test', version: '2026.4.2', verdict: 'pass', summary: 'release 2026.4.2 passed' }));
  report = await computeSla({ config, history: historyFromRecords(records, config, 'local store .flp-monitor/metrics'), from, to, title: 'October 2026', now: new Date('2026-11-15T00:00:00Z') });
  dir = await mkdtemp(path.join(os.tmpdir(), 'flp-sla-html-'));
  file = path.join(dir, 'r.html');
  await writeFile(file, renderHtml(report));
  browser = await chromium.launch({ executablePath: findChromium().path, args: [...CHROMIUM_ARGS] });
});
afterAll(async () => {
  await browser?.close();
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function boxes(page: Page, selector: string): Promise<Box[]> {
  return page.$$eval(selector, (els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, width: r.width, height: r.height })));
}

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;

/** Elements wider than the page, or pushing it sideways. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    for (const el of Array.from(document.querySelectorAll('main *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5) out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.getAttribute('class') ?? ''} ends at ${Math.round(r.right)} > ${width}`);
    }
    return out.slice(0, 5);
  });
}

/** Cells meant to stay on one line (owners, kinds, times' clock part) that the table squeezed onto several. */
async function squeezed(page: Page): Promise<string[]> {
  return page.$$eval('td.word, td .word, .class', (els) =>
    els
      .filter((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size > 1;
      })
      .map((el) => el.textContent ?? ''),
  );
}

describe('the HTML report in Chromium', () => {
  it('draws a bar per day, a p50 bar and p95 mark per step, and every incident on the timeline; keeps a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(pathToFileURL(file).href);
      expect(await page.title()).toBe('FLP availability: October 2026 (test)');
      expect(await page.textContent('[data-testid="flp-availability"]')).toMatch(/^99\.\d{3} %$/);

      const days = await boxes(page, '#chart-days rect.bar-day');
      expect(days).toHaveLength(31);
      const daysSvg = (await boxes(page, '#chart-days'))[0]!;
      for (const b of days) {
        expect(b.width).toBeGreaterThan(2);
        expect(b.height).toBeGreaterThan(0);
        expect(inside(b, daysSvg)).toBe(true);
      }
      // The day with 90 minutes down is lower than a clean day; the day the monitor was down shows its unmeasured cap.
      const dates = await page.$$eval('#chart-days rect.bar-day', (els) => els.map((e) => e.getAttribute('data-date')));
      const bad = days[dates.indexOf('2026-10-03')]!;
      const clean = days[dates.indexOf('2026-10-02')]!;
      expect(bad.height).toBeLessThan(clean.height);
      expect(await boxes(page, '#chart-days rect.bar-missing')).toHaveLength(1);

      const p50 = await boxes(page, '#chart-latency rect.lat-p50');
      const p95 = await boxes(page, '#chart-latency rect.lat-p95');
      expect(p50).toHaveLength(5);
      expect(p95).toHaveLength(5);
      p50.forEach((b, i) => {
        expect(b.width).toBeGreaterThan(0);
        expect(b.height).toBeGreaterThan(0);
        expect(p95[i]!.height).toBeGreaterThan(0);
        expect(p95[i]!.x + p95[i]!.width / 2).toBeGreaterThanOrEqual(b.x + b.width - 1);
      });

      const timeline = (await boxes(page, '#chart-timeline'))[0]!;
      const marks = await boxes(page, '#chart-timeline rect.incident');
      expect(marks).toHaveLength(report.incidents.length);
      for (const m of marks) {
        expect(m.width).toBeGreaterThan(1);
        expect(m.height).toBeGreaterThan(0);
        expect(inside(m, timeline)).toBe(true);
      }
      // The release the canary recorded is marked across the lanes.
      const release = await boxes(page, '#chart-timeline line.release');
      expect(release).toHaveLength(1);
      expect(release[0]!.height).toBeGreaterThan(50);
      expect(inside(release[0]!, timeline)).toBe(true);
      // The failure inside the maintenance window is drawn hollow: it does not count.
      expect(await page.$$eval('#chart-timeline rect.incident.uncounted', (els) => els.length)).toBeGreaterThanOrEqual(1);
      expect(await page.textContent('main')).toContain('launch: 503 from the load balancer');

      expect(await overflow(page)).toEqual([]);
      expect(await squeezed(page)).toEqual([]);
      const shot = path.join(dir, 'sla-report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(20_000);
      expect(shot.startsWith(os.tmpdir())).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('fits a narrow window and an A4 page in print, charts included', async () => {
    const page = await browser.newPage({ viewport: { width: 760, height: 1000 } });
    try {
      await page.goto(pathToFileURL(file).href);
      expect(await overflow(page)).toEqual([]);
      // A4 at 96 dpi less 14 mm margins is about 688 px wide.
      await page.setViewportSize({ width: 688, height: 1000 });
      await page.emulateMedia({ media: 'print' });
      expect(await overflow(page)).toEqual([]);
      expect(await squeezed(page)).toEqual([]);
      for (const id of ['#chart-days', '#chart-latency', '#chart-timeline']) expect((await boxes(page, id))[0]!.width).toBeGreaterThan(600);
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await page.close();
    }
  });
});
