/* global uPlot, document, window, location, history, sessionStorage, fetch, performance, setTimeout, URLSearchParams */
// The live dashboard: polls the JSON API every 2 s and shows what it answers, nothing else. It only
// writes text (textContent), never HTML, so record values in dead letters cannot inject markup.
'use strict';

(() => {
  const REFRESH_MS = 2000;
  const DEAD_LETTERS_SHOWN = 20;
  const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  const byId = (id) => document.getElementById(id);

  // A token for a protected API can be given once as /#token=...; it is kept for this tab only and
  // removed from the address bar.
  const hashToken = new URLSearchParams(location.hash.slice(1)).get('token');
  if (hashToken) {
    sessionStorage.setItem('ipstream-token', hashToken);
    history.replaceState(null, '', location.pathname);
  }
  const token = sessionStorage.getItem('ipstream-token');

  async function getJson(path) {
    const response = await fetch(path, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      cache: 'no-store',
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) throw new Error('this API needs a token: open /#token=<your token>');
    if (!response.ok)
      throw new Error(`${path}: ${response.status} ${body.error ?? ''} ${body.message ?? ''}`);
    return body;
  }

  function showNumber(id, value, format = integer) {
    const el = byId(id);
    el.dataset.value = value === null ? '' : String(value);
    el.textContent = value === null ? '–' : format.format(value);
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  // Totals and the ingest rate (the change in stored events between two refreshes).
  let previous = null;
  function showTotals(all) {
    showNumber('total-events', all.events);
    showNumber('unique-ips', all.uniqueIps);
    const now = performance.now();
    if (previous !== null && now > previous.at) {
      const rate = Math.max(0, (all.events - previous.events) / ((now - previous.at) / 1000));
      showNumber('rate', Math.round(rate * 10) / 10, decimal);
    }
    previous = { events: all.events, at: now };
  }

  let chart = null;
  const utcMinute = (seconds) => new Date(seconds * 1000).toISOString().slice(11, 16);
  const zeroBased = (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1];
  function chartWidth() {
    return Math.max(300, byId('chart').clientWidth || document.body.clientWidth - 48);
  }

  function showSeries(series) {
    const xs = series.buckets.map((b) => Date.parse(b.start) / 1000);
    const events = series.buckets.map((b) => b.events);
    const ips = series.buckets.map((b) => b.uniqueIps);
    const el = byId('chart');
    el.dataset.buckets = String(series.buckets.length);
    el.dataset.events = String(events.reduce((a, b) => a + b, 0));
    byId('chart-range').textContent =
      `by event timestamp, ${series.from.slice(0, 16).replace('T', ' ')} to ` +
      `${series.to.slice(0, 16).replace('T', ' ')} UTC (the latest 60 minutes with data)`;
    const data = [xs, events, ips];
    if (chart !== null) {
      chart.setData(data);
      return;
    }
    chart = new uPlot(
      {
        width: chartWidth(),
        height: 300,
        // Counts start at zero, so the height of a line reads as its size.
        scales: { x: { time: true }, events: { range: zeroBased }, ips: { range: zeroBased } },
        series: [
          { label: 'minute (UTC)', value: (_u, ts) => (ts === null ? '–' : utcMinute(ts)) },
          {
            label: 'events / minute',
            scale: 'events',
            stroke: '#2f6fdf',
            width: 2,
            fill: 'rgba(47,111,223,0.08)',
          },
          { label: 'unique IPs / minute', scale: 'ips', stroke: '#e07a1f', width: 2 },
        ],
        axes: [
          { values: (_u, splits) => splits.map(utcMinute), label: 'minute (UTC)' },
          { scale: 'events', label: 'events per minute', size: 70 },
          { scale: 'ips', side: 1, label: 'unique IPs per minute', size: 70, grid: { show: false } },
        ],
      },
      data,
      el,
    );
    window.addEventListener('resize', () => chart.setSize({ width: chartWidth(), height: 300 }));
  }

  function showPipeline(pipeline) {
    const body = byId('lag-table').tBodies[0];
    body.replaceChildren();
    const topic = pipeline.topic;
    showNumber('total-lag', topic === null ? null : topic.totalLag);
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
    showNumber('dead-total', dead.total);
    const body = byId('dead-table').tBodies[0];
    body.replaceChildren();
    byId('dead-empty').hidden = dead.items.length > 0;
    for (const d of dead.items) {
      const row = body.insertRow();
      cell(row, d.at.slice(0, 19).replace('T', ' '));
      cell(row, d.reason, 'reason').title = d.message;
      cell(row, `${d.partition}/${d.offset}`);
      cell(row, d.value, 'value-cell').title = d.value;
    }
  }

  let refreshes = 0;
  async function refresh() {
    const parts = [
      ['/api/v1/ips/unique', showTotals],
      ['/api/v1/stats/timeseries?bucket=minute', showSeries],
      ['/api/v1/pipeline', showPipeline],
      [`/api/v1/dead-letters?limit=${DEAD_LETTERS_SHOWN}`, showDeadLetters],
    ];
    const results = await Promise.allSettled(parts.map(([path]) => getJson(path)));
    const problems = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') parts[i][1](result.value);
      else problems.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
    });
    const problem = byId('problem');
    problem.hidden = problems.length === 0;
    problem.textContent = [...new Set(problems)].join('; ');
    byId('updated').textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
    document.body.dataset.refreshes = String(++refreshes);
    setTimeout(refresh, REFRESH_MS);
  }

  refresh();
})();
