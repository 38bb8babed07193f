/* global location, history, sessionStorage, fetch, URLSearchParams */
// The JSON API as the dashboard uses it: every request carries the token given once as /#token=...
// (kept for this tab only), and every failure is an ApiError with the answer's status and message.

/** A request that did not answer 2xx: `status` 0 when no answer came at all. */
export class ApiError extends Error {
  constructor(path, status, body) {
    const reason = [body.error, body.message].filter(Boolean).join(': ');
    super(
      status === 401 ? 'this API needs a token: open /#token=<your token>' : `${path}: ${status} ${reason}`,
    );
    this.status = status;
    this.code = body.error ?? null;
    this.reason = body.message ?? reason;
  }
}

const hashToken = new URLSearchParams(location.hash.slice(1)).get('token');
if (hashToken) {
  sessionStorage.setItem('ipstream-token', hashToken);
  history.replaceState(null, '', location.pathname + location.search);
}
const token = sessionStorage.getItem('ipstream-token');

async function request(path, init = {}) {
  const headers = { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  let response;
  try {
    response = await fetch(path, { ...init, headers, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(path, 0, { message: error instanceof Error ? error.message : String(error) });
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(path, response.status, body);
  return body;
}

/** GET `path` with the query `params` (undefined and null values left out). */
export function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return request(text === '' ? path : `${path}?${text}`);
}

export function postJson(path, body) {
  return request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * What this server offers, from its OpenAPI document: routes the dashboard can do without (the
 * error-code views) are shown as "not available" instead of failing when the server lacks them.
 */
export async function features() {
  try {
    const doc = await request('/openapi.json');
    const series = doc.paths?.['/api/v1/stats/timeseries']?.get?.parameters ?? [];
    return {
      errors: Boolean(doc.paths?.['/api/v1/errors']?.get),
      codeSeries: series.some((p) => p.name === 'errorCode'),
    };
  } catch {
    return { errors: false, codeSeries: false };
  }
}
