/**
 * The FLP web module's pages: a small HTML shell and the client script that fetches the
 * patient overview and renders the contract's `data-testid` elements. The HTML never carries
 * the full CPR; the script reads it from the URL and shows it masked (`DDMMYY-xxxx`).
 */

/** What the client script is built with; faults that live in the front end switch these. */
export interface ClientOptions {
  /** Sections in render order; `missing-section` leaves out `diagnoses`. */
  sections: readonly string[];
  /** `js-error`: a care-goals widget that reads a field the API does not send, after rendering. */
  goalsWidget: boolean;
}

export const ALL_SECTIONS = ['diagnoses', 'lab-results', 'medication', 'measurements'] as const;

const STYLE = `
  :root { --ink: #1d2a36; --muted: #5b6b79; --line: #d8dee4; --accent: #0b5fa5; --bg: #f4f6f8; --warn: #a1260d; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
  .topbar { display: flex; justify-content: space-between; align-items: center; padding: .6rem 1.2rem; background: var(--accent); color: #fff; }
  .topbar .brand { font-weight: 600; letter-spacing: .02em; }
  main { max-width: 60rem; margin: 1.2rem auto; padding: 0 1rem; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1.1rem; margin-bottom: 1rem; }
  h1 { font-size: 1.35rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 0 0 .6rem; }
  .muted { color: var(--muted); }
  ul.plain { list-style: none; margin: 0; padding: 0; } ul.plain li { padding: .25rem 0; border-bottom: 1px solid var(--line); }
  ul.plain li:last-child { border-bottom: 0; }
  table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid var(--line); }
  th { font-weight: 600; color: var(--muted); font-size: .85rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); gap: 1rem; }
  .actions { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
  button { font: inherit; padding: .45rem 1rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
  button[disabled] { opacity: .6; cursor: default; }
  .saved { color: #1b6e2a; } .error { border-color: var(--warn); color: var(--warn); }
  .code { font-family: ui-monospace, monospace; color: var(--muted); margin-right: .4rem; }
`;

/** The app shell for `/app/patient/{cpr}`; everything inside `<main>` is rendered by the script. */
export function appShellHtml(): string {
  return `<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Forløbsplan</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header class="topbar"><span class="brand">FLP · Forløbsplaner</span><span id="clinic-label"></span></header>
<main id="app" aria-busy="true"><p class="muted">Henter forløbsplan …</p></main>
<script src="/app/app.js" defer></script>
</body>
</html>
`;
}

/** A plain landing page for `/`. */
export function landingHtml(version: string): string {
  return `<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>FLP</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body><header class="topbar"><span class="brand">FLP · Forløbsplaner</span><span>${version.replace(/[<>&"]/g, '')}</span></header>
<main><div class="card"><h1>Forløbsplaner</h1><p class="muted">Åbnes fra lægepraksissystemet (LPS) for en patient.</p></div></main></body></html>
`;
}

// Plain ES2017 without template literals, so it can live in this string unchanged.
const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var SOURCE_LABELS = { lab: 'Laboratoriesvar', diagnoses: 'Diagnoser', medication: 'Medicin (FMK)', measurements: 'Målinger' };
  var parts = location.pathname.split('/');
  var cpr = decodeURIComponent(parts[parts.length - 1] || '');
  var clinic = new URLSearchParams(location.search).get('clinic') || '';
  var root = document.getElementById('app');
  document.getElementById('clinic-label').textContent = clinic ? 'Klinik ' + clinic : '';

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, String(attrs[key]));
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) child.forEach(function (c) { node.append(c); });
      else node.append(child);
    }
    return node;
  }

  function api(method, url, body) {
    var init = { method: method, headers: { accept: 'application/json' } };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var why = data && data.error ? data.error : 'svar ' + res.status;
          throw new Error(method + ' ' + url.split('?')[0] + ' fejlede: ' + why + ' (HTTP ' + res.status + ')');
        }
        return { status: res.status, data: data };
      });
    });
  }

  function errorPanel(title, message) {
    // Messages may quote a URL with the CPR in it; the page never shows a full CPR.
    var safe = String(message).replace(/(\d{6})\d{4}/g, '$1-xxxx');
    return el('div', { 'data-testid': 'app-error', role: 'alert', class: 'card error' }, el('h2', {}, title), el('p', {}, safe));
  }

  function ago(iso) {
    var minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 60) return 'for ' + minutes + ' min siden';
    var hours = Math.floor(minutes / 60);
    return 'for ' + hours + ' t ' + (minutes % 60) + ' min siden';
  }

  function fmtDate(iso) {
    return new Date(iso).toLocaleString('da-DK', { dateStyle: 'short', timeStyle: 'short' });
  }

  var SECTION_RENDERERS = {
    'diagnoses': function (o) {
      return el('section', { 'data-testid': 'diagnoses', class: 'card' }, el('h2', {}, 'Diagnoser'),
        el('ul', { class: 'plain' }, o.diagnoses.map(function (d) {
          return el('li', { 'data-testid': 'diagnosis' }, el('span', { class: 'code' }, d.code), d.text);
        })));
    },
    'lab-results': function (o) {
      return el('section', { 'data-testid': 'lab-results', class: 'card' }, el('h2', {}, 'Laboratoriesvar'),
        el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Analyse'), el('th', {}, 'Resultat'), el('th', {}, 'Taget'))),
          el('tbody', {}, o.labResults.map(function (r) {
            return el('tr', { 'data-testid': 'lab-result' }, el('td', {}, r.analysis), el('td', {}, r.value + ' ' + r.unit), el('td', {}, fmtDate(r.takenAt)));
          }))));
    },
    'medication': function (o) {
      return el('section', { 'data-testid': 'medication', class: 'card' }, el('h2', {}, 'Medicin'),
        el('ul', { class: 'plain' }, o.medication.map(function (m) { return el('li', {}, m.drug + ' ' + m.strength + ', ' + m.dosage); })));
    },
    'measurements': function (o) {
      return el('section', { 'data-testid': 'measurements', class: 'card' }, el('h2', {}, 'Målinger'),
        el('ul', { class: 'plain' }, o.measurements.map(function (m) { return el('li', {}, m.kind + ': ' + m.value + ' ' + m.unit + ' (' + fmtDate(m.measuredAt) + ')'); })));
    }
  };

  function renderGoals(plan) {
    // A care-goals widget that expects a field the overview API does not send.
    var list = el('ul', { class: 'plain' }, plan.goals.items.map(function (g) { return el('li', {}, g.text); }));
    document.querySelector('[data-testid="forloebsplan"]').append(el('section', { class: 'card' }, el('h2', {}, 'Mål'), list));
  }

  function createPlan(button, status) {
    button.disabled = true;
    status.replaceChildren(el('span', { class: 'muted' }, 'Gemmer …'));
    api('POST', '/api/plans', { clinic: clinic, cpr: cpr }).then(function (r) {
      if (r.status !== 201 || !r.data || !r.data.id) throw new Error('POST /api/plans svarede ' + r.status + ' uden plan-id');
      var id = r.data.id;
      status.replaceChildren(
        el('span', { 'data-testid': 'plan-saved', 'data-plan-id': id, class: 'saved' }, 'Forløbsplanen er gemt'),
        ' ',
        el('a', { 'data-testid': 'print-plan', href: '/api/plans/' + encodeURIComponent(id) + '/pdf' }, 'Udskriv plan (PDF)'));
    }).catch(function (err) {
      button.disabled = false;
      status.replaceChildren(errorPanel('Forløbsplanen kunne ikke gemmes', err.message));
    });
  }

  function render(o) {
    var status = el('div', { class: 'actions', id: 'plan-status' });
    var button = el('button', { type: 'button', 'data-testid': 'create-plan' }, 'Opret forløbsplan');
    button.addEventListener('click', function () { createPlan(button, status); });
    var sections = CONFIG.sections.map(function (name) { return SECTION_RENDERERS[name] ? SECTION_RENDERERS[name](o) : null; });
    var freshness = el('section', { 'data-testid': 'data-sources', class: 'card' }, el('h2', {}, 'Datagrundlag'),
      el('ul', { class: 'plain' }, o.sources.map(function (s) {
        return el('li', { 'data-testid': 'source-freshness', 'data-source': s.source, 'data-synced-at': s.syncedAt },
          (SOURCE_LABELS[s.source] || s.source) + ': opdateret ' + fmtDate(s.syncedAt) + ' (' + ago(s.syncedAt) + ')');
      })));
    var plan = el('article', { 'data-testid': 'forloebsplan' },
      el('section', { 'data-testid': 'patient-header', class: 'card' },
        el('h1', {}, o.patient.name),
        el('p', { class: 'muted' }, 'CPR ' + o.patient.maskedCpr + ' · ' + o.patient.age + ' år · Klinik ' + o.clinic)),
      el('div', { class: 'grid' }, sections),
      freshness,
      el('section', { class: 'card' }, el('div', { class: 'actions' }, button, status)));
    root.replaceChildren(plan);
    root.setAttribute('aria-busy', 'false');
    if (CONFIG.goalsWidget) setTimeout(function () { renderGoals(o.carePlan); }, 0);
  }

  if (!/^\d{10}$/.test(cpr)) {
    root.replaceChildren(errorPanel('Ukendt patient', 'Adressen angiver ikke et gyldigt CPR-nummer.'));
    return;
  }
  api('GET', '/api/patients/' + encodeURIComponent(cpr) + '/overview?clinic=' + encodeURIComponent(clinic)).then(function (r) {
    render(r.data);
  }).catch(function (err) {
    root.setAttribute('aria-busy', 'false');
    root.replaceChildren(errorPanel('Forløbsplanen kunne ikke hentes', err.message));
  });
})();
`;

/** The client script, with the options it is built with in front. */
export function clientScript(options: ClientOptions): string {
  return `var CONFIG = ${JSON.stringify({ sections: options.sections, goalsWidget: options.goalsWidget })};\n${CLIENT_SCRIPT}`;
}
