// A few helpers to build the page from plain DOM calls: text always goes in
// as text, never as HTML.

export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (v === true) e.setAttribute(k, '');
      else e.setAttribute(k, v);
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// table builds a table with a caption, a header row and body rows; it sits
// in a focusable region so that a keyboard can scroll it on a phone.
export function table(caption, head, rows, opts = {}) {
  const t = h('table', { class: opts.class || '' },
    caption ? h('caption', null, caption) : null,
    h('thead', null, h('tr', null, head.map((c) => (c === '' ? h('td', null) : h('th', { scope: 'col' }, c))))),
    h('tbody', null, rows));
  const label = caption || opts.label;
  return h('div', { class: 'scroll', tabindex: '0', role: label ? 'region' : null, 'aria-label': label || null }, t);
}

export function download(filename, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// fill replaces el's children with the given ones, skipping empty ones and
// flattening lists, as h does.
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return el;
}
