/**
 * One FLP application node: the LPS launch, the app page and script, the JSON API and the
 * health endpoint, with the application-level faults applied. Every node shares the World
 * (one database), so a plan created on one node can be printed and deleted on another.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, sendText } from './http-util.ts';
import { ALL_SECTIONS, appShellHtml, clientScript, landingHtml } from './page.ts';
import { buildOverview, maskCpr } from './patient.ts';
import { judgeLaunch, parseStatsMinutes } from './lps.ts';
import { buildPdf } from './pdf.ts';
import { syncStatus } from './sync.ts';
import { LB_MARK_HEADER, type World } from './world.ts';

const CLINIC = /^\d+$/;
const CPR = /^\d{10}$/;
const HOUR = 3_600_000;

/** A query or form's parameters, the first value of each name. */
function firstValues(params: URLSearchParams): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of params) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: `method not allowed; use ${allow}` }, { allow });
}

function health(world: World, node: string, req: IncomingMessage, res: ServerResponse): void {
  const version = world.versionOf(node);
  if (world.faults.has('db-down')) return sendJson(res, 503, { status: 'degraded', version, node, db: 'down' });
  sendJson(res, 200, { status: 'ok', version, node, db: 'ok' });
}

/** `GET /lps/launch?…` (query, signed) or `POST /lps/launch` form-urlencoded (form), judged by judgeLaunch. */
async function launch(world: World, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const synthetic = req.headers['x-flp-synthetic'] === '1';
  const method = req.method ?? 'GET';
  let fields: Record<string, string> = {};
  if (method === 'GET' || method === 'HEAD') {
    fields = firstValues(url.searchParams);
  } else if (method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      return sendJson(res, 400, { error: `bad launch: ${(err as Error).message}`, reason: 'missing-parameter' });
    }
    if (type !== 'application/x-www-form-urlencoded') {
      return sendJson(res, 400, { error: 'bad launch: POST /lps/launch takes content-type application/x-www-form-urlencoded (fields clinic, cpr, system)', reason: 'missing-parameter' });
    }
    fields = firstValues(new URLSearchParams(raw.toString('utf8')));
  } else {
    return methodNotAllowed(res, 'GET, POST');
  }
  const now = world.now();
  const judged = judgeLaunch(fields, method, world.faults, now, synthetic);
  if (!synthetic && fields.system !== undefined) world.launches.record(fields.system, now, judged);
  if (!judged.ok) return sendJson(res, judged.status, { error: judged.error, reason: judged.reason });
  res.writeHead(303, { location: judged.location, 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}

/** `GET /lps/launch-stats?minutes=n`: real launches per system over the last n minutes. */
function launchStats(world: World, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
  if (world.faults.has('launch-stats-broken')) return sendJson(res, 500, { error: 'internal server error: launch statistics unavailable' });
  const minutes = parseStatsMinutes(url.searchParams.get('minutes'));
  if (minutes === undefined) return sendJson(res, 400, { error: 'minutes must be a whole number of minutes from 1 to 60' });
  sendJson(res, 200, world.launches.report(minutes, world.now()));
}

async function overview(world: World, node: string, res: ServerResponse, url: URL, cpr: string): Promise<void> {
  const slow = world.faults.find('slow');
  if (slow?.ms) await world.delay(slow.ms);
  if (world.faults.has('db-down')) return sendJson(res, 503, { error: 'database unavailable' });
  if (world.faults.has('api-500') || world.faults.has('node-broken', { node })) return sendJson(res, 500, { error: 'internal server error' });
  const clinic = url.searchParams.get('clinic') ?? '';
  if (!CLINIC.test(clinic)) return sendJson(res, 400, { error: 'clinic must be digits' });
  const now = new Date();
  const sources = world.sources.map((source) => ({
    source,
    syncedAt: world.faults.has('page-stale', { source })
      ? new Date(now.getTime() - 10 * HOUR).toISOString()
      : syncStatus(world, source, now).lastSuccessfulSync,
  }));
  sendJson(res, 200, buildOverview(cpr, clinic, sources, now));
}

async function createPlan(world: World, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: unknown;
  try {
    const raw = await readBody(req);
    body = JSON.parse(raw.toString('utf8') || 'null');
  } catch (err) {
    return sendJson(res, 400, { error: `body must be JSON { clinic, cpr }: ${(err as Error).message}` });
  }
  if (world.faults.has('db-down')) return sendJson(res, 503, { error: 'database unavailable' });
  const { clinic, cpr } = (body ?? {}) as { clinic?: unknown; cpr?: unknown };
  if (typeof clinic !== 'string' || !CLINIC.test(clinic)) return sendJson(res, 400, { error: 'clinic must be a string of digits' });
  if (typeof cpr !== 'string' || !CPR.test(cpr)) return sendJson(res, 400, { error: 'cpr must be a string of 10 digits' });
  if (world.faults.has('create-fails')) return sendJson(res, 500, { error: 'could not save the plan' });
  const plan = world.createPlan(clinic, cpr, new Date());
  sendJson(res, 201, { id: plan.id, clinic: plan.clinic, createdAt: plan.createdAt }, { location: `/api/plans/${plan.id}` });
}

function planPdf(world: World, res: ServerResponse, id: string): void {
  const plan = world.plans.get(id);
  if (!plan) return sendJson(res, 404, { error: `no plan ${id}` });
  if (world.faults.has('print-not-pdf')) {
    return sendText(res, 200, 'text/html; charset=utf-8', '<!doctype html><html><head><title>Udskrift</title></head><body><h1>Udskriftstjenesten svarer ikke</h1><p>Prøv igen senere.</p></body></html>');
  }
  const pdf = buildPdf('Forløbsplan', [
    `Patient: CPR ${maskCpr(plan.cpr)}`,
    `Klinik: ${plan.clinic}`,
    `Oprettet: ${plan.createdAt}`,
    `Plan-id: ${plan.id}`,
    'Diagnoser: Type 2-diabetes, hypertension, KOL',
    'Næste kontrol: årskontrol om 12 måneder',
  ]);
  sendText(res, 200, 'application/pdf', pdf, { 'content-disposition': `inline; filename="forloebsplan-${plan.id}.pdf"` });
}

/** `/api/…`: the overview, creating, reading, printing and deleting plans. */
async function api(world: World, node: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  let m: RegExpExecArray | null;
  if ((m = /^\/api\/patients\/([^/]+)\/overview$/.exec(path))) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
    const cpr = decodeURIComponent(m[1] ?? '');
    if (!CPR.test(cpr)) return sendJson(res, 400, { error: 'cpr must be 10 digits' });
    return overview(world, node, res, url, cpr);
  }
  if (path === '/api/plans') {
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    return createPlan(world, req, res);
  }
  if ((m = /^\/api\/plans\/([^/]+)\/pdf$/.exec(path))) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
    if (world.faults.has('db-down')) return sendJson(res, 503, { error: 'database unavailable' });
    return planPdf(world, res, decodeURIComponent(m[1] ?? ''));
  }
  if ((m = /^\/api\/plans\/([^/]+)$/.exec(path))) {
    if (world.faults.has('db-down')) return sendJson(res, 503, { error: 'database unavailable' });
    const id = decodeURIComponent(m[1] ?? '');
    if (req.method === 'DELETE') {
      if (!world.deletePlan(id)) return sendJson(res, 404, { error: `no plan ${id}` });
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const plan = world.plans.get(id);
      if (!plan) return sendJson(res, 404, { error: `no plan ${id}` });
      return sendJson(res, 200, { id: plan.id, clinic: plan.clinic, createdAt: plan.createdAt });
    }
    return methodNotAllowed(res, 'GET, DELETE');
  }
  sendJson(res, 404, { error: `no such endpoint: ${path}` });
}

/** Every path of a node: health, the API, the LPS launch and its statistics, the app's pages. */
async function handle(world: World, node: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  if (path === '/health') return req.method === 'GET' || req.method === 'HEAD' ? health(world, node, req, res) : methodNotAllowed(res, 'GET');
  if (path.startsWith('/api/')) return api(world, node, req, res, url);
  if (path === '/lps/launch') return launch(world, req, res, url);
  if (path === '/lps/launch-stats') return launchStats(world, req, res, url);
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
  if (/^\/app\/patient\/[^/]+$/.test(path)) return sendText(res, 200, 'text/html; charset=utf-8', appShellHtml());
  if (path === '/app/app.js') {
    const script = clientScript({
      sections: world.faults.has('missing-section') ? ALL_SECTIONS.filter((s) => s !== 'diagnoses') : ALL_SECTIONS,
      goalsWidget: world.faults.has('js-error'),
    });
    return sendText(res, 200, 'text/javascript; charset=utf-8', script);
  }
  if (path === '/favicon.ico') {
    res.writeHead(204, { 'cache-control': 'max-age=86400' });
    res.end();
    return;
  }
  if (path === '/') return sendText(res, 200, 'text/html; charset=utf-8', landingHtml(world.versionOf(node)));
  sendJson(res, 404, { error: `no such page: ${path}` });
}

/** Returns the request handler of node `node`. */
export function createNodeApp(world: World, node: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.headers[LB_MARK_HEADER] === world.lbToken) delete req.headers[LB_MARK_HEADER];
    else world.record(req);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://node.invalid');
    } catch {
      return sendJson(res, 400, { error: 'bad request target' });
    }
    Promise.resolve(handle(world, node, req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `unexpected: ${(err as Error).message}` });
      else res.destroy();
    });
  };
}
