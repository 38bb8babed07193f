/* global document, window, location, history, performance, setTimeout, clearTimeout */
// The dashboard: a range picker, what the API answers over the range (totals, unique IPs, the
// series, top devices, top error codes and the series of one code), a device lookup, and the
// pipeline's lag and dead letters. It polls the JSON API every 2 s and shows what it answers,
// nothing else; it writes only text (textContent), never HTML, so stored values cannot inject
// markup. The view (range, toggle, chosen code, device) lives in the address bar (view.js).
import { ApiError, features, getJson, postJson } from './api.js';
import { seriesChart } from './charts.js';
import { buttonCell, cell, decimal, integer, percent, showNumber, utc } from './format.js';
import { readView, resolveRange, seriesQuery, writeView } from './view.js';

const REFRESH_MS = 2000;
const TOP_SHOWN = 10;
const CODES_SHOWN = 10;
const DEAD_LETTERS_SHOWN = 20;
const byId = (id) => document.getElementById(id);

let view = readView(location.search);
let available = { errors: false, codeSeries: false };

const mainChart = seriesChart(byId('chart'), [
  {
    label: 'events',
    axis: 'events',
    field: 'events',
    scale: 'events',
    stroke: '#2f6fdf',
    fill: 'rgba(47,111,223,0.08)',
  },
  { label: 'unique IPs', axis: 'unique IPs', field: 'uniqueIps', scale: 'ips', stroke: '#e07a1f' },
]);
const codeChart = seriesChart(
  byId('code-chart'),
  [
    {
      label: 'events',
      axis: 'events',
      field: 'events',
      scale: 'events',
      stroke: '#b42318',
      fill: 'rgba(180,35,24,0.08)',
    },
    { label: 'devices', axis: 'devices', field: 'uniqueIps', scale: 'ips', stroke: '#6941c6' },
  ],
  220,
);

// ---- the view and its controls ----

/** Changes the view, records it in the address bar (a new history entry when `push`), shows it. */
function changeView(patch, { push = true } = {}) {
  view = { ...view, ...patch };
  if ('range' in patch) {
    byId('range-problem').hidden = true;
    for (const el of [byId('from-input'), byId('to-input')]) el.removeAttribute('aria-invalid');
  }
  const url = writeView(view);
  if (url !== location.pathname + location.search) {
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
  }
  showControls();
  void refresh();
}

function showControls() {
  const preset = 'preset' in view.range ? view.range.preset : null;
  for (const button of document.querySelectorAll('[data-preset]')) {
    button.setAttribute('aria-pressed', String(button.dataset.preset === preset));
  }
  const from = byId('from-input');
  const to = byId('to-input');
  if (preset === null) {
    from.value = view.range.from;
    to.value = view.range.to ?? '';
  }
  byId('approx-toggle').checked = view.approx;
}

/** Sets an element's text only when it changes (a live region re-announces any write). */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function showRangeProblem(message, input) {
  const problem = byId('range-problem');
  problem.hidden = false;
  setText(problem, message);
  for (const el of [byId('from-input'), byId('to-input')]) el.removeAttribute('aria-invalid');
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/** A custom range: both ends checked and normalised by the API's timestamp parser. */
async function applyCustom(event) {
  event.preventDefault();
  const fromInput = byId('from-input');
  const toInput = byId('to-input');
  const fromText = fromInput.value.trim();
  const toText = toInput.value.trim();
  if (fromText === '') {
    showRangeProblem('From: type a time, or pick a preset range.', fromInput);
    return;
  }
  let results;
  try {
    ({ results } = await postJson('/api/v1/timestamps/parse', {
      values: toText === '' ? [fromText] : [fromText, toText],
    }));
  } catch (error) {
    showRangeProblem(error instanceof Error ? error.message : String(error));
    return;
  }
  const [from, to] = results;
  if ('error' in from) {
    showRangeProblem(`From: ${from.message}`, fromInput);
    return;
  }
  if (to !== undefined && 'error' in to) {
    showRangeProblem(`To: ${to.message}`, toInput);
    return;
  }
  if (to !== undefined && to.epochMs <= from.epochMs) {
    showRangeProblem(`To (${utc(to.iso)}) must be after from (${utc(from.iso)}).`, toInput);
    return;
  }
  changeView({ range: { from: from.iso, to: to?.iso ?? null } });
}

// ---- the device lookup ----

function showDevice(device) {
  const box = byId('device');
  box.hidden = false;
  box.dataset.ip = device.ip;
  byId('device-problem').hidden = true;
  byId('device-ip').textContent = device.ip;
  showNumber(byId('device-events'), device.events);
  byId('device-first').textContent = `${utc(device.firstSeen)} UTC`;
  byId('device-last').textContent = `${utc(device.lastSeen)} UTC`;
  const body = byId('device-codes').tBodies[0];
  body.replaceChildren();
  const codes = Object.entries(device.errorCodes).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
  for (const [code, events] of codes) {
    const row = body.insertRow();
    row.dataset.code = code;
    cell(row, code, 'code');
    cell(row, integer.format(events), 'num events');
  }
}

function showDeviceProblem(message) {
  byId('device').hidden = true;
  byId('device').dataset.ip = '';
  const problem = byId('device-problem');
  problem.hidden = false;
  setText(problem, message);
  byId('lookup-status').textContent = '';
}

/** Looks an address up (any spelling: the API canonicalises it) and keeps it in the view. */
async function lookUp(text) {
  const ip = text.trim();
  if (ip === '') {
    showDeviceProblem('Type an IPv4 or IPv6 address.');
    byId('ip-input').focus();
    return;
  }
  try {
    const device = await getJson(`/api/v1/ips/${encodeURIComponent(ip)}`);
    showDevice(device);
    byId('lookup-status').textContent = `Found ${device.ip}: ${integer.format(device.events)} events.`;
    if (view.ip !== device.ip) changeView({ ip: device.ip });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) showDeviceProblem(`${ip} never sent an event.`);
    else if (error instanceof ApiError && error.status === 400) showDeviceProblem(error.reason);
    else showDeviceProblem(error instanceof Error ? error.message : String(error));
    if (view.ip !== null) changeView({ ip: null });
  }
}

function lookUpFromList(ip) {
  byId('ip-input').value = ip;
  void lookUp(ip).then(() => {
    byId('lookup-title').scrollIntoView({ block: 'start' });
    byId('lookup-title').focus();
  });
}

// ---- what each answer shows ----

function showRange(range, series) {
  const status = byId('range-status');
  status.dataset.from = range.from ?? '';
  status.dataset.to = range.to ?? '';
  // What the range is, not where its moving ends are now: the text changes only with the view.
  const custom = 'from' in view.range;
  setText(
    status,
    !custom
      ? `Showing ${range.from === null ? 'all time' : `the ${range.label}, until now`}.`
      : `Showing ${utc(view.range.from)} to ${view.range.to === null ? 'now' : `${utc(view.range.to)} UTC`}.`,
  );
  byId('events-unit').textContent = range.from === null ? 'events, all time' : 'events in the range';
  byId('chart-title').textContent = `Events and unique IPs per ${series.bucket}`;
}

function showUnique(unique, approx) {
  showNumber(byId('total-events'), unique.events);
  showNumber(byId('unique-ips'), unique.uniqueIps);
  const el = byId('unique-approx');
  el.hidden = approx === null;
  if (approx === null) return;
  if (approx.mode === 'exact') {
    // All time is counted from the totals, exactly, whatever the mode asked.
    el.dataset.value = String(approx.uniqueIps);
    el.dataset.relativeError = '';
    el.dataset.deviation = '0';
    setText(el, 'all time is always counted exactly; pick a range for the approximate count');
    return;
  }
  const deviation =
    unique.uniqueIps === 0 ? 0 : Math.abs(approx.uniqueIps - unique.uniqueIps) / unique.uniqueIps;
  el.dataset.value = String(approx.uniqueIps);
  el.dataset.relativeError = String(approx.relativeError ?? '');
  el.dataset.deviation = String(deviation);
  setText(
    el,
    `approx ≈ ${integer.format(approx.uniqueIps)} (HyperLogLog, standard error ` +
      `±${percent.format(approx.relativeError ?? 0)}; ${percent.format(deviation)} off the exact count)`,
  );
}

// The ingest rate: the change in all-time stored events between two refreshes.
let previous = null;
function showRate(allTimeEvents) {
  const now = performance.now();
  if (previous !== null && now > previous.at) {
    const rate = Math.max(0, (allTimeEvents - previous.events) / ((now - previous.at) / 1000));
    showNumber(byId('rate'), Math.round(rate * 10) / 10, decimal);
  }
  previous = { events: allTimeEvents, at: now };
}

function showSeries(answer, note) {
  mainChart.update(answer);
  byId('chart-range').textContent =
    `by event timestamp, ${utc(answer.from)} to ${utc(answer.to)} UTC (${note}; whole buckets)`;
}

function showTop(answer) {
  const body = byId('top-table').tBodies[0];
  body.replaceChildren();
  byId('top-empty').hidden = answer.items.length > 0;
  answer.items.forEach((item, i) => {
    const row = body.insertRow();
    cell(row, String(i + 1), 'num');
    buttonCell(row, item.ip, `look up ${item.ip}`, () => lookUpFromList(item.ip), 'ip');
    cell(row, integer.format(item.events), 'num events');
  });
}

function showErrors(answer, chosen) {
  byId('errors-unavailable').hidden = true;
  const body = byId('errors-table').tBodies[0];
  body.replaceChildren();
  byId('errors-empty').hidden = answer.items.length > 0;
  for (const item of answer.items) {
    const code = String(item.errorCode);
    const row = body.insertRow();
    row.dataset.code = code;
    const button = buttonCell(
      row,
      code,
      `show the series of error code ${code}`,
      () => changeView({ code }),
      'code',
    );
    button.setAttribute('aria-pressed', String(code === chosen));
    if (code === chosen) row.classList.add('chosen');
    cell(row, integer.format(item.events), 'num events');
    cell(row, integer.format(item.devices), 'num devices');
    cell(row, answer.events > 0 ? percent.format(item.events / answer.events) : '–', 'num');
  }
}

function showErrorsUnavailable() {
  byId('errors-table').tBodies[0].replaceChildren();
  byId('errors-empty').hidden = true;
  byId('errors-unavailable').hidden = false;
}

function showCodeSeries(answer, code, note) {
  byId('code-unavailable').hidden = true;
  const el = byId('code-chart');
  if (answer === null) {
    codeChart.clear();
    el.dataset.code = '';
    byId('code-title').textContent = 'Events with the chosen error code';
    byId('code-range').textContent = 'no error code in the range';
    return;
  }
  codeChart.update(answer);
  el.dataset.code = code;
  byId('code-title').textContent = `Events with error code ${code} per ${answer.bucket}`;
  byId('code-range').textContent =
    `events and distinct devices with code ${code}, ${utc(answer.from)} to ${utc(answer.to)} UTC (${note})`;
}

function showCodeUnavailable() {
  codeChart.clear();
  byId('code-chart').dataset.code = '';
  byId('code-unavailable').hidden = false;
  byId('code-range').textContent = '';
}

function showPipeline(pipeline) {
  const body = byId('lag-table').tBodies[0];
  body.replaceChildren();
  const topic = pipeline.topic;
  showNumber(byId('total-lag'), topic === null ? null : topic.totalLag);
  const empty = byId('lag-empty');
  if (topic === null) {
    empty.hidden = false;
    empty.textContent = `No partition information: ${pipeline.topicError ?? 'unknown'}.`;
    return;
  }
  byId('topic-name').textContent =
    `topic ${topic.name}: records between the log end and the ingest group's committed offset`;
  empty.hidden = topic.partitions.length > 0;
  for (const p of topic.partitions) {
    const row = body.insertRow();
    row.dataset.partition = String(p.partition);
    cell(row, String(p.partition));
    cell(row, integer.format(p.end), 'num');
    cell(row, p.committed === null ? 'none' : integer.format(p.committed), 'num');
    cell(row, integer.format(p.lag), 'num lag');
  }
}

function showDeadLetters(dead) {
  showNumber(byId('dead-total'), dead.total);
  const body = byId('dead-table').tBodies[0];
  body.replaceChildren();
  byId('dead-empty').hidden = dead.items.length > 0;
  for (const d of dead.items) {
    const row = body.insertRow();
    cell(row, utc(d.at).slice(0, 19));
    cell(row, d.reason, 'reason').title = d.message;
    cell(row, `${d.partition}/${d.offset}`);
    cell(row, d.value, 'value-cell').title = d.value;
  }
}

// ---- the refresh loop ----

let timer;
let generation = 0;
let refreshes = 0;

const settle = (promise) =>
  promise === null
    ? Promise.resolve(null)
    : promise.then(
        (value) => ({ ok: true, value }),
        (error) => ({ ok: false, error }),
      );

/**
 * Asks everything the view needs at once and shows it. A refresh started later (a new view, or the
 * next tick) wins: an older one that finishes after it shows nothing, so a slow answer for the
 * previous range never overwrites the current one.
 */
async function refresh() {
  clearTimeout(timer);
  const mine = ++generation;
  const started = performance.now();
  const snapshot = view;
  const range = resolveRange(snapshot.range, Date.now());
  const series = seriesQuery(range);
  const span = { from: range.from, to: range.to };
  const asked = {
    unique: settle(getJson('/api/v1/ips/unique', span)),
    approx: settle(snapshot.approx ? getJson('/api/v1/ips/unique', { ...span, mode: 'approx' }) : null),
    allTime: settle(range.from === null ? null : getJson('/api/v1/ips/unique')),
    series: settle(
      getJson('/api/v1/stats/timeseries', { bucket: series.bucket, from: series.from, to: series.to }),
    ),
    top: settle(getJson('/api/v1/ips/top', { ...span, limit: TOP_SHOWN })),
    errors: settle(available.errors ? getJson('/api/v1/errors', { ...span, limit: CODES_SHOWN }) : null),
    pipeline: settle(getJson('/api/v1/pipeline')),
    dead: settle(getJson('/api/v1/dead-letters', { limit: DEAD_LETTERS_SHOWN })),
    device: settle(snapshot.ip === null ? null : getJson(`/api/v1/ips/${encodeURIComponent(snapshot.ip)}`)),
  };
  const got = {};
  for (const [name, answer] of Object.entries(asked)) got[name] = await answer;
  // The chosen code's series: the code in the view, else the range's most frequent one.
  const chosen = snapshot.code ?? (got.errors?.ok ? (got.errors.value.items[0]?.errorCode ?? null) : null);
  const codeSeries = settle(
    available.codeSeries && chosen !== null
      ? getJson('/api/v1/stats/timeseries', {
          bucket: series.bucket,
          from: series.from,
          to: series.to,
          errorCode: chosen,
        })
      : null,
  );
  got.codeSeries = await codeSeries;
  if (mine !== generation) return;

  const problems = [];
  const use = (result, show) => {
    if (result === null) return false;
    if (result.ok) show(result.value);
    else problems.push(result.error instanceof Error ? result.error.message : String(result.error));
    return result.ok;
  };
  showRange(range, series);
  use(got.unique, (unique) => showUnique(unique, got.approx?.ok ? got.approx.value : null));
  use(got.approx, () => undefined);
  const allTime = got.allTime ?? got.unique;
  if (allTime.ok) showRate(allTime.value.events);
  else use(allTime, () => undefined);
  use(got.series, (answer) => showSeries(answer, series.note));
  use(got.top, showTop);
  const code = chosen === null ? null : String(chosen);
  if (!available.errors) showErrorsUnavailable();
  else use(got.errors, (answer) => showErrors(answer, code));
  if (!available.codeSeries) showCodeUnavailable();
  else if (got.codeSeries === null) showCodeSeries(null, null, series.note);
  else use(got.codeSeries, (answer) => showCodeSeries(answer, code, series.note));
  use(got.pipeline, showPipeline);
  use(got.dead, showDeadLetters);
  if (got.device !== null) {
    if (got.device.ok) showDevice(got.device.value);
    else if (got.device.error instanceof ApiError && got.device.error.status === 404)
      showDeviceProblem(`${snapshot.ip} never sent an event.`);
    else use(got.device, () => undefined);
  }

  const problem = byId('problem');
  problem.hidden = problems.length === 0;
  problem.textContent = [...new Set(problems)].join('; ');
  // How long the API took to answer everything the view asks, in parallel (the slowest answer).
  const took = Math.round(performance.now() - started);
  document.body.dataset.refreshMs = String(took);
  byId('updated').textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC in ${took} ms`;
  document.body.dataset.refreshes = String(++refreshes);
  timer = setTimeout(() => void refresh(), REFRESH_MS);
}

// ---- start ----

for (const button of document.querySelectorAll('[data-preset]')) {
  button.addEventListener('click', () => changeView({ range: { preset: button.dataset.preset } }));
}
byId('custom-range').addEventListener('submit', (event) => void applyCustom(event));
byId('approx-toggle').addEventListener('change', (event) => changeView({ approx: event.target.checked }));
byId('lookup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void lookUp(byId('ip-input').value);
});
window.addEventListener('popstate', () => {
  view = readView(location.search);
  showControls();
  byId('ip-input').value = view.ip ?? '';
  if (view.ip === null) byId('device').hidden = true;
  void refresh();
});

showControls();
byId('ip-input').value = view.ip ?? '';
available = await features();
void refresh();
