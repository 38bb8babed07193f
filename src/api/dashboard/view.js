/* global location, URLSearchParams */
// What the dashboard shows, as kept in the address bar: a preset range (?range=1h) or a custom one
// (?from=<ISO>&to=<ISO>, validated by the API's timestamp parser first), the approximate-count
// toggle (&approx=1), the chosen error code (&code=C) and the device looked up (&ip=A). A link with
// these shows the same view.

export const PRESETS = {
  '15m': { label: 'last 15 minutes', ms: 15 * 60_000 },
  '1h': { label: 'last hour', ms: 60 * 60_000 },
  '24h': { label: 'last 24 hours', ms: 24 * 60 * 60_000 },
  '7d': { label: 'last 7 days', ms: 7 * 24 * 60 * 60_000 },
  all: { label: 'all time', ms: null },
};

const HOUR_MS = 60 * 60_000;
/** The series' minute buckets up to 12 hours, hour buckets up to 59 days (the API takes 1,440). */
const MINUTE_SERIES_MAX_MS = 12 * HOUR_MS;
const HOUR_SERIES_MAX_MS = 59 * 24 * HOUR_MS;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function readView(search) {
  const params = new URLSearchParams(search);
  const from = params.get('from');
  const to = params.get('to');
  const preset = params.get('range');
  let range;
  if (from !== null && ISO.test(from) && (to === null || to === '' || ISO.test(to))) {
    range = { from, to: to || null };
  } else {
    range = { preset: preset !== null && preset in PRESETS ? preset : 'all' };
  }
  const code = params.get('code');
  return {
    range,
    approx: params.get('approx') === '1',
    code: code !== null && /^-?\d{1,18}$/.test(code) ? code : null,
    ip: params.get('ip') || null,
  };
}

export function writeView(view) {
  const params = new URLSearchParams();
  if ('preset' in view.range) {
    if (view.range.preset !== 'all') params.set('range', view.range.preset);
  } else {
    params.set('from', view.range.from);
    if (view.range.to !== null) params.set('to', view.range.to);
  }
  if (view.approx) params.set('approx', '1');
  if (view.code !== null) params.set('code', view.code);
  if (view.ip !== null) params.set('ip', view.ip);
  const text = params.toString();
  return text === '' ? location.pathname : `${location.pathname}?${text}`;
}

/** The range's ends for the API at `now` (ISO, or null for an open end) and how to name it. */
export function resolveRange(range, now) {
  if ('preset' in range) {
    const preset = PRESETS[range.preset];
    if (preset.ms === null) return { from: null, to: null, label: preset.label };
    return {
      from: new Date(now - preset.ms).toISOString(),
      to: new Date(now).toISOString(),
      label: preset.label,
    };
  }
  const to = range.to ?? new Date(now).toISOString();
  return { from: range.from, to, label: range.to === null ? 'custom, to now' : 'custom' };
}

/** The series request for a range: bucket size, ends, and what the chart says it shows. */
export function seriesQuery(resolved) {
  if (resolved.from === null) {
    return {
      bucket: 'hour',
      from: null,
      to: null,
      note: 'all time: the latest 48 hours with data, per hour',
    };
  }
  const from = Date.parse(resolved.from);
  const to = Date.parse(resolved.to);
  if (to - from <= MINUTE_SERIES_MAX_MS) {
    return { bucket: 'minute', from: resolved.from, to: resolved.to, note: 'per minute' };
  }
  if (to - from <= HOUR_SERIES_MAX_MS) {
    return { bucket: 'hour', from: resolved.from, to: resolved.to, note: 'per hour' };
  }
  return {
    bucket: 'hour',
    from: new Date(to - HOUR_SERIES_MAX_MS).toISOString(),
    to: resolved.to,
    note: 'per hour, the last 59 days of the range',
  };
}
