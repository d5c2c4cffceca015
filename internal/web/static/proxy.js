// Entry on behalf: a unit above enters, checks and signs the report of a
// unit below that runs no node (POST …:submit-on-behalf). The figures are
// kept in the browser, as a draft, until the node has signed them: the
// report is entered whole, and the node checks it by the same rules as the
// unit's own node would, answering with each blocking error, which can be
// kept with a reason. The report then says it was entered and signed here.

import { get, post, enc, q, APIError } from './api.js';
import { h, fill } from './dom.js';
import { t, getLang, name } from './i18n.js';
import * as f from './fmt.js';
import { ctx, status, errorText, loadUnit } from './app.js';
import { elementBlock, sectionsWithFigures, previousPeriod, catalogIndex, cellForm } from './entry.js';

const main = () => document.getElementById('main');
const keyOf = (v) => v.data_element + '|' + (v.option || '');

// latestValues is the values of the unit's latest report of the period, and
// that report's summary, or an empty map.
async function latestValues(unit, dataSet, period) {
  if (!period) return { values: new Map() };
  const list = await get('/v1/submissions' + q({ unit_code: unit, data_set: dataSet, period })).catch(() => ({ submissions: [] }));
  const latest = (list.submissions || [])[0];
  if (!latest) return { values: new Map() };
  const full = await get('/v1/submissions/' + enc(latest.digest));
  return { latest, values: new Map((full.values || []).map((v) => [keyOf(v), v.value])) };
}

export async function proxyScreen(unit, dataSet, period) {
  const started = performance.now();
  const lang = getLang();
  const ds = (ctx.catalog.data_sets || []).find((d) => d.code === dataSet);
  if (!ds) throw new Error(`${t('dataSet')} ${dataSet}?`);
  const prevP = previousPeriod(period);
  const [u, cur, before] = await Promise.all([loadUnit(unit), latestValues(unit, dataSet, period), latestValues(unit, dataSet, prevP)]);
  performance.measure('form api', { start: started });
  document.documentElement.dataset.formApiMs = String(Math.round(performance.now() - started));
  const title = h('h1', null, `${t('proxyEntry')}: ${unit} ${u.name || ''} – ${name(ds)} – ${period}`);
  if (cur.latest && !cur.latest.entered_by) {
    // The unit signs for itself: a revision on its behalf would be refused.
    fill(main(), title, h('p', { class: 'card', id: 'proxy-refused' }, t('proxySelfSigned'), ' ',
      h('a', { href: `#/bao-cao/${enc(unit)}/${enc(dataSet)}/${enc(period)}` }, t('reportOf'), ` ${unit}`)));
    return;
  }
  const draftKey = `tonghop:proxy:${ctx.node.unit_code}:${unit}:${dataSet}:${period}`;
  let draft = null;
  try { draft = JSON.parse(localStorage.getItem(draftKey) || 'null'); } catch { draft = null; }
  // The figures: a draft kept in this browser, else the revision entered
  // here before, else nothing.
  const values = draft ? new Map(Object.entries(draft.values || {})) : new Map(cur.values);
  const keep = () => localStorage.setItem(draftKey, JSON.stringify({ values: Object.fromEntries(values), at: Date.now() }));

  const { els, optName } = catalogIndex();
  const cell = (el, opt) => {
    const key = el + '|' + opt;
    const label = `${name(els.get(el))} – ${opt ? optName(el, opt) : t('total')}, ${period}`;
    const input = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'num', 'aria-label': label, dataset: { key } });
    input.value = values.has(key) ? f.num(values.get(key), 0, lang) : '';
    return input;
  };
  const prev = (el, opt) => {
    const key = el + '|' + opt;
    return before.values.has(key) ? f.num(before.values.get(key), 0, lang) : '–';
  };
  const take = (input) => {
    const key = input.dataset.key;
    const msgId = 'parse-' + key.replace('|', '-');
    document.getElementById(msgId)?.remove();
    input.removeAttribute('aria-invalid');
    const r = f.parseCount(input.value, lang);
    if (r.error) {
      input.setAttribute('aria-invalid', 'true');
      input.insertAdjacentElement('afterend', h('span', { class: 'v-error small', id: msgId, role: 'alert' }, r.error));
      return;
    }
    if (r.value === '') values.delete(key);
    else { values.set(key, r.value); input.value = f.num(r.value, 0, lang); }
    keep();
    status(t('draftKept'));
  };

  const { bySection, loose } = sectionsWithFigures(ds);
  const thisLabel = `${t('thisPeriod')} (${period})`, prevLabel = `${t('lastPeriod')} (${prevP || '–'})`;
  const parts = [];
  for (const s of ds.sections || []) {
    const codes = bySection.get(s.code) || [];
    if (!codes.length) continue;
    // Only the parts with figures are here (a report on behalf has no
    // narrative), so each is a heading of the same level.
    parts.push(() => h('h2', { class: 'sec' }, `${s.code}. ${s.title}`));
    for (const code of codes) parts.push(() => elementBlock(code, cell, prev, prevLabel, thisLabel, 'h3'));
  }
  if (loose.length) {
    parts.push(() => h('h2', null, t('numbers')));
    for (const code of loose) parts.push(() => elementBlock(code, cell, prev, prevLabel, thisLabel, 'h3'));
  }
  const { form, buildAll, start } = cellForm(parts, take, () => {}, started, lang);

  const blocking = h('div', { id: 'proxy-blocking', 'aria-live': 'polite' });
  const result = h('div', { id: 'proxy-result', 'aria-live': 'polite' });
  const can = ctx.caller.token.role === 'ROLE_APPROVER' || ctx.caller.token.role === 'ROLE_ADMIN';
  const button = h('button', { type: 'button', class: 'primary', id: 'proxy-sign', disabled: !can, onclick: () => sign() }, t('proxySign'));
  const panel = h('section', { class: 'card sign', id: 'sign', 'aria-labelledby': 'sign-h' },
    h('h2', { id: 'sign-h' }, t('proxySignTitle')),
    h('p', null, t('proxyIntro'), ` ${ctx.node.unit_code} ${ctx.node.unit_name}.`),
    can ? null : h('p', { class: 'muted' }, t('needApprover')),
    blocking, h('div', { class: 'actions' }, button), result);

  // showBlocking lists the errors the node would not sign, each with a
  // field for the reason to keep it.
  function showBlocking(violations) {
    fill(blocking, h('p', { class: 'v-error' }, t('overrideHint')), violations.map((v, i) =>
      h('div', { class: 'override' },
        h('p', { class: 'v-error', id: 'block-' + i }, h('strong', null, t('error'), ': '), v.description),
        h('label', { for: 'povr-' + i }, h('strong', null, v.subject), ' – ', t('override')),
        h('input', { type: 'text', id: 'povr-' + i, 'aria-describedby': 'block-' + i, dataset: { rule: v.subject } }))));
  }

  async function sign() {
    buildAll();
    for (const input of form.querySelectorAll('input.num')) if (input.getAttribute('aria-invalid') === 'true') { input.focus(); return; }
    const body = {
      values: [...values].map(([k, value]) => { const [el, opt] = k.split('|'); return { data_element: el, option: opt, value }; }),
      overrides: [...blocking.querySelectorAll('.override input')].filter((i) => i.value.trim() !== '').map((i) => ({ rule: i.dataset.rule, reason: i.value.trim() })),
    };
    button.disabled = true;
    try {
      const r = await post(`/v1/units/${enc(unit)}/data-sets/${enc(dataSet)}/periods/${enc(period)}:submit-on-behalf`, body);
      localStorage.removeItem(draftKey);
      fill(blocking);
      const sub = r.submission;
      const warns = (sub.violations || []).filter((v) => v.importance !== 'IMPORTANCE_ERROR').length;
      fill(result, h('p', { class: 'ok', id: 'proxy-done' },
        `${t('proxySigned')}: ${t('revision')} ${sub.revision} · ${f.dateTime(sub.signed_at, lang)}`, warns ? ` · ${t('warnings')}: ${f.num(warns, 0, lang)}` : '', ' · ',
        h('a', { href: `#/bao-cao/${enc(unit)}/${enc(dataSet)}/${enc(period)}` }, t('reportOf'), ` ${unit}`)));
      status(`${t('proxySigned')}: ${unit}`, 'ok');
    } catch (err) {
      const pf = err instanceof APIError ? (err.details || []).flatMap((d) => (d.violations || []).filter((v) => v.type === 'VALIDATION')) : [];
      if (pf.length) {
        const reasons = new Map([...blocking.querySelectorAll('.override input')].map((i) => [i.dataset.rule, i.value]));
        showBlocking(pf);
        for (const i of blocking.querySelectorAll('.override input')) i.value = reasons.get(i.dataset.rule) || '';
        blocking.querySelector('.override input')?.focus();
        status(t('overrideHint'), 'error');
      } else {
        fill(blocking, h('p', { class: 'v-error', role: 'alert' }, errorText(err)));
        status(errorText(err), 'error');
      }
    } finally {
      button.disabled = !can;
    }
  }

  fill(main(), title,
    h('p', { class: 'card due', id: 'proxy-note' }, t('proxyNote'), ` ${ctx.node.unit_code} ${ctx.node.unit_name}`,
      cur.latest ? ` · ${t('revision')} ${cur.latest.revision} ${t('proxyEarlier')}` : '',
      draft ? ` · ${t('draftKept')}` : ''),
    h('p', { class: 'hint' }, t('pasteHint')), form, panel);
  start();
}
