// The data-entry form of a data set and period, laid out like the official
// outline: each narrative section in its place, the figures of its part
// beside it, each element with its breakdowns as a table. Values are saved
// as they are entered and the server's own rules answer at once; sections
// are saved as they are typed, with a draft kept in the browser until the
// node has them; the form ends with signing and sending.

import { get, patch, put, del, post, enc, q, APIError } from './api.js';
import { h, table, fill } from './dom.js';
import { t, getLang, name } from './i18n.js';
import * as f from './fmt.js';
import { ctx, status, errorText, showError } from './app.js';

// Where the figures of each group sit in the outline.
const GROUP_SECTION = { organisations: 'I.2.1', ratings: 'I.2.5', discipline: 'I.2.5', members: 'I.3.1', training: 'I.3.2' };

export function previousPeriod(p) {
  let m;
  if ((m = p.match(/^(\d{4})$/))) return String(+m[1] - 1);
  if ((m = p.match(/^(\d{4})Q([1-4])$/))) return +m[2] > 1 ? `${m[1]}Q${+m[2] - 1}` : `${+m[1] - 1}Q4`;
  if ((m = p.match(/^(\d{4})S([12])$/))) return m[2] === '2' ? `${m[1]}S1` : `${+m[1] - 1}S2`;
  if ((m = p.match(/^(\d{4})(\d{2})$/))) return +m[2] > 1 ? `${m[1]}${String(+m[2] - 1).padStart(2, '0')}` : `${+m[1] - 1}12`;
  return '';
}

let rulesCache = null;
export async function rules() {
  if (!rulesCache) rulesCache = (await get('/v1/catalog/validation-rules')).rules || [];
  return rulesCache;
}

const IDENT = /[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)?/g;

// refs lists the cells an expression reads, as "element|option".
export function refs(expr) {
  return (String(expr || '').match(IDENT) || []).map((r) => {
    const [el, opt] = r.split('.');
    return el + '|' + (opt || '');
  });
}

export function catalogIndex() {
  if (ctx.index) return ctx.index;
  const els = new Map((ctx.catalog.data_elements || []).map((e) => [e.code, e]));
  const bds = new Map((ctx.catalog.breakdowns || []).map((b) => [b.code, b]));
  const optName = (el, opt) => {
    const e = els.get(el);
    for (const bc of (e && e.breakdowns) || []) {
      const o = (bds.get(bc)?.options || []).find((x) => x.code === opt);
      if (o) return name(o);
    }
    return opt;
  };
  ctx.index = { els, bds, optName };
  return ctx.index;
}

// describe turns an expression into words: within the element's own table,
// "dang_vien.nam + dang_vien.nu" reads "Nam + Nữ" and "dang_vien" reads
// "tổng số".
export function describe(expr, home) {
  const { els, optName } = catalogIndex();
  const plain = String(expr || '').replace(/sum\(([^()]*)\)/g, (_, args) => args.split(',').map((a) => a.trim()).join(' + '));
  return plain.replace(IDENT, (r) => {
    const [el, opt] = r.split('.');
    if (!els.has(el)) return r;
    if (el === home) return opt ? optName(el, opt) : t('total').toLowerCase();
    const en = name(els.get(el));
    return opt ? `${en} (${optName(el, opt)})` : en;
  });
}

// sentence states a violation in words with both sides' values:
// "Nam + Nữ = 2.674, tổng số 2.675".
export function sentence(v, rule, home) {
  const lang = getLang();
  const msg = lang === 'en' && v.message_en ? v.message_en : v.message;
  if (!rule) return `${msg} (${f.num(v.left, 0, lang)} ${v.operator} ${f.num(v.right, 0, lang)})`;
  let right = describe(rule.right, home);
  if (rule.previous) right = `${right ? right + ' + ' : ''}${describe(rule.previous, home)} ${lang === 'en' ? 'of the previous period' : 'kỳ trước'}`;
  const L = describe(rule.left, home), lv = f.num(v.left, 0, lang), rv = f.num(v.right, 0, lang);
  const tail = v.operator === '<='
    ? (lang === 'en' ? `${L} = ${lv}, more than ${right} ${rv}` : `${L} = ${lv}, vượt ${right} ${rv}`)
    : `${L} = ${lv}, ${right} ${rv}`;
  return `${msg}: ${tail}`;
}

// homeOf is the element whose table shows a violation.
export function homeOf(v, rule) {
  const { els } = catalogIndex();
  const first = v.rule.split('/')[0];
  if (els.has(first)) return first;
  const r = rule ? refs(rule.left)[0] : '';
  return r ? r.split('|')[0] : '';
}

// outlineTable renders one element's table; cell(el, opt) gives the value
// cell of the current period, prev the previous period's value.
export function elementBlock(code, cell, prev, prevLabel, thisLabel, heading = 'h4') {
  const { els, bds } = catalogIndex();
  const e = els.get(code);
  const rows = [h('tr', { class: 'total' }, h('th', { scope: 'row' }, t('total')), h('td', null, cell(code, '')), h('td', { class: 'prev' }, prev(code, '')))];
  for (const bc of e.breakdowns || []) {
    const b = bds.get(bc);
    if (!b) continue;
    const kind = b.kind === 'BREAKDOWN_KIND_SUBSET' ? (getLang() === 'en' ? 'of which' : 'trong đó') : (getLang() === 'en' ? 'adds up to the total' : 'cộng lại bằng tổng số');
    rows.push(h('tr', { class: 'bd' }, h('th', { scope: 'rowgroup', colspan: '3' }, `${name(b)} (${kind})`)));
    for (const o of b.options || []) {
      rows.push(h('tr', null, h('th', { scope: 'row', class: 'opt' }, name(o)), h('td', null, cell(code, o.code)), h('td', { class: 'prev' }, prev(code, o.code))));
    }
  }
  const id = 'el-' + code;
  return h('section', { class: 'element', id, 'aria-labelledby': id + '-h' },
    h(heading, { id: id + '-h' }, name(e)),
    h('div', { class: 'viol', id: id + '-v' }),
    // The table's own scrolling region is named apart from the section it
    // sits in: two landmarks of one name are one too many for a screen
    // reader's list.
    table(null, ['', thisLabel, prevLabel], rows, { label: `${name(e)}: ${thisLabel}, ${prevLabel}`, class: 'cells' }));
}

export function sectionsWithFigures(ds) {
  const { els } = catalogIndex();
  const bySection = new Map();
  const loose = [];
  for (const code of ds.data_elements || []) {
    const e = els.get(code);
    if (!e) continue;
    const s = GROUP_SECTION[e.group];
    if (s && (ds.sections || []).some((x) => x.code === s)) {
      if (!bySection.has(s)) bySection.set(s, []);
      bySection.get(s).push(code);
    } else loose.push(code);
  }
  return { bySection, loose };
}

export async function entryScreen(dataSet, period) {
  const started = performance.now();
  const lang = getLang();
  const unit = ctx.node.unit_code;
  const ds = (ctx.catalog.data_sets || []).find((d) => d.code === dataSet);
  if (!ds) throw new Error(`${t('dataSet')} ${dataSet}?`);
  const prevP = previousPeriod(period);
  const base = `/v1/units/${enc(unit)}/data-sets/${enc(dataSet)}/periods/`;
  const [vals, prevVals, secs, viol, ruleList, due] = await Promise.all([
    get(base + enc(period) + '/values'),
    prevP ? get(base + enc(prevP) + '/values').catch(() => ({ values: [] })) : { values: [] },
    get(base + enc(period) + '/sections'),
    get(base + enc(period) + '/violations').catch(() => ({ violations: [] })),
    rules(),
    get(`/v1/units/${enc(unit)}/due`).catch(() => ({ due: [] })),
  ]);
  performance.measure('form api', { start: started });
  document.documentElement.dataset.formApiMs = String(Math.round(performance.now() - started));
  const ruleBy = new Map(ruleList.map((r) => [r.code, r]));
  const stored = new Map((vals.values || []).map((v) => [v.data_element + '|' + (v.option || ''), v.value]));
  const prevMap = new Map((prevVals.values || []).map((v) => [v.data_element + '|' + (v.option || ''), v.value]));
  const inputs = new Map();
  const pending = new Map(); // key -> plain value ('' to delete)
  let saveTimer = 0, saving = Promise.resolve(), violations = viol.violations || [];

  const cell = (el, opt) => {
    const key = el + '|' + opt;
    const { els, optName } = catalogIndex();
    const label = `${name(els.get(el))} – ${opt ? optName(el, opt) : t('total')}, ${period}`;
    const input = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'num', 'aria-label': label, dataset: { key } });
    input.value = stored.has(key) ? f.num(stored.get(key), 0, lang) : '';
    inputs.set(key, input);
    return input;
  };
  const prev = (el, opt) => {
    const key = el + '|' + opt;
    return prevMap.has(key) ? f.num(prevMap.get(key), 0, lang) : '–';
  };

  const summary = h('div', { class: 'card checks', id: 'checks', 'aria-live': 'polite' });
  const dueRow = (due.due || []).find((d) => d.round.data_set === dataSet && d.round.period === period);
  const banner = dueRow ? h('div', { class: 'card due state-' + String(dueRow.state).replace('REPORT_STATE_', '').toLowerCase() },
    h('p', null, h('strong', null, t('state'), ': '), t('st_' + String(dueRow.state).replace('REPORT_STATE_', '')),
      dueRow.late ? ` (${t('late')})` : '', ' · ', t('deadline'), ': ', f.dateTime(dueRow.round.deadline, lang),
      dueRow.round.reference ? ' · ' + dueRow.round.reference : ''),
    dueRow.comment ? h('p', { class: 'comment', id: 'parent-comment' }, h('strong', null, t('comment'), ': '), dueRow.comment) : null) : null;

  // The outline.
  const { bySection, loose } = sectionsWithFigures(ds);
  const thisLabel = `${t('thisPeriod')} (${period})`, prevLabel = `${t('lastPeriod')} (${prevP || '–'})`;
  const serverSections = new Map((secs.sections || []).map((s) => [s.section, s]));
  // The outline is built in parts, in its order: the first ones at once, so
  // the screen answers and can be typed in, the rest a little at a time
  // while the browser is idle. Anything that needs the whole form (Tab or
  // Enter past the last cell built, a paste running past it, a link to a
  // table, signing) builds the rest at once first.
  const parts = [];
  const sectionSavers = [];
  for (const s of ds.sections || []) {
    const depth = s.code.split('.').length;
    parts.push(() => [h(depth === 1 ? 'h2' : 'h3', { class: 'sec' }, `${s.code}. ${s.title}`),
      sectionEditor(unit, dataSet, period, s, serverSections.get(s.code), sectionSavers)]);
    for (const code of bySection.get(s.code) || []) parts.push(() => elementBlock(code, cell, prev, prevLabel, thisLabel));
  }
  if (loose.length) {
    parts.push(() => h('h2', null, t('numbers')));
    for (const code of loose) parts.push(() => elementBlock(code, cell, prev, prevLabel, thisLabel));
  }
  const { form, buildAll, start } = cellForm(parts, (input) => take(input), () => renderViolations(), started, lang);

  const signPanel = h('section', { class: 'card sign', id: 'sign', 'aria-labelledby': 'sign-h' });
  const outboxPanel = h('div', { class: 'outbox', id: 'outbox', 'aria-live': 'polite' });

  fill(main(),
    h('h1', null, `${t('entry')}: ${name(ds)} – ${period}`),
    h('p', { class: 'muted' }, `${ctx.node.unit_code} ${ctx.node.unit_name}`),
    banner, h('p', { class: 'hint' }, t('pasteHint')), summary,
    form, signPanel);

  function renderViolations() {
    for (const inp of inputs.values()) {
      inp.classList.remove('bad-error', 'bad-warning');
      inp.removeAttribute('aria-invalid');
      inp.removeAttribute('aria-describedby');
    }
    for (const box of document.querySelectorAll('.element .viol')) fill(box);
    const errs = [], warns = [];
    violations.forEach((v, i) => {
      const rule = ruleBy.get(v.rule);
      const home = homeOf(v, rule);
      const text = sentence(v, rule, home);
      const isErr = v.importance === 'IMPORTANCE_ERROR';
      const id = 'viol-' + i;
      const line = h('p', { class: isErr ? 'v-error' : 'v-warning', id, dataset: { rule: v.rule } },
        h('strong', null, isErr ? t('error') : t('warning'), ': '), text,
        v.overridden ? ` (${t('overridden')}: ${v.override_reason})` : '');
      const box = document.getElementById('el-' + home + '-v');
      if (box) box.append(line);
      const cells = rule ? [...refs(rule.left), ...refs(rule.right)] : [home + '|'];
      for (const k of cells) {
        const inp = inputs.get(k);
        if (!inp) continue;
        inp.classList.add(isErr ? 'bad-error' : 'bad-warning');
        if (isErr) inp.setAttribute('aria-invalid', 'true');
        inp.setAttribute('aria-describedby', ((inp.getAttribute('aria-describedby') || '') + ' ' + id).trim());
      }
      const link = h('li', null, h('a', { href: '#el-' + home, onclick: (e) => { e.preventDefault(); buildAll(); document.getElementById('el-' + home)?.scrollIntoView(); inputs.get(home + '|')?.focus(); } }, text));
      (isErr ? errs : warns).push(link);
    });
    fill(summary, h('h2', null, t('checks')),
      !violations.length ? h('p', { class: 'ok' }, t('noViolations')) : null,
      errs.length ? [h('h3', { class: 'v-error' }, `${t('errors')} (${errs.length})`), h('ul', { class: 'errors' }, errs)] : null,
      warns.length ? [h('h3', { class: 'v-warning' }, `${t('warnings')} (${warns.length})`), h('ul', { class: 'warnings' }, warns)] : null);
    renderSign();
  }

  async function flush() {
    clearTimeout(saveTimer);
    if (!pending.size) return saving;
    const batch = new Map(pending);
    pending.clear();
    saving = saving.then(async () => {
      status(t('saving'));
      try {
        const puts = [], dels = [];
        for (const [key, value] of batch) {
          const [el, opt] = key.split('|');
          if (value === '') { if (stored.has(key)) dels.push([el, opt, key]); } else puts.push({ data_element: el, option: opt, value });
        }
        for (const [el, opt, key] of dels) {
          await del(base + enc(period) + '/values/' + enc(el) + q({ option: opt }));
          stored.delete(key);
        }
        let resp = null;
        if (puts.length) {
          resp = await patch(base + enc(period) + '/values', puts);
          for (const p of puts) stored.set(p.data_element + '|' + p.option, p.value);
        }
        violations = resp ? resp.violations || [] : (await get(base + enc(period) + '/violations')).violations || [];
        renderViolations();
        status(`${t('saved')} ${f.time(Date.now(), lang)} (${lang === 'en' ? 'Hà Nội time' : 'giờ Hà Nội'})`, 'ok');
      } catch (err) {
        for (const [k, v] of batch) if (!pending.has(k)) pending.set(k, v);
        status(errorText(err), 'error');
      }
    });
    return saving;
  }

  function take(input) {
    const r = f.parseCount(input.value, lang);
    const key = input.dataset.key;
    const msgId = 'parse-' + key.replace('|', '-');
    document.getElementById(msgId)?.remove();
    if (r.error) {
      input.setAttribute('aria-invalid', 'true');
      input.insertAdjacentElement('afterend', h('span', { class: 'v-error small', id: msgId, role: 'alert' }, r.error));
      return;
    }
    const before = stored.has(key) ? stored.get(key) : '';
    if (r.value !== '') input.value = f.num(r.value, 0, lang);
    if (r.value === before && !pending.has(key)) return;
    pending.set(key, r.value);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(flush, 250);
  }

  // Signing.
  function renderSign() {
    const errs = violations.filter((v) => v.importance === 'IMPORTANCE_ERROR');
    const can = ctx.caller.token.role === 'ROLE_APPROVER' || ctx.caller.token.role === 'ROLE_ADMIN';
    const reasons = errs.map((v, i) => {
      const id = 'ovr-' + i;
      return h('div', { class: 'override' },
        h('label', { for: id }, h('strong', null, v.rule), ' – ', t('override')),
        h('input', { type: 'text', id, dataset: { rule: v.rule }, value: '' }));
    });
    fill(signPanel, 
      h('h2', { id: 'sign-h' }, t('signTitle')),
      h('p', null, t('signIntro')),
      errs.length ? h('p', { class: 'v-error' }, t('overrideHint')) : null,
      reasons,
      can ? null : h('p', { class: 'muted' }, t('needApprover')),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'sign-send', disabled: !can, onclick: submit }, t('sign'))),
      outboxPanel);
  }

  async function submit() {
    buildAll();
    await flush();
    await Promise.all(sectionSavers.map((s) => s()));
    const overrides = [...signPanel.querySelectorAll('.override input')]
      .filter((i) => i.value.trim() !== '').map((i) => ({ rule: i.dataset.rule, reason: i.value.trim() }));
    const btn = document.getElementById('sign-send');
    btn.disabled = true;
    try {
      const r = await post(`${base}${enc(period)}:submit`, { overrides });
      status(`${t('signed')}: ${t('revision')} ${r.submission.revision}`, 'ok');
      await showOutbox(true);
    } catch (err) {
      showError(err, signPanel);
      status(errorText(err), 'error');
    } finally {
      btn.disabled = false;
    }
  }

  let polling = 0;
  async function showOutbox(poll) {
    const [ob, subs] = await Promise.all([
      get('/v1/outbox').catch(() => ({ entries: [] })),
      get('/v1/submissions' + q({ unit_code: unit, data_set: dataSet, period })).catch(() => ({ submissions: [] })),
    ]);
    const latest = (subs.submissions || [])[0];
    const waiting = (ob.entries || []).filter((e) => e.data_set === dataSet && e.period === period);
    const rows = [];
    if (latest) {
      const st = latest.forward_state;
      const word = st === 'FORWARD_STATE_DELIVERED' ? t('delivered') : st === 'FORWARD_STATE_REJECTED' ? `${t('rejected')}: ${latest.forward_error?.message || ''}` : st === 'FORWARD_STATE_ROOT' ? t('root') : t('queued');
      rows.push(h('p', { class: 'fwd ' + String(st).toLowerCase(), id: 'forward-state' }, h('strong', null, `${t('revision')} ${latest.revision}`), ` · ${t('signed')} ${f.dateTime(latest.signed_at, lang)} · `, word));
    }
    for (const e of waiting) rows.push(h('p', { class: 'muted' }, `${t('outbox')}: ${t('revision')} ${e.revision}, ${e.attempts} ${t('attempts')}${e.last_error ? ' – ' + e.last_error : ''}`));
    fill(outboxPanel, ...rows);
    const my = ++polling;
    if (poll && latest && latest.forward_state === 'FORWARD_STATE_QUEUED' && document.body.contains(outboxPanel)) {
      setTimeout(() => { if (my === polling) showOutbox(true); }, 1000);
    }
  }

  renderViolations();
  start();
  showOutbox(true);
  window.addEventListener('pagehide', () => { flush(); sectionSavers.forEach((s) => s(true)); }, { once: true });
}

// How much of the form is built before the screen answers: at least the
// first parts and about a screen's worth of cells, more than 1366×768 shows.
const FIRST_PARTS = 4, FIRST_CELLS = 40;
// The rest is built in steps of about this many milliseconds, between which
// the browser paints and answers keys.
const CHUNK_MS = 8;

// cellForm is a form of figure cells (input.num, one per element and
// option) built from parts, functions that each make a piece of the outline,
// in their order: the first ones at once, so that the screen answers and can
// be typed in, the rest a little at a time while the browser is idle, once
// start is called. Anything that needs the whole form (Tab or Enter past the
// last cell built, a paste running past it) builds the rest at once first;
// so does buildAll, for a link to a table or signing. take(input) reads a
// cell that changed; completed() runs once the whole form is built. Tab and
// the browser move through the cells; Enter moves to the next (Shift+Enter
// the one before); a column, row or block pasted from Excel fills the cells
// from the one it was pasted in (pastedCells).
export function cellForm(parts, take, completed, started, lang) {
  const form = h('form', { class: 'outline', onsubmit: (e) => e.preventDefault() });
  const cells = () => [...form.querySelectorAll('input.num')];
  let built = 0, complete = false;
  const buildPart = () => { form.append(...[parts[built++]()].flat()); };
  while (built < parts.length && (built < FIRST_PARTS || form.querySelectorAll('input.num').length < FIRST_CELLS)) buildPart();
  function done() {
    if (complete) return;
    complete = true;
    completed();
    performance.mark('form-complete');
    document.documentElement.dataset.formCompleteMs = String(Math.round(performance.now() - started));
  }
  function buildAll() {
    while (built < parts.length) buildPart();
    done();
  }
  function buildMore(deadline) {
    if (!form.isConnected) return; // another screen was opened
    const until = performance.now() + CHUNK_MS;
    while (built < parts.length && (deadline && !deadline.didTimeout ? deadline.timeRemaining() > 1 : performance.now() < until)) buildPart();
    if (built < parts.length) later(buildMore);
    else done();
  }
  form.addEventListener('change', (e) => { if (e.target.matches('input.num')) take(e.target); });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Tab' && !e.shiftKey && !complete) buildAll();
    if (e.key !== 'Enter' || !e.target.matches('input.num')) return;
    e.preventDefault();
    take(e.target);
    let all = cells(), i = all.indexOf(e.target);
    if (!e.shiftKey && i === all.length - 1 && !complete) { buildAll(); all = cells(); }
    const next = all[i + (e.shiftKey ? -1 : 1)];
    if (next) { next.focus(); next.select(); }
  });
  form.addEventListener('paste', (e) => {
    if (!e.target.matches('input.num')) return;
    const values = pastedCells((e.clipboardData || window.clipboardData).getData('text/plain'), lang);
    if (!values) return;
    e.preventDefault();
    let all = cells(), i = all.indexOf(e.target);
    if (i + values.length > all.length && !complete) { buildAll(); all = cells(); }
    values.forEach((v, k) => {
      const target = all[i + k];
      if (!target) return;
      target.value = v;
      take(target);
    });
    all[Math.min(i + values.length, all.length - 1)].focus();
  });
  return { form, buildAll, start() { if (built < parts.length) later(buildMore); else done(); } };
}

// later runs fn when the browser is idle, or within 50 ms in any case.
function later(fn) {
  if (window.requestIdleCallback) requestIdleCallback(fn, { timeout: 50 });
  else setTimeout(fn, 0);
}

// pastedCells reads what was pasted into a cell as the values of the cells
// from there on: a column (one line each), a row (one tab-separated field
// each), or a block of Excel's rows. In a block the figures are taken from
// its first column of numbers, one line to a cell; columns of labels before
// it (the row names copied along, "Nam", "Nữ") and further columns (another
// year) are left out; so are labels before the figures of a row. An empty
// field empties its cell. A single value is not a block: null, and the
// browser pastes it as usual.
export function pastedCells(text, lang) {
  const lines = String(text || '').replace(/\r/g, '').split('\n');
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const rows = lines.map((l) => l.split('\t').map((c) => c.trim()));
  if (!rows.length || (rows.length === 1 && rows[0].length === 1)) return null;
  const isNumber = (c) => c !== '' && !f.parseCount(c, lang).error;
  if (rows.length === 1) {
    const first = rows[0].findIndex(isNumber);
    return first < 0 ? rows[0] : rows[0].slice(first);
  }
  const width = Math.max(...rows.map((r) => r.length));
  let col = 0;
  for (let j = 0; j < width; j++) {
    const cells = rows.map((r) => r[j] || '');
    if (cells.some((c) => c !== '') && cells.every((c) => c === '' || isNumber(c))) { col = j; break; }
  }
  return rows.map((r) => r[col] || '');
}

function main() { return document.getElementById('main'); }

// sectionEditor is one narrative section: every keystroke goes to a draft in
// localStorage at once, and to the node a moment later; the draft is removed
// only once the node has stored that text, so a tab closed in between loses
// nothing.
function sectionEditor(unit, dataSet, period, s, server, savers) {
  const lang = getLang();
  const key = `tonghop:draft:${unit}:${dataSet}:${period}:${s.code}`;
  const id = 'sec-' + s.code.replace(/\./g, '-');
  const area = h('textarea', { id, rows: '4', class: 'narrative', dataset: { section: s.code } });
  const state = h('p', { class: 'save-state muted', id: id + '-state', 'aria-live': 'polite' });
  area.setAttribute('aria-describedby', state.id);
  const serverText = server ? server.text : '';
  let savedText = serverText;
  let timer = 0;
  let draft = null;
  try { draft = JSON.parse(localStorage.getItem(key) || 'null'); } catch { draft = null; }
  area.value = draft && draft.text !== serverText ? draft.text : serverText;
  if (server && !(draft && draft.text !== serverText)) state.textContent = `${t('saved')} ${f.dateTime(server.updated_at, lang)}`;

  async function save(keepalive = false) {
    clearTimeout(timer);
    const text = area.value;
    if (text === savedText) return;
    state.textContent = t('saving');
    const path = `/v1/units/${enc(unit)}/data-sets/${enc(dataSet)}/periods/${enc(period)}/sections/${enc(s.code)}`;
    try {
      if (text.trim() === '') await del(path).catch((e) => { if (!(e instanceof APIError && e.status === 404)) throw e; });
      else await put(path, { text }, keepalive);
      savedText = text;
      const d = JSON.parse(localStorage.getItem(key) || 'null');
      if (d && d.text === text) localStorage.removeItem(key);
      state.textContent = `${t('saved')} ${f.time(Date.now(), lang)} (${lang === 'en' ? 'Hà Nội time' : 'giờ Hà Nội'})`;
    } catch (err) {
      state.textContent = `${t('draftKept')} ${errorText(err)}`;
    }
  }
  savers.push(save);
  area.addEventListener('input', () => {
    localStorage.setItem(key, JSON.stringify({ text: area.value, at: Date.now() }));
    state.textContent = t('draftKept');
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
  area.addEventListener('blur', () => save());
  // A draft the node never got is sent now.
  if (area.value !== serverText) { state.textContent = t('draftKept'); setTimeout(save, 0); }
  return h('div', { class: 'section' }, h('label', { for: id, class: 'sr-only' }, `${s.code}. ${s.title}`), area, state);
}
