// Roll-ups for any indicator, unit, level, period or range: the table of
// numerator, denominator, value, target and the three achievement figures,
// a chart, and CSV; and the targets, listed and set.

import { get, post, del, enc, q } from './api.js';
import { h, table, download, fill } from './dom.js';
import { t, getLang, name } from './i18n.js';
import * as f from './fmt.js';
import { ctx, status, errorText, showError } from './app.js';
import { ranked, series } from './chart.js';

const main = () => document.getElementById('main');

function indicatorFmt(ind, lang) {
  const d = ind ? ind.decimals || 0 : 2;
  return (v) => (v === undefined || v === null ? '–' : f.num(v, d, lang) + (ind && ind.unit ? (ind.unit === '%' ? '%' : ' ' + ind.unit) : ''));
}

async function levels() {
  return (await get('/v1/levels')).levels || [];
}

async function subtreeUnits() {
  const self = ctx.node.unit_code;
  const kids = (await get('/v1/units' + q({ parent_code: self }))).units || [];
  return [{ code: self, name: ctx.node.unit_name }, ...kids];
}

export async function rollupScreen(params) {
  const lang = getLang();
  const inds = ctx.catalog.indicators || [];
  const [lvls, units] = await Promise.all([levels(), subtreeUnits()]);
  const indicator = params.get('indicator') || (inds[0] && inds[0].code);
  const unit = params.get('unit') || ctx.node.unit_code;
  const level = params.get('level') || '';
  const period = params.get('period') || String(new Date().getFullYear() - 1);
  const mode = params.get('mode') || (period.includes('..') ? 'series' : 'compare');
  const ind = inds.find((i) => i.code === indicator);
  const fmt = indicatorFmt(ind, lang);

  const form = h('form', { class: 'card filters', id: 'rollup-form', onsubmit: (e) => {
    e.preventDefault();
    const d = new FormData(e.target);
    location.hash = '#/tong-hop?' + new URLSearchParams([...d.entries()].filter(([, v]) => v !== '')).toString();
  } },
  h('div', null, h('label', { for: 'f-ind' }, t('indicator')), h('select', { id: 'f-ind', name: 'indicator' }, inds.map((i) => h('option', { value: i.code, selected: i.code === indicator }, name(i))))),
  h('div', null, h('label', { for: 'f-unit' }, t('unit')), h('select', { id: 'f-unit', name: 'unit' }, units.map((u) => h('option', { value: u.code, selected: u.code === unit }, `${u.code} ${u.name}`)))),
  h('div', null, h('label', { for: 'f-level' }, t('compareLevel')), h('select', { id: 'f-level', name: 'level' },
    h('option', { value: '' }, t('children')), lvls.map((l) => h('option', { value: l.code, selected: l.code === level }, t('level_' + l.code) || l.name)))),
  h('div', null, h('label', { for: 'f-period' }, t('period')), h('input', { id: 'f-period', name: 'period', value: period, 'aria-describedby': 'f-period-hint' }), h('span', { class: 'muted small', id: 'f-period-hint' }, t('periodHint'))),
  h('div', null, h('label', { for: 'f-mode' }, t('show')), h('select', { id: 'f-mode', name: 'mode' },
    h('option', { value: 'compare', selected: mode === 'compare' }, t('compare')), h('option', { value: 'series', selected: mode === 'series' }, t('series')))),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('show'))));

  const parts = [h('h1', null, t('rollup')), form];
  const head = [t('unit'), t('numerator'), t('denominator'), t('value'), t('target'), t('vsTarget'), t('shareOfPlan'), t('vsBaseline'), t('met')];
  const dirSign = { DIRECTION_AT_LEAST: '≥ ', DIRECTION_AT_MOST: '≤ ', DIRECTION_EQUAL: '= ' };
  const row = (v, label, cls) => {
    const a = v.achievement;
    return h('tr', { class: cls || '' },
      h('th', { scope: 'row' }, label),
      h('td', { class: 'n' }, f.num(v.numerator, 0, lang)), h('td', { class: 'n' }, f.num(v.denominator, 0, lang)),
      h('td', { class: 'n' }, fmt(v.value)),
      h('td', { class: 'n' }, a ? (dirSign[a.target.direction] || '') + fmt(a.target.value) : '–'),
      h('td', { class: 'n' }, a ? f.signed(a.difference, 2, lang) : '–'),
      h('td', { class: 'n' }, a ? f.num(a.share_of_plan, 1, lang) : '–'),
      h('td', { class: 'n' }, a && a.change_from_baseline !== undefined ? f.signed(a.change_from_baseline, 2, lang) : '–'),
      h('td', null, a ? (a.met ? t('yes') : t('no')) : '–'));
  };
  const csvRow = (v) => {
    const a = v.achievement;
    return [v.unit_code, v.unit_name, v.period, v.numerator ?? '', v.denominator ?? '', v.value ?? '', a ? a.target.value : '', a ? a.difference : '', a ? a.share_of_plan : '', a && a.change_from_baseline !== undefined ? a.change_from_baseline : '', a ? (a.met ? 1 : 0) : ''];
  };
  const csvHead = ['unit_code', 'unit_name', 'period', 'numerator', 'denominator', 'value', 'target', 'difference', 'share_of_plan', 'change_from_baseline', 'met'];
  try {
    if (mode === 'series') {
      const r = await get(`/v1/units/${enc(unit)}/indicators/${enc(indicator)}:series` + q({ period }));
      const pts = r.points || [];
      const tgt = pts.map((p) => p.achievement?.target?.value).find((v) => v !== undefined);
      parts.push(h('figure', { class: 'card' }, h('figcaption', null, `${t('chartSeries')}: ${name(ind)}`),
        series(pts.map((p) => ({ label: p.period, value: p.value })), { title: `${t('chartSeries')}: ${name(ind)}`, fmt, target: tgt })));
      parts.push(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'csv', onclick: () => download(`${indicator}-${unit}-${period}.csv`, f.csv([csvHead, ...pts.map(csvRow)])) }, t('csv'))));
      parts.push(table(`${name(ind)} – ${unit}`, [t('period'), ...head.slice(1)], pts.map((p) => row(p, p.period))));
    } else {
      const r = await get(`/v1/units/${enc(unit)}/indicators/${enc(indicator)}:compare` + q({ period, level }));
      const rows = r.rows || [];
      const chartRows = rows.map((v) => ({ label: `${v.unit_code} ${v.unit_name}`, value: v.value, target: v.achievement?.target?.value, met: v.achievement ? v.achievement.met : undefined }));
      parts.push(h('figure', { class: 'card', id: 'ranked-chart' }, h('figcaption', null, `${t('chartRanked')}: ${name(ind)}, ${period}`),
        ranked(chartRows, { title: `${t('chartRanked')}: ${name(ind)}, ${period}`, fmt, max: ind && ind.unit === '%' ? 100 : undefined })));
      parts.push(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'csv', onclick: () => download(`${indicator}-${unit}-${period}.csv`, f.csv([csvHead, ...rows.map(csvRow), csvRow(r.parent)])) }, t('csv'))));
      parts.push(table(`${name(ind)}, ${period}`, head, [...rows.map((v) => row(v, `${v.unit_code} ${v.unit_name}`)), row(r.parent, `Σ ${r.parent.unit_code} ${r.parent.unit_name}`, 'sum')], { class: 'rollup' }));
    }
  } catch (err) {
    fill(main(), ...parts);
    showError(err, form.parentNode);
    return;
  }
  fill(main(), ...parts);
}

export async function targetsScreen() {
  const lang = getLang();
  const inds = ctx.catalog.indicators || [];
  const [list, lvls, units] = await Promise.all([get('/v1/targets'), levels(), subtreeUnits()]);
  const indName = (c) => name(inds.find((i) => i.code === c)) || c;
  const dir = { DIRECTION_AT_LEAST: '≥', DIRECTION_AT_MOST: '≤', DIRECTION_EQUAL: '=' };
  const canSet = ctx.caller.token.role === 'ROLE_ADMIN';
  const rows = (list.targets || []).map((tg) => h('tr', null,
    h('th', { scope: 'row' }, indName(tg.indicator)),
    h('td', null, tg.unit_code || (t('level_' + tg.level) + ' (' + tg.level + ')')),
    h('td', null, tg.period), h('td', { class: 'n' }, `${dir[tg.direction] || ''} ${f.num(tg.value, 2, lang)}`),
    h('td', null, tg.baseline_period || ''), h('td', null, tg.note || ''),
    h('td', null, tg.set_by || ''),
    h('td', null, canSet && tg.set_by === ctx.node.unit_code ? h('button', { type: 'button', onclick: async () => {
      try { await del('/v1/targets/' + enc(tg.id)); await targetsScreen(); } catch (err) { showError(err); }
    } }, t('remove')) : '')));
  const csvRows = [['indicator', 'unit_code', 'level', 'period', 'direction', 'value', 'baseline_period', 'note', 'set_by'],
    ...(list.targets || []).map((tg) => [tg.indicator, tg.unit_code || '', tg.level || '', tg.period, tg.direction, tg.value, tg.baseline_period || '', tg.note || '', tg.set_by || ''])];
  const parts = [h('h1', null, t('targets')),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'csv', onclick: () => download('targets.csv', f.csv(csvRows)) }, t('csv'))),
    table(t('listTargets'), [t('indicator'), `${t('unit')} / ${t('level')}`, t('period'), t('target'), t('baseline'), t('note'), t('setBy'), ''], rows)];
  if (canSet) {
    const form = h('form', { class: 'card filters', id: 'target-form', onsubmit: async (e) => {
      e.preventDefault();
      const d = Object.fromEntries(new FormData(e.target).entries());
      const value = Number(String(d.value).replace(',', '.'));
      const target = { indicator: d.indicator, period: d.period, direction: d.direction, value, baseline_period: d.baseline_period, note: d.note };
      if (d.level) target.level = d.level; else target.unit_code = d.unit_code;
      try {
        await post('/v1/targets', target);
        status(t('saved'), 'ok');
        await targetsScreen();
      } catch (err) { showError(err, form); status(errorText(err), 'error'); }
    } },
    h('h2', null, t('setTarget')),
    h('div', null, h('label', { for: 't-ind' }, t('indicator')), h('select', { id: 't-ind', name: 'indicator' }, inds.map((i) => h('option', { value: i.code }, name(i))))),
    h('div', null, h('label', { for: 't-unit' }, t('forUnit')), h('select', { id: 't-unit', name: 'unit_code' }, units.map((u) => h('option', { value: u.code }, `${u.code} ${u.name}`)))),
    h('div', null, h('label', { for: 't-level' }, t('forLevel')), h('select', { id: 't-level', name: 'level' }, h('option', { value: '' }, t('none')), lvls.map((l) => h('option', { value: l.code }, t('level_' + l.code))))),
    h('div', null, h('label', { for: 't-period' }, t('period')), h('input', { id: 't-period', name: 'period', required: true, value: String(new Date().getFullYear()) })),
    h('div', null, h('label', { for: 't-dir' }, t('direction')), h('select', { id: 't-dir', name: 'direction' }, ['DIRECTION_AT_LEAST', 'DIRECTION_AT_MOST', 'DIRECTION_EQUAL'].map((d) => h('option', { value: d }, t('dir_' + d.replace('DIRECTION_', '')))))),
    h('div', null, h('label', { for: 't-value' }, t('target')), h('input', { id: 't-value', name: 'value', required: true, inputmode: 'decimal' })),
    h('div', null, h('label', { for: 't-base' }, t('baseline')), h('input', { id: 't-base', name: 'baseline_period' })),
    h('div', null, h('label', { for: 't-note' }, t('note')), h('input', { id: 't-note', name: 'note' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save'))));
    parts.push(form);
  }
  fill(main(), ...parts);
}
