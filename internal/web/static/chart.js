// Charts as inline SVG, drawn here rather than with a chart library: the
// three charts the app needs (units ranked against a target line, a series
// over periods, reports submitted over time) take a few dozen lines each, and
// a library would outweigh the whole app and need a build step or a CDN.

const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function frame(w, h, title, desc) {
  const svg = el('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img', class: 'chart', width: '100%' });
  const id = 'c' + Math.random().toString(36).slice(2);
  svg.setAttribute('aria-labelledby', id + 't ' + id + 'd');
  svg.append(el('title', { id: id + 't' }, title), el('desc', { id: id + 'd' }, desc));
  return svg;
}

// ranked draws horizontal bars, highest first, with the target as a dashed
// line. rows: [{label, value, target, met}]; fmt formats a value.
export function ranked(rows, { title, fmt, max }) {
  const bar = 22, gap = 8, left = 190, right = 70, top = 24;
  const w = 720, h = top + rows.length * (bar + gap) + 24;
  const values = rows.flatMap((r) => [r.value, r.target]).filter((v) => v !== undefined && v !== null);
  const hi = max || Math.max(1, ...values) * 1.05;
  const x = (v) => left + ((w - left - right) * v) / hi;
  const desc = rows.map((r) => `${r.label}: ${fmt(r.value)}${r.target !== undefined && r.target !== null ? ' / ' + fmt(r.target) : ''}`).join('; ');
  const svg = frame(w, h, title, desc);
  svg.append(el('line', { x1: left, x2: left, y1: top - 6, y2: h - 18, class: 'axis' }));
  rows.forEach((r, i) => {
    const y = top + i * (bar + gap);
    svg.append(el('text', { x: left - 8, y: y + bar * 0.7, 'text-anchor': 'end', class: 'label' }, r.label));
    if (r.value !== undefined && r.value !== null) {
      svg.append(el('rect', { x: left, y, width: Math.max(1, x(r.value) - left), height: bar, class: r.met === false ? 'bar miss' : r.met ? 'bar met' : 'bar' }));
      svg.append(el('text', { x: x(r.value) + 6, y: y + bar * 0.7, class: 'value' }, fmt(r.value)));
    } else {
      svg.append(el('text', { x: left + 6, y: y + bar * 0.7, class: 'value' }, '–'));
    }
    if (r.target !== undefined && r.target !== null) {
      svg.append(el('line', { x1: x(r.target), x2: x(r.target), y1: y - 3, y2: y + bar + 3, class: 'target' }));
    }
  });
  const targets = rows.map((r) => r.target).filter((v) => v !== undefined && v !== null);
  if (targets.length && targets.every((v) => v === targets[0])) {
    const tx = x(targets[0]);
    svg.append(el('line', { x1: tx, x2: tx, y1: top - 10, y2: h - 18, class: 'target' }));
    svg.append(el('text', { x: tx, y: top - 12, 'text-anchor': 'middle', class: 'label' }, fmt(targets[0])));
  }
  return svg;
}

// series draws a line over periods. points: [{label, value}]; target, when
// set, is drawn as a dashed line.
export function series(points, { title, fmt, target }) {
  const w = 720, h = 260, left = 60, right = 20, top = 20, bottom = 40;
  const vals = points.map((p) => p.value).filter((v) => v !== undefined && v !== null);
  if (target !== undefined && target !== null) vals.push(target);
  const hi = Math.max(1, ...vals) * 1.1, lo = 0;
  const x = (i) => left + (points.length > 1 ? ((w - left - right) * i) / (points.length - 1) : (w - left - right) / 2);
  const y = (v) => top + (h - top - bottom) * (1 - (v - lo) / (hi - lo));
  const svg = frame(w, h, title, points.map((p) => `${p.label}: ${fmt(p.value)}`).join('; '));
  svg.append(el('line', { x1: left, x2: w - right, y1: y(0), y2: y(0), class: 'axis' }));
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    svg.append(el('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  let d = '';
  points.forEach((p, i) => {
    if (p.value === undefined || p.value === null) return;
    d += (d ? ' L' : 'M') + x(i).toFixed(1) + ' ' + y(p.value).toFixed(1);
  });
  if (d) svg.append(el('path', { d, class: 'line' }));
  points.forEach((p, i) => {
    svg.append(el('text', { x: x(i), y: h - bottom + 18, 'text-anchor': 'middle', class: 'tick' }, p.label));
    if (p.value === undefined || p.value === null) return;
    svg.append(el('circle', { cx: x(i), cy: y(p.value), r: 4, class: 'dot' }));
    svg.append(el('text', { x: x(i), y: y(p.value) - 9, 'text-anchor': 'middle', class: 'value' }, fmt(p.value)));
  });
  if (target !== undefined && target !== null) {
    svg.append(el('line', { x1: left, x2: w - right, y1: y(target), y2: y(target), class: 'target' }));
  }
  return svg;
}

// steps draws a cumulative count over time: points [{t (ms), n}], with the
// deadline as a dashed vertical line and expected as the top.
export function steps(points, { title, deadline, expected, fmtTime }) {
  const w = 720, h = 220, left = 50, right = 20, top = 16, bottom = 40;
  const ts = points.map((p) => p.t).concat(deadline ? [deadline] : []);
  const t0 = Math.min(...ts), t1 = Math.max(...ts, t0 + 1);
  const x = (t) => left + ((w - left - right) * (t - t0)) / (t1 - t0);
  const y = (n) => top + (h - top - bottom) * (1 - n / Math.max(1, expected));
  const svg = frame(w, h, title, points.map((p) => `${fmtTime(p.t)}: ${p.n}/${expected}`).join('; '));
  svg.append(el('line', { x1: left, x2: w - right, y1: y(0), y2: y(0), class: 'axis' }));
  svg.append(el('text', { x: left - 6, y: y(expected) + 4, 'text-anchor': 'end', class: 'tick' }, String(expected)));
  svg.append(el('text', { x: left - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, '0'));
  let d = `M${x(t0)} ${y(0)}`, n = 0;
  for (const p of points) {
    d += ` L${x(p.t).toFixed(1)} ${y(n).toFixed(1)} L${x(p.t).toFixed(1)} ${y(p.n).toFixed(1)}`;
    n = p.n;
  }
  d += ` L${x(t1).toFixed(1)} ${y(n).toFixed(1)}`;
  svg.append(el('path', { d, class: 'line' }));
  if (deadline) {
    svg.append(el('line', { x1: x(deadline), x2: x(deadline), y1: top, y2: h - bottom, class: 'target' }));
    svg.append(el('text', { x: x(deadline), y: h - bottom + 18, 'text-anchor': 'middle', class: 'tick' }, fmtTime(deadline)));
  }
  return svg;
}
