// Numbers and dates for people: Vietnamese style (2.675; 77,78%) and times in
// Hà Nội time, labelled. Written by hand rather than with Intl.NumberFormat
// so that the output does not depend on the browser's locale data.

export const ZONE = 'Asia/Ho_Chi_Minh';

// num formats a number with dots between thousands and a decimal comma, in
// English with commas and a decimal point.
export function num(v, decimals = 0, lang = 'vi') {
  if (v === undefined || v === null || v === '' || Number.isNaN(Number(v))) return '–';
  const n = Number(v);
  const neg = n < 0;
  const fixed = Math.abs(n).toFixed(decimals);
  let [int, frac] = fixed.split('.');
  const sep = lang === 'en' ? ',' : '.';
  int = int.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  const dec = lang === 'en' ? '.' : ',';
  return (neg ? '-' : '') + int + (frac ? dec + frac : '');
}

// signed formats a difference with its sign: +1,33 or -6,67.
export function signed(v, decimals = 2, lang = 'vi') {
  if (v === undefined || v === null) return '–';
  const s = num(v, decimals, lang);
  return Number(v) > 0 ? '+' + s : s;
}

// pct formats a percentage already scaled to 100: 77,78%.
export function pct(v, decimals = 2, lang = 'vi') {
  if (v === undefined || v === null) return '–';
  return num(v, decimals, lang) + '%';
}

// parseCount reads a count as people type it: "2.675", "2 675", "2675".
// It returns {value} (a string of plain digits, or '' for empty) or {error}.
export function parseCount(text, lang = 'vi') {
  const t = String(text).trim().replace(/[\s\u00a0]/g, '');
  if (t === '') return { value: '' };
  let digits = t;
  if (/^\d{1,3}(\.\d{3})+$/.test(t)) digits = t.replace(/\./g, '');
  else if (/^\d{1,3}(,\d{3})+$/.test(t) && lang === 'en') digits = t.replace(/,/g, '');
  if (!/^\d+$/.test(digits)) {
    return { error: lang === 'en' ? 'a whole number of zero or more, e.g. 2,675' : 'cần một số nguyên không âm, ví dụ 2.675' };
  }
  return { value: String(BigInt(digits)) };
}

const dtf = new Map();
function formatter(lang, opts) {
  const key = lang + JSON.stringify(opts);
  if (!dtf.has(key)) dtf.set(key, new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: ZONE, ...opts }));
  return dtf.get(key);
}

function parts(d, lang, opts) {
  const o = {};
  for (const p of formatter(lang, opts).formatToParts(d)) o[p.type] = p.value;
  return o;
}

// dateTime formats a timestamp as 15/10/2021 23:59 (giờ Hà Nội).
export function dateTime(ts, lang = 'vi') {
  if (!ts) return '–';
  const d = new Date(ts);
  const p = parts(d, lang, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute} ${lang === 'en' ? '(Hà Nội time)' : '(giờ Hà Nội)'}`;
}

// date formats a timestamp's day in Hà Nội: 15/10/2021.
export function date(ts, lang = 'vi') {
  if (!ts) return '–';
  const p = parts(new Date(ts), lang, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return `${p.day}/${p.month}/${p.year}`;
}

// time formats a timestamp's time of day in Hà Nội: 10:32.
export function time(ts, lang = 'vi') {
  const p = parts(new Date(ts), lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return `${p.hour}:${p.minute}:${p.second}`;
}

// csv builds a CSV file in machine format (plain numbers), with a byte-order
// mark so that Excel reads the Vietnamese names right.
export function csv(rows) {
  const cell = (v) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  return '\ufeff' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
