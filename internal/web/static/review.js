// The levels above: the round's completeness board, and a child's report
// with its values, violations, overrides and verification, to accept, return
// with a comment, or reopen.

import { get, post, enc, q } from './api.js';
import { h, table, download, fill } from './dom.js';
import { t, getLang, name } from './i18n.js';
import * as f from './fmt.js';
import { ctx, status, errorText, showError, loadUnit } from './app.js';
import { steps } from './chart.js';
import { rules, refs, homeOf, sentence, elementBlock, previousPeriod, catalogIndex } from './entry.js';

const main = () => document.getElementById('main');
const stateWord = (s) => t('st_' + String(s || '').replace('REPORT_STATE_', ''));
const stateClass = (s) => String(s || '').replace('REPORT_STATE_', '').toLowerCase();

export async function boardScreen(roundId) {
  const lang = getLang();
  const rounds = (await get('/v1/rounds')).rounds || [];
  if (!roundId && rounds.length) roundId = rounds[rounds.length - 1].id;
  const picker = h('select', { id: 'round-pick', onchange: (e) => { location.hash = '#/tien-do/' + enc(e.target.value); } },
    rounds.map((r) => h('option', { value: r.id, selected: r.id === roundId }, `${r.reference || r.id} (${r.period})`)));
  const parts = [h('h1', null, t('board')),
    h('div', { class: 'filters' }, h('label', { for: 'round-pick' }, t('round')), picker)];
  if (!roundId) { fill(main(), ...parts, h('p', null, t('noDue'))); return; }
  const c = await get(`/v1/rounds/${enc(roundId)}/completeness`);
  const counts = (n) => [n.expected, n.submitted, f.pct(n.expected ? (100 * n.submitted) / n.expected : 0, 2, lang), n.on_time, n.late, n.missing, n.accepted, n.returned, n.awaiting_review].map((x) => typeof x === 'number' ? f.num(x, 0, lang) : x);
  const cap = (w) => w.charAt(0).toUpperCase() + w.slice(1);
  const head = [t('level'), t('expected'), t('submitted'), t('rate'), cap(t('onTime')), cap(t('late')), t('missing'), t('accepted'), t('returned'), t('awaiting')];
  const z = (n) => ({ expected: 0, submitted: 0, on_time: 0, late: 0, missing: 0, accepted: 0, returned: 0, awaiting_review: 0, ...n });
  const levelRows = (c.levels || []).map((l) => [t('level_' + l.level) || l.level, ...counts(z(l.counts))]);
  levelRows.push([t('total'), ...counts(z(c.total))]);
  parts.push(h('p', null, `${t('deadline')}: ${f.dateTime(c.round.deadline, lang)}`, c.deadline_passed ? ` (${t('deadlinePassed')})` : '', c.round.reference ? ' · ' + c.round.reference : ''));
  parts.push(table(t('board') + ' – ' + t('level'), head, levelRows.map((r) => h('tr', null, r.map((x, i) => i ? h('td', { class: 'n' }, x) : h('th', { scope: 'row' }, x)))), { class: 'board' }));
  const units = c.units || [];
  const unitHead = [t('unit'), t('level'), t('state'), t('revision'), t('firstSigned'), t('errors'), t('comment')];
  const canProxy = ctx.caller.token.role === 'ROLE_APPROVER' || ctx.caller.token.role === 'ROLE_ADMIN';
  const unitRows = units.map((u) => h('tr', { class: 'state-' + stateClass(u.state), dataset: { unit: u.unit_code } },
    h('th', { scope: 'row' }, Number(u.revision) ? h('a', { href: `#/bao-cao/${enc(u.unit_code)}/${enc(c.round.data_set)}/${enc(c.round.period)}` }, `${u.unit_code} ${u.name}`) : `${u.unit_code} ${u.name}`),
    h('td', null, t('level_' + u.level)),
    h('td', null, h('span', { class: 'badge ' + stateClass(u.state) }, stateWord(u.state)), u.late ? h('span', { class: 'badge late' }, t('late')) : null,
      u.entered_by ? h('span', { class: 'badge proxy' }, `${t('enteredBy')} ${u.entered_by}`) : null,
      canProxy && u.unit_code !== ctx.node.unit_code && (!Number(u.revision) || u.entered_by)
        ? h('a', { class: 'proxy', href: `#/nhap-thay/${enc(u.unit_code)}/${enc(c.round.data_set)}/${enc(c.round.period)}` }, t('proxyLink')) : null),
    h('td', { class: 'n' }, Number(u.revision) ? u.revision : ''),
    h('td', null, u.first_signed_at ? f.dateTime(u.first_signed_at, lang) : ''),
    h('td', { class: 'n' }, u.error_count ? f.num(u.error_count, 0, lang) : ''),
    h('td', { class: 'comment' }, u.comment || '')));
  const csvRows = [['level', 'expected', 'submitted', 'on_time', 'late', 'missing', 'accepted', 'returned', 'awaiting_review'],
    ...(c.levels || []).map((l) => { const n = z(l.counts); return [l.level, n.expected, n.submitted, n.on_time, n.late, n.missing, n.accepted, n.returned, n.awaiting_review]; })];
  const unitCsv = [['unit_code', 'name', 'level', 'state', 'revision', 'first_signed_at', 'late', 'error_count', 'comment'],
    ...units.map((u) => [u.unit_code, u.name, u.level, stateClass(u.state), u.revision || 0, u.first_signed_at || '', u.late ? 1 : 0, u.error_count || 0, u.comment || ''])];
  parts.push(h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'csv', onclick: () => download(`${roundId}-completeness.csv`, f.csv(csvRows)) }, t('csv'), ' (', t('level'), ')'),
    h('button', { type: 'button', class: 'csv', onclick: () => download(`${roundId}-units.csv`, f.csv(unitCsv)) }, t('csv'), ' (', t('unit'), ')')));
  // Completeness over time: each unit's first signing, cumulated.
  const times = units.filter((u) => u.first_signed_at).map((u) => Date.parse(u.first_signed_at)).sort((a, b) => a - b);
  if (times.length) {
    const pts = times.map((tm, i) => ({ t: tm, n: i + 1 }));
    parts.push(h('figure', { class: 'card' }, h('figcaption', null, t('chartProgress')),
      steps(pts, { title: t('chartProgress'), deadline: Date.parse(c.round.deadline), expected: z(c.total).expected, fmtTime: (x) => f.date(x, lang) })));
  }
  parts.push(table(t('unit'), unitHead, unitRows, { class: 'units' }));
  fill(main(), ...parts);
}

export async function reportScreen(unit, dataSet, period) {
  const lang = getLang();
  const u = await loadUnit(unit);
  const list = await get('/v1/submissions' + q({ unit_code: unit, data_set: dataSet, period }));
  const latest = (list.submissions || [])[0];
  const title = h('h1', null, `${t('reportOf')} ${unit} ${u.name || ''} – ${period}`);
  if (!latest) { fill(main(), title, h('p', null, t('notReported'))); return; }
  const [full, events, ruleList] = await Promise.all([
    get('/v1/submissions/' + enc(latest.digest)),
    get('/v1/review-events' + q({ unit_code: unit, data_set: dataSet, period })).catch(() => ({ events: [] })),
    rules(),
  ]);
  const sub = full.submission;
  const ev = (events.events || []).filter((e) => e.unit_code === unit);
  const last = ev[ev.length - 1];
  const state = last ? last.to_state : 'REPORT_STATE_SUBMITTED';
  const ruleBy = new Map(ruleList.map((r) => [r.code, r]));
  const values = new Map((full.values || []).map((v) => [v.data_element + '|' + (v.option || ''), v.value]));
  const ds = (ctx.catalog.data_sets || []).find((d) => d.code === dataSet);

  const verify = h('section', { class: 'card verify', 'aria-labelledby': 'ver-h' },
    h('h2', { id: 'ver-h' }, t('verification')),
    h('p', { class: 'ok', id: 'verified' }, '✔ ', t('verifiedRoot'), ` (${sub.signer.split('/')[0]})`),
    h('dl', null,
      h('dt', null, t('signer')), h('dd', null, sub.signer.split('/').join(' › ')),
      h('dt', null, t('fingerprint')), h('dd', { class: 'mono' }, sub.signer_fingerprint),
      h('dt', null, t('revision')), h('dd', null, `${sub.revision} · ${t('signed')} ${f.dateTime(sub.signed_at, lang)}`),
      h('dt', null, 'Digest'), h('dd', { class: 'mono' }, sub.digest)));

  const viol = sub.violations || [];
  const violList = viol.length ? h('ul', { class: 'violations' }, viol.map((v) => {
    const rule = ruleBy.get(v.rule);
    const isErr = v.importance === 'IMPORTANCE_ERROR';
    return h('li', { class: isErr ? 'v-error' : 'v-warning' }, h('strong', null, isErr ? t('error') : t('warning'), ': '), sentence(v, rule, homeOf(v, rule)),
      v.overridden ? h('div', { class: 'override-note' }, `${t('overridden')}: ${v.override_reason}`) : null);
  })) : h('p', { class: 'ok' }, t('noViolations'));

  const comment = h('textarea', { id: 'review-comment', rows: '3' });
  const isParent = u.parent_code === ctx.node.unit_code;
  const canReview = isParent && (ctx.caller.token.role === 'ROLE_APPROVER' || ctx.caller.token.role === 'ROLE_ADMIN');
  const act = async (kind) => {
    const path = `/v1/units/${enc(unit)}/data-sets/${enc(dataSet)}/periods/${enc(period)}:${kind}`;
    const body = kind === 'accept' ? { digest: sub.digest } : kind === 'return' ? { comment: comment.value.trim() } : { reason: comment.value.trim() };
    try {
      const r = await post(path, body);
      status(`${stateWord(r.review.state)} – ${unit}`, 'ok');
      await reportScreen(unit, dataSet, period);
    } catch (err) {
      showError(err, review);
      status(errorText(err), 'error');
    }
  };
  const review = h('section', { class: 'card review', 'aria-labelledby': 'rev-h' },
    h('h2', { id: 'rev-h' }, t('state'), ': ', h('span', { class: 'badge ' + stateClass(state), id: 'review-state' }, stateWord(state))),
    last && last.reason ? h('p', { class: 'comment' }, last.reason) : null,
    canReview ? [
      h('label', { for: 'review-comment' }, `${t('returnComment')} / ${t('reopenReason')}`), comment,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'do-accept', disabled: state === 'REPORT_STATE_ACCEPTED', onclick: () => act('accept') }, t('accept'), ` (${t('revision')} ${sub.revision})`),
        h('button', { type: 'button', id: 'do-return', disabled: state === 'REPORT_STATE_ACCEPTED', onclick: () => act('return') }, t('return')),
        h('button', { type: 'button', id: 'do-reopen', disabled: state !== 'REPORT_STATE_ACCEPTED', onclick: () => act('reopen') }, t('reopen')))] : null,
    ev.length ? [h('h3', null, t('history')), h('ol', { class: 'history' }, ev.map((e) =>
      h('li', null, `${f.dateTime(e.time, lang)} – ${t('act_' + e.action)} (${t('revision')} ${e.revision}) – ${e.actor}${e.reason ? ': ' + e.reason : ''}`)))] : null);

  const { els } = catalogIndex();
  const blocks = (ds ? ds.data_elements : []).filter((code) => els.has(code) && [...values.keys()].some((k) => k.startsWith(code + '|')))
    .map((code) => elementBlock(code, (el, opt) => {
      const k = el + '|' + opt;
      return h('span', { class: 'num' }, values.has(k) ? f.num(values.get(k), 0, lang) : '–');
    }, () => '', `${t('lastPeriod')} (${previousPeriod(period)})`, `${t('thisPeriod')} (${period})`, 'h3'));
  const csvRows = [['data_element', 'option', 'value'], ...(full.values || []).map((v) => [v.data_element, v.option || '', v.value])];
  const sections = (full.sections || []).map((s) => h('div', { class: 'section-read' }, h('h3', null, s.section), h('p', null, s.text)));
  fill(main(), title, h('p', { class: 'muted' }, name(ds)), review, verify,
    h('section', { class: 'card', 'aria-labelledby': 'chk-h' }, h('h2', { id: 'chk-h' }, t('checks')), violList),
    h('h2', null, t('numbers')),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'csv', onclick: () => download(`${unit}-${dataSet}-${period}.csv`, f.csv(csvRows)) }, t('csv'))),
    blocks, h('h2', null, t('narrative')), sections);
  // mark the violating cells in the read-only tables
  for (const v of viol) {
    const rule = ruleBy.get(v.rule);
    if (!rule) continue;
    for (const k of [...refs(rule.left), ...refs(rule.right)]) {
      const [el] = k.split('|');
      document.getElementById('el-' + el)?.classList.add(v.importance === 'IMPORTANCE_ERROR' ? 'has-error' : 'has-warning');
    }
  }
}
