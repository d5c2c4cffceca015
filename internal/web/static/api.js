// The REST API, as the app calls it: same origin, the session cookie, and the
// header that marks a write as coming from the node's own pages.

export class APIError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body ? body.code : 0;
    this.details = body ? body.details || [] : [];
  }
}

export async function call(method, path, body, keepalive = false) {
  const opts = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', keepalive };
  if (method !== 'GET') opts.headers['X-Tonghop-Request'] = '1';
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text.trim() }; }
  }
  if (!resp.ok) throw new APIError(resp.status, data);
  return data || {};
}

export const get = (p) => call('GET', p);
export const post = (p, b) => call('POST', p, b === undefined ? {} : b);
export const patch = (p, b) => call('PATCH', p, b);
export const put = (p, b, keepalive) => call('PUT', p, b, keepalive);
export const del = (p) => call('DELETE', p);

// q builds a query string from the defined, non-empty values of o.
export function q(o) {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') s.set(k, v);
  const t = s.toString();
  return t ? '?' + t : '';
}

export const enc = encodeURIComponent;
