// The app's shell: sign-in, the header and navigation, the router, and the
// screens of what is due. Screens live in their own modules.

import { get, post, del, enc, q, APIError } from './api.js';
import { h, table, fill } from './dom.js';
import { t, getLang, setLang, enumWord } from './i18n.js';
import * as f from './fmt.js';
import { entryScreen } from './entry.js';
import { boardScreen, reportScreen } from './review.js';
import { rollupScreen, targetsScreen } from './rollup.js';

// ctx is what every screen needs: who is calling, which node this is, the
// catalogue.
export const ctx = { node: null, caller: null, catalog: null, hasChildren: false, units: new Map() };

const main = () => document.getElementById('main');

export function status(msg, kind = 'info') {
  const s = document.getElementById('status');
  s.textContent = msg;
  s.className = 'status ' + kind;
}

// errorText names what went wrong, with the field violations the API sent.
export function errorText(err) {
  if (!(err instanceof APIError)) return String(err && err.message ? err.message : err);
  const lines = [err.message];
  for (const d of err.details || []) {
    for (const v of d.field_violations || []) lines.push(`${v.field}: ${v.description}`);
    for (const v of d.violations || []) if (v.description && !lines.includes(v.description)) lines.push(v.description);
  }
  return lines.join('\n');
}

export function showError(err, where) {
  const box = h('div', { class: 'alert error', role: 'alert' }, errorText(err));
  (where || main()).prepend(box);
  return box;
}

export function unitName(code) {
  const u = ctx.units.get(code);
  return u ? `${code} ${u.name}` : code;
}

export async function loadUnit(code) {
  if (!ctx.units.has(code)) {
    try {
      const r = await get('/v1/units/' + enc(code));
      ctx.units.set(code, r.unit);
    } catch { ctx.units.set(code, { code, name: '' }); }
  }
  return ctx.units.get(code);
}

async function signInWith(token) {
  await post('/session', { token });
}

function signInScreen(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('signout').hidden = true;
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const err = h('div', { class: 'alert error', role: 'alert', hidden: !message }, message || '');
  const form = h('form', { class: 'card signin', onsubmit: async (e) => {
    e.preventDefault();
    status(t('signingIn'));
    try {
      await signInWith(input.value.trim());
      input.value = '';
      status('');
      await start();
    } catch (ex) {
      err.hidden = false;
      err.textContent = errorText(ex);
      status('');
    }
  } },
  h('h1', null, t('signIn')),
  h('p', null, t('signInIntro')),
  err,
  h('label', { for: 'token' }, t('token')), input,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('signIn'))));
  fill(main(), form);
  input.focus();
}

function header() {
  const c = ctx.caller;
  document.getElementById('brand').textContent = t('app');
  document.getElementById('skip').textContent = t('skip');
  const role = enumWord('role_', c.token.role, 'ROLE_').toLowerCase();
  document.getElementById('who').textContent = `${ctx.node.unit_code} ${ctx.node.unit_name} · ${c.token.name} (${t('role_' + String(c.token.role).replace('ROLE_', '').toLowerCase()) || role})`;
  const out = document.getElementById('signout');
  out.hidden = false;
  out.textContent = t('signOut');
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav'));
  const links = [['#/', t('home')]];
  if (ctx.hasChildren) links.push(['#/tien-do', t('progress')]);
  links.push(['#/tong-hop', t('rollup')], ['#/chi-tieu', t('targets')]);
  fill(nav, h('ul', null, links.map(([href, label]) => h('li', null, h('a', { href }, label)))));
  nav.hidden = false;
  markNav();
}

function markNav() {
  const here = location.hash || '#/';
  for (const a of document.querySelectorAll('#nav a')) {
    const href = a.getAttribute('href');
    const on = href === '#/' ? here === '#/' || here === '' : here.startsWith(href);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

async function homeScreen() {
  const unit = ctx.node.unit_code;
  const [due, rounds] = await Promise.all([
    get(`/v1/units/${enc(unit)}/due`),
    ctx.hasChildren ? get('/v1/rounds') : Promise.resolve({ rounds: [] }),
  ]);
  const rows = (due.due || []).map((d) => {
    const state = String(d.state || '').replace('REPORT_STATE_', '');
    return h('tr', { class: 'state-' + state.toLowerCase() },
      h('td', null, d.round.reference || d.round.id, h('div', { class: 'muted' }, d.round.id)),
      h('td', null, d.round.period),
      h('td', null, f.dateTime(d.round.deadline, getLang())),
      h('td', null, h('span', { class: 'badge ' + state.toLowerCase() }, t('st_' + state)), d.late ? h('span', { class: 'badge late' }, t('late')) : null,
        Number(d.revision) ? h('div', { class: 'muted' }, `${t('revision')} ${d.revision} · ${f.dateTime(d.signed_at, getLang())}`) : null),
      h('td', { class: 'comment' }, d.comment || ''),
      h('td', null, h('a', { href: `#/nhap/${enc(d.round.data_set)}/${enc(d.round.period)}`, class: 'button' }, t('entry'))));
  });
  const parts = [h('h1', null, t('due'), ' – ', ctx.node.unit_name)];
  parts.push(rows.length ? table(t('due'), [t('round'), t('period'), t('deadline'), t('state'), t('comment'), ''], rows) : h('p', null, t('noDue')));
  if (ctx.hasChildren && rounds.rounds && rounds.rounds.length) {
    parts.push(h('h2', null, t('board')));
    parts.push(h('ul', { class: 'rounds' }, rounds.rounds.map((r) => h('li', null,
      h('a', { href: '#/tien-do/' + enc(r.id) }, `${r.reference || r.id} – ${t('period')} ${r.period}`),
      ' · ', t('deadline'), ' ', f.dateTime(r.deadline, getLang())))));
  }
  fill(main(), ...parts);
}

const routes = [
  [/^#\/?$/, homeScreen],
  [/^#\/nhap\/([^/]+)\/([^/]+)$/, (m) => entryScreen(decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
  [/^#\/tien-do(?:\/([^/]+))?$/, (m) => boardScreen(m[1] ? decodeURIComponent(m[1]) : '')],
  [/^#\/bao-cao\/([^/]+)\/([^/]+)\/([^/]+)$/, (m) => reportScreen(decodeURIComponent(m[1]), decodeURIComponent(m[2]), decodeURIComponent(m[3]))],
  [/^#\/tong-hop(?:\?(.*))?$/, (m) => rollupScreen(new URLSearchParams(m[1] || ''))],
  [/^#\/chi-tieu$/, () => targetsScreen()],
  [/^#\/nhap-thay\/([^/]+)\/([^/]+)\/([^/]+)$/, 
    // Loaded when first used: most people never enter on another's behalf.
    async (m) => (await import('./proxy.js')).proxyScreen(decodeURIComponent(m[1]), decodeURIComponent(m[2]), decodeURIComponent(m[3]))],
];

let rendering = 0;
export async function route() {
  if (!ctx.caller) return;
  const hash = location.hash || '#/';
  const my = ++rendering;
  const t0 = performance.now();
  const root = document.documentElement.dataset;
  delete root.renderMs;
  delete root.paintMs;
  delete root.formCompleteMs;
  delete root.formApiMs;
  markNav();
  status('');
  for (const [re, screen] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    fill(main(), h('p', { class: 'muted' }, t('loading')));
    try {
      await screen(m);
    } catch (err) {
      if (my !== rendering) return;
      if (err instanceof APIError && err.status === 401) { ctx.caller = null; signInScreen(errorText(err)); return; }
      fill(main());
      showError(err);
    }
    if (my === rendering) {
      document.title = (main().querySelector('h1')?.textContent || '') + ' · ' + t('app');
      // How long the screen took to answer, from the address to the page
      // built: its API calls and its rendering.
      root.renderMs = String(Math.round(performance.now() - t0));
      performance.measure('screen ' + hash, { start: t0 });
      // And until it was on the screen: the frame after it was built.
      requestAnimationFrame(() => setTimeout(() => { if (my === rendering) root.paintMs = String(Math.round(performance.now() - t0)); }, 0));
    }
    return;
  }
  fill(main(), h('p', null, '404'));
}

async function start() {
  try {
    ctx.caller = await get('/v1/caller');
  } catch (err) {
    if (err instanceof APIError && err.status === 401) { signInScreen(); return; }
    fill(main());
    showError(err);
    return;
  }
  const [node, catalog] = await Promise.all([get('/v1/node'), get('/v1/catalog')]);
  ctx.node = node.node;
  ctx.catalog = catalog.catalog;
  const kids = await get('/v1/units' + q({ parent_code: ctx.node.unit_code, page_size: 1 })).catch(() => ({ units: [] }));
  ctx.hasChildren = (kids.units || []).length > 0;
  header();
  await route();
}

function boot() {
  setLang(getLang());
  const lang = document.getElementById('lang');
  const label = () => { lang.textContent = t('lang'); lang.title = t('langLabel'); lang.lang = getLang() === 'vi' ? 'en' : 'vi'; };
  label();
  lang.addEventListener('click', () => {
    setLang(getLang() === 'vi' ? 'en' : 'vi');
    label();
    if (ctx.caller) { header(); route(); } else signInScreen();
  });
  document.getElementById('signout').addEventListener('click', async () => {
    try { await del('/session'); } catch { /* the cookie is cleared either way */ }
    ctx.caller = null;
    signInScreen();
  });
  window.addEventListener('hashchange', route);
  // A sign-in link carries its one-time secret in the fragment, which never
  // reaches a server log; it is exchanged at once and removed from the
  // address bar and the history.
  const m = location.hash.match(/^#dang-nhap=([A-Za-z0-9._-]+)$/);
  if (m) {
    history.replaceState(null, '', location.pathname + '#/');
    signInWith(m[1]).then(start, () => signInScreen(t('linkUsed')));
    return;
  }
  start();
}

boot();
