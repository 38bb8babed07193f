import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../../src/api/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import {
  launchChromium,
  rangeShown,
  refreshed,
  refreshesSoFar,
  tableColumn,
  tile,
  watchedPage,
} from '../support/api-browser.ts';
import { ingestUntilIdle, produceLines, produceSynthetic } from '../support/api-fixture.ts';
import { killChildren } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// The dashboard in a real browser, on data that went through the pipeline: what it shows must be
// what the API answers for the same range, whether the range is picked from the presets, typed in
// any form the timestamp parser accepts, or opened from a shared link; the lookup must find a device
// in any spelling; the error-code view must match GET /api/v1/errors (or say it is not available
// where the server has no such route); and it must work by keyboard, on a phone and on an empty
// database.

const config = testConfig('dashboard');
const emptyConfig = testConfig('dashboard-empty');
const admin = new TopicAdmin(config.kafka);
const client = new MongoClient(config.mongo.uri);
const apps: FastifyInstance[] = [];
let browser: Browser;
let base: string;

const MALFORMED = ['not json', '{"timestamp":"2023-02-29","device_ip":"10.0.0.1","error_code":1}', '[1]'];
const number = (n: number) => n.toLocaleString('en-US');
/** The synthetic events lie in 2024-09-18T14:00Z..15:00Z; this custom range cuts inside minutes. */
const CUSTOM_TEXT = {
  from: '1726668030', // epoch seconds: 2024-09-18T14:00:30Z
  to: 'Wed, 18 Sep 2024 16:20:45 +0200', // RFC 2822: 14:20:45Z
};
const CUSTOM = { from: '2024-09-18T14:00:30.000Z', to: '2024-09-18T14:20:45.000Z' };
/** CUSTOM's ends rounded out to whole minutes, as the per-minute series counts. */
const WHOLE_MINUTES = { from: '2024-09-18T14:00:00.000Z', to: '2024-09-18T14:21:00.000Z' };

/** The app on `db`, listening on an ephemeral port, as `serve` runs it. */
async function serve(dbName: string): Promise<string> {
  const app = await buildApp({
    db: client.db(dbName),
    topicStatus: () => admin.describe(config.kafka.topic, config.kafka.group),
  });
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}

async function api<T>(path: string, params: Record<string, string> = {}, at = base): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  const response = await fetch(`${at}${path}${query === '' ? '' : `?${query}`}`);
  assert.equal(response.status, 200, path);
  return (await response.json()) as T;
}

interface Unique {
  uniqueIps: number;
  events: number;
  relativeError?: number;
}
interface Series {
  bucket: string;
  buckets: { events: number }[];
}
interface ErrorCodes {
  items: { errorCode: number; events: number; devices: number }[];
  events: number;
}

/** An IPv6 address with every group written out in four digits: `2001:0DB8:0000:...`. */
function uncompressed(ip: string): string {
  const [head = '', tail] = ip.split('::');
  const start = head === '' ? [] : head.split(':');
  const end = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - start.length - end.length).fill('0');
  return [...start, ...zeros, ...end].map((group) => group.padStart(4, '0')).join(':');
}

/** Whether this server answers error codes (the dashboard asks its OpenAPI document the same). */
async function errorRoutes(): Promise<boolean> {
  const doc = await api<{ paths: Record<string, unknown> }>('/openapi.json');
  return '/api/v1/errors' in doc.paths;
}

/** Totals, unique IPs, top devices and the series the page shows equal the API's for its range. */
async function assertRangeMatchesApi(page: Page, range: { from: string; to: string }): Promise<void> {
  const unique = await api<Unique>('/api/v1/ips/unique', range);
  assert.deepEqual(await tile(page, 'total-events'), {
    text: number(unique.events),
    value: String(unique.events),
  });
  assert.equal((await tile(page, 'unique-ips')).value, String(unique.uniqueIps));
  const top = await api<{ items: { ip: string; events: number }[] }>('/api/v1/ips/top', {
    ...range,
    limit: '10',
  });
  assert.deepEqual(
    await tableColumn(page, 'top-table', 'ip'),
    top.items.map((i) => i.ip),
  );
  assert.deepEqual(
    await tableColumn(page, 'top-table', 'events'),
    top.items.map((i) => number(i.events)),
  );
  const chart = await page.$eval('#chart', (el) => ({ ...(el as HTMLElement).dataset }));
  const bucket = range.from === '' ? 'hour' : 'minute';
  const series = await api<Series>('/api/v1/stats/timeseries', { ...range, bucket });
  assert.equal(chart.buckets, String(series.buckets.length));
  assert.equal(chart.events, String(series.buckets.reduce((n, b) => n + b.events, 0)));
}

before(async () => {
  await admin.create(config.kafka.topic, 2);
  await produceSynthetic(config, 1500, 120, 51);
  await produceLines(config, MALFORMED);
  await ingestUntilIdle(config);
  browser = await launchChromium();
  base = await serve(config.mongo.db);
});

after(async () => {
  killChildren();
  await browser?.close();
  for (const app of apps) await app.close();
  await client.close();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
  await dropDatabase(emptyConfig);
});

describe('dashboard', () => {
  it('shows the numbers the API answers, then follows new events without a reload', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${base}/`);
    await refreshed(page, 1);

    const unique = await api<Unique>('/api/v1/ips/unique');
    assert.equal(unique.events, 1500);
    assert.deepEqual(await rangeShown(page), { from: '', to: '' }, 'all time by default');
    await assertRangeMatchesApi(page, { from: '', to: '' });
    const dead = await api<{ total: number; items: { reason: string }[] }>('/api/v1/dead-letters', {
      limit: '20',
    });
    assert.equal(dead.total, MALFORMED.length);
    assert.equal((await tile(page, 'dead-total')).value, String(dead.total));
    assert.deepEqual(
      await tableColumn(page, 'dead-table', 'reason'),
      dead.items.map((i) => i.reason),
    );
    const pipeline = await api<{ topic: { totalLag: number; partitions: { lag: number }[] } }>(
      '/api/v1/pipeline',
    );
    assert.equal((await tile(page, 'total-lag')).value, String(pipeline.topic.totalLag));
    assert.deepEqual(
      await tableColumn(page, 'lag-table', 'lag'),
      pipeline.topic.partitions.map((p) => number(p.lag)),
    );
    assert.equal(await page.locator('#chart canvas').count(), 1, 'the chart is drawn');
    for (const title of [
      'Events',
      'Unique IPs',
      'Ingest rate',
      'Top devices',
      'Top error codes',
      'Device lookup',
    ]) {
      assert.equal(await page.getByRole('heading', { name: title, exact: true }).count(), 1, title);
    }
    assert.equal(await page.locator('#problem').isHidden(), true);

    // More events through the pipeline: the page catches up by itself. The ingest rate is only
    // non-zero at the refresh that saw them, so the page records the highest rate it shows.
    await page.evaluate(() => {
      const rate = document.getElementById('rate')!;
      const record = window as unknown as { maxRate: number };
      record.maxRate = 0;
      new MutationObserver(() => {
        record.maxRate = Math.max(record.maxRate, Number(rate.dataset.value) || 0);
      }).observe(rate, { attributes: true, attributeFilter: ['data-value'] });
    });
    await produceSynthetic(config, 700, 400, 52);
    await ingestUntilIdle(config);
    const after = await api<Unique>('/api/v1/ips/unique');
    assert.equal(after.events, 2200);
    assert.ok(after.uniqueIps > unique.uniqueIps, 'the new seed brings new devices');
    await page.waitForFunction(
      (want) => document.getElementById('total-events')!.dataset.value === want,
      String(after.events),
      { timeout: 30_000 },
    );
    const maxRate = await page.evaluate(() => (window as unknown as { maxRate: number }).maxRate);
    assert.ok(maxRate > 0, 'a non-zero ingest rate while events arrived');
    assert.equal((await tile(page, 'unique-ips')).value, String(after.uniqueIps));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('picks ranges: a custom one in any parser form, a refused one, the approx toggle, presets, a shared link', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${base}/`);
    await refreshed(page, 1);

    // A custom range typed in two different forms, applied with Enter.
    await page.fill('#from-input', CUSTOM_TEXT.from);
    await page.fill('#to-input', CUSTOM_TEXT.to);
    let seen = await refreshesSoFar(page);
    await page.press('#to-input', 'Enter');
    await refreshed(page, seen + 1, { from: CUSTOM.from, to: CUSTOM.to });
    assert.equal(
      new URL(page.url()).search,
      `?from=${encodeURIComponent(CUSTOM.from)}&to=${encodeURIComponent(CUSTOM.to)}`,
    );
    assert.equal(
      await page.inputValue('#from-input'),
      CUSTOM.from,
      'the input shows what the parser made of it',
    );
    assert.equal(
      await page.textContent('#range-status'),
      'Showing 2024-09-18 14:00:30 to 2024-09-18 14:20:45 UTC.',
    );
    await assertRangeMatchesApi(page, CUSTOM);
    const custom = await api<Unique>('/api/v1/ips/unique', CUSTOM);
    assert.ok(custom.events > 0 && custom.events < 2200, `${custom.events} events in the range`);
    const shared = page.url();

    // The approximate count, by keyboard: its value and its error are the API's.
    await page.focus('#approx-toggle');
    seen = await refreshesSoFar(page);
    await page.keyboard.press('Space');
    await refreshed(page, seen + 1, CUSTOM);
    const approx = await api<Unique>('/api/v1/ips/unique', { ...CUSTOM, mode: 'approx' });
    const shown = await page.$eval('#unique-approx', (el) => {
      const { value, relativeError, deviation } = (el as HTMLElement).dataset;
      return { value, relativeError, deviation, hidden: (el as HTMLElement).hidden };
    });
    assert.equal(shown.hidden, false);
    assert.equal(shown.value, String(approx.uniqueIps));
    assert.equal(shown.relativeError, String(approx.relativeError));
    assert.equal(Number(shown.deviation), Math.abs(approx.uniqueIps - custom.uniqueIps) / custom.uniqueIps);
    assert.match(new URL(page.url()).search, /&approx=1$/);

    // A time the parser refuses: its own reason, the range and the address bar unchanged.
    const parsed = await fetch(`${base}/api/v1/timestamps/parse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values: ['2023-02-29'] }),
    });
    const [refused] = ((await parsed.json()) as { results: { error?: string; message: string }[] }).results;
    assert.equal(refused?.error, 'TS_IMPOSSIBLE_DATE');
    const before = page.url();
    await page.fill('#from-input', '2023-02-29');
    await page.click('#custom-range button[type=submit]');
    await page.waitForSelector('#range-problem:not([hidden])', { timeout: 30_000 });
    assert.equal(await page.textContent('#range-problem'), `From: ${refused.message}`);
    // It stays through the next refresh, until a range is applied.
    await refreshed(page, (await refreshesSoFar(page)) + 1, CUSTOM);
    assert.equal(await page.locator('#range-problem').isVisible(), true);
    assert.equal(await page.getAttribute('#from-input', 'aria-invalid'), 'true');
    assert.equal(page.url(), before);

    // A preset by keyboard: the range it resolved to is what the API is asked for.
    await page.focus('[data-preset="15m"]');
    seen = await refreshesSoFar(page);
    await page.keyboard.press('Enter');
    await refreshed(page, seen + 1);
    assert.equal(await page.getAttribute('[data-preset="15m"]', 'aria-pressed'), 'true');
    assert.equal(await page.locator('#range-problem').isHidden(), true, 'a range applied clears the problem');
    const last15 = await rangeShown(page);
    assert.equal(Date.parse(last15.to) - Date.parse(last15.from), 15 * 60_000);
    assert.equal(new URL(page.url()).search, '?range=15m&approx=1');
    await assertRangeMatchesApi(page, last15);

    // All time, then back to the preset and to the custom range with the browser's back button.
    seen = await refreshesSoFar(page);
    await page.click('[data-preset="all"]');
    await refreshed(page, seen + 1, { from: '', to: '' });
    await assertRangeMatchesApi(page, { from: '', to: '' });
    assert.match((await page.textContent('#unique-approx')) ?? '', /all time is always counted exactly/);
    seen = await refreshesSoFar(page);
    await page.goBack();
    await refreshed(page, seen + 1);
    assert.equal(await page.getAttribute('[data-preset="15m"]', 'aria-pressed'), 'true');
    seen = await refreshesSoFar(page);
    await page.goBack();
    await refreshed(page, seen + 1, CUSTOM);
    assert.equal(await page.getAttribute('[data-preset="15m"]', 'aria-pressed'), 'false');

    // The shared link, opened anew, shows the same view.
    const other = await watchedPage(browser);
    await other.page.goto(shared);
    await refreshed(other.page, 1, CUSTOM);
    await assertRangeMatchesApi(other.page, CUSTOM);
    assert.equal(await other.page.inputValue('#to-input'), CUSTOM.to);
    assert.deepEqual(errors, []);
    assert.deepEqual(other.errors, []);
    await other.page.close();
    await page.close();
  });

  it('looks a device up in any spelling, by keyboard and from the top list; says when it is unknown or invalid', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${base}/?from=${CUSTOM.from}&to=${CUSTOM.to}`);
    await refreshed(page, 1, CUSTOM);
    const top = await api<{ items: { ip: string }[] }>('/api/v1/ips/top', { limit: '1000' });
    const v4 = top.items.find((i) => !i.ip.includes(':'))!.ip;
    const v6 = top.items.find((i) => i.ip.includes(':'))?.ip;
    type Device = {
      ip: string;
      events: number;
      firstSeen: string;
      lastSeen: string;
      errorCodes: Record<string, number>;
    };

    /** Types `typed` into the lookup, presses Enter, and checks the page against the API's answer for `ip`. */
    const lookUp = async (typed: string, ip: string) => {
      await page.fill('#ip-input', typed);
      await page.press('#ip-input', 'Enter');
      await page.waitForFunction((want) => document.getElementById('device')!.dataset.ip === want, ip, {
        timeout: 30_000,
      });
      const device = await api<Device>(`/api/v1/ips/${encodeURIComponent(ip)}`);
      assert.equal(await page.textContent('#device-ip'), device.ip);
      assert.equal((await tile(page, 'device-events')).value, String(device.events));
      assert.equal(
        await page.textContent('#device-first'),
        `${device.firstSeen
          .replace('T', ' ')
          .replace('Z', '')
          .replace(/\.000$/, '')} UTC`,
      );
      const codes = Object.entries(device.errorCodes).sort(
        (a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]),
      );
      assert.deepEqual(
        await tableColumn(page, 'device-codes', 'code'),
        codes.map(([code]) => code),
      );
      assert.deepEqual(
        await tableColumn(page, 'device-codes', 'events'),
        codes.map(([, n]) => number(n)),
      );
      assert.equal(new URL(page.url()).searchParams.get('ip'), device.ip, 'the device is part of the link');
    };
    // An IPv4 device typed as IPv4-mapped IPv6, in upper case; an IPv6 one uncompressed, upper case.
    await lookUp(`::FFFF:${v4}`, v4);
    if (v6 !== undefined) {
      await lookUp(uncompressed(v6).toUpperCase(), v6);
    }

    // From the top devices, by keyboard: the lookup shows that device.
    const first = (await tableColumn(page, 'top-table', 'ip'))[0]!;
    await page.focus('#top-table tbody td.ip button');
    await page.keyboard.press('Enter');
    await page.waitForFunction((want) => document.getElementById('device')!.dataset.ip === want, first, {
      timeout: 30_000,
    });
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'lookup-title',
      'focus moves to the answer',
    );

    // Unknown and invalid addresses: the page says why, with the API's words for the invalid one.
    const unknown = '203.0.113.254';
    assert.equal((await fetch(`${base}/api/v1/ips/${unknown}`)).status, 404);
    await page.fill('#ip-input', unknown);
    await page.press('#ip-input', 'Enter');
    await page.waitForSelector('#device-problem:not([hidden])', { timeout: 30_000 });
    assert.equal(await page.textContent('#device-problem'), `${unknown} never sent an event.`);
    assert.equal(await page.locator('#device').isHidden(), true);
    const invalid = await fetch(`${base}/api/v1/ips/010.1.1.1`);
    assert.equal(invalid.status, 400);
    const { message } = (await invalid.json()) as { message: string };
    await page.fill('#ip-input', '010.1.1.1');
    await page.press('#ip-input', 'Enter');
    await page.waitForFunction(
      (want) => document.getElementById('device-problem')!.textContent === want,
      message,
      {
        timeout: 30_000,
      },
    );
    // The two refused lookups, and nothing else, failed (each also logs a console error).
    assert.deepEqual(
      errors.filter((e) => !e.startsWith('console: Failed to load resource')),
      [`HTTP 404: ${base}/api/v1/ips/${unknown}`, `HTTP 400: ${base}/api/v1/ips/010.1.1.1`],
    );
    assert.equal(errors.length, 4, errors.join('\n'));
    await page.close();
  });

  it('shows the error codes of the range and the series of a chosen code as the API answers them', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${base}/?from=${CUSTOM.from}&to=${CUSTOM.to}`);
    await refreshed(page, 1, CUSTOM);
    assert.ok(await errorRoutes(), 'this server answers GET /api/v1/errors');
    const codes = await api<ErrorCodes>('/api/v1/errors', { ...CUSTOM, limit: '10' });
    assert.ok(codes.items.length >= 2, 'the synthetic events carry several codes');
    assert.deepEqual(
      await tableColumn(page, 'errors-table', 'code'),
      codes.items.map((i) => String(i.errorCode)),
    );
    assert.deepEqual(
      await tableColumn(page, 'errors-table', 'events'),
      codes.items.map((i) => number(i.events)),
    );
    assert.deepEqual(
      await tableColumn(page, 'errors-table', 'devices'),
      codes.items.map((i) => number(i.devices)),
    );

    /** The code chart shows `code`'s series over the range, as the API answers it. */
    const assertCodeSeries = async (code: number) => {
      await page.waitForFunction(
        (want) => document.getElementById('code-chart')!.dataset.code === want,
        String(code),
        {
          timeout: 30_000,
        },
      );
      const series = await api<Series>('/api/v1/stats/timeseries', {
        ...CUSTOM,
        bucket: 'minute',
        errorCode: String(code),
      });
      const chart = await page.$eval('#code-chart', (el) => ({ ...(el as HTMLElement).dataset }));
      assert.equal(chart.buckets, String(series.buckets.length));
      assert.equal(chart.events, String(series.buckets.reduce((n, b) => n + b.events, 0)));
      // The series counts whole minutes: the range's ends rounded out to the minute.
      const whole = await api<ErrorCodes>('/api/v1/errors', WHOLE_MINUTES);
      assert.equal(Number(chart.events), whole.items.find((i) => i.errorCode === code)?.events ?? 0);
    };
    // The most frequent code until one is chosen; then the chosen one, by keyboard, kept in the link.
    await assertCodeSeries(codes.items[0]!.errorCode);
    const second = codes.items[1]!.errorCode;
    await page.focus(`#errors-table tr[data-code="${second}"] button`);
    await page.keyboard.press('Enter');
    await assertCodeSeries(second);
    assert.equal(new URL(page.url()).searchParams.get('code'), String(second));
    assert.equal(
      await page.getAttribute(`#errors-table tr[data-code="${second}"] button`, 'aria-pressed'),
      'true',
    );

    mkdirSync('test-artifacts', { recursive: true });
    await page.fill('#ip-input', (await tableColumn(page, 'top-table', 'ip'))[0]!);
    await page.press('#ip-input', 'Enter');
    await page.waitForSelector('#device:not([hidden])', { timeout: 30_000 });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says the error-code views are not available on a server without the error routes', async () => {
    const { page, errors } = await watchedPage(browser);
    // What an earlier server's OpenAPI document says: no GET /api/v1/errors, no errorCode filter.
    await page.route('**/openapi.json', async (route) => {
      const response = await route.fetch();
      const doc = (await response.json()) as {
        paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
      };
      delete doc.paths['/api/v1/errors'];
      const series = doc.paths['/api/v1/stats/timeseries']!.get!;
      series.parameters = series.parameters!.filter((p) => p.name !== 'errorCode');
      await route.fulfill({ response, json: doc });
    });
    const asked: string[] = [];
    page.on('request', (request) =>
      asked.push(new URL(request.url()).pathname + new URL(request.url()).search),
    );
    await page.goto(`${base}/?from=${CUSTOM.from}&to=${CUSTOM.to}`);
    await refreshed(page, 2, CUSTOM);
    assert.equal(await page.locator('#errors-unavailable').isVisible(), true);
    assert.equal(await page.locator('#code-unavailable').isVisible(), true);
    assert.equal(await page.locator('#errors-table tbody tr').count(), 0);
    assert.deepEqual(
      asked.filter((path) => path.startsWith('/api/v1/errors') || path.includes('errorCode=')),
      [],
      'it asks for nothing the server lacks',
    );
    await assertRangeMatchesApi(page, CUSTOM);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('is readable on a phone: nothing wider than the screen, every control reachable', async () => {
    const { page, errors } = await watchedPage(browser, { width: 390, height: 844 });
    await page.goto(`${base}/?from=${CUSTOM.from}&to=${CUSTOM.to}`);
    await refreshed(page, 1, CUSTOM);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      screen: window.innerWidth,
      wider: [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}`)
        .slice(0, 5),
    }));
    assert.ok(
      widths.page <= widths.screen,
      `the page is ${widths.page} px wide on a ${widths.screen} px screen: ${widths.wider.join(', ')}`,
    );
    for (const selector of [
      '[data-preset="1h"]',
      '#from-input',
      '#to-input',
      '#approx-toggle',
      '#ip-input',
    ]) {
      const box = await page.locator(selector).boundingBox();
      assert.ok(box !== null && box.x >= 0 && box.x + box.width <= widths.screen, selector);
    }
    await page.screenshot({ path: 'test-artifacts/dashboard-phone.png', fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('works on an empty database', async () => {
    const empty = await serve(emptyConfig.mongo.db);
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${empty}/`);
    await refreshed(page, 1);
    assert.deepEqual(await tile(page, 'total-events'), { text: '0', value: '0' });
    assert.deepEqual(await tile(page, 'unique-ips'), { text: '0', value: '0' });
    assert.deepEqual(await tile(page, 'dead-total'), { text: '0', value: '0' });
    assert.equal(await page.locator('#dead-empty').isVisible(), true);
    assert.equal(await page.locator('#top-empty').isVisible(), true);
    const chart = await page.$eval('#chart', (el) => ({ ...(el as HTMLElement).dataset }));
    assert.deepEqual(chart, { buckets: '48', events: '0' });
    assert.equal(await page.locator('#problem').isHidden(), true);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
