import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../src/api/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { launchChromium, refreshed, tile, watchedPage } from '../support/api-browser.ts';
import { ingestUntilIdle, produceLines, produceSynthetic } from '../support/api-fixture.ts';
import { killChildren } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// The dashboard in a real browser, on data that went through the pipeline: it must show what the
// API answers, follow new events without a reload, and work on an empty database.

const config = testConfig('dashboard');
const emptyConfig = testConfig('dashboard-empty');
const admin = new TopicAdmin(config.kafka);
const client = new MongoClient(config.mongo.uri);
const apps: FastifyInstance[] = [];
let browser: Browser;

const MALFORMED = ['not json', '{"timestamp":"2023-02-29","device_ip":"10.0.0.1","error_code":1}', '[1]'];
const number = (n: number) => n.toLocaleString('en-US');

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

async function api<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`);
  assert.equal(response.status, 200, path);
  return (await response.json()) as T;
}

interface Unique {
  uniqueIps: number;
  events: number;
}

before(async () => {
  await admin.create(config.kafka.topic, 2);
  await produceSynthetic(config, 1500, 120, 51);
  await produceLines(config, MALFORMED);
  await ingestUntilIdle(config);
  browser = await launchChromium();
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
    const base = await serve(config.mongo.db);
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${base}/`);
    await refreshed(page, 1);

    const unique = await api<Unique>(base, '/api/v1/ips/unique');
    assert.equal(unique.events, 1500);
    assert.deepEqual(await tile(page, 'total-events'), { text: number(1500), value: '1500' });
    assert.deepEqual(await tile(page, 'unique-ips'), {
      text: number(unique.uniqueIps),
      value: String(unique.uniqueIps),
    });
    const dead = await api<{ total: number; items: { reason: string }[] }>(
      base,
      '/api/v1/dead-letters?limit=20',
    );
    assert.equal(dead.total, MALFORMED.length);
    assert.equal((await tile(page, 'dead-total')).value, String(dead.total));
    assert.deepEqual(
      await page.$$eval('#dead-table tbody td.reason', (cells) => cells.map((c) => c.textContent)),
      dead.items.map((i) => i.reason),
    );
    const pipeline = await api<{ topic: { totalLag: number; partitions: { lag: number }[] } }>(
      base,
      '/api/v1/pipeline',
    );
    assert.equal((await tile(page, 'total-lag')).value, String(pipeline.topic.totalLag));
    assert.deepEqual(
      await page.$$eval('#lag-table tbody td.lag', (cells) => cells.map((c) => c.textContent)),
      pipeline.topic.partitions.map((p) => number(p.lag)),
    );
    const series = await api<{ buckets: { events: number }[] }>(
      base,
      '/api/v1/stats/timeseries?bucket=minute',
    );
    const chart = await page.$eval('#chart', (el) => ({ ...(el as HTMLElement).dataset }));
    assert.equal(chart.buckets, String(series.buckets.length));
    assert.equal(chart.events, String(series.buckets.reduce((n, b) => n + b.events, 0)));
    assert.equal(await page.locator('#chart canvas').count(), 1, 'the chart is drawn');
    for (const title of ['Ingest rate', 'Events stored', 'Unique IPs', 'Events and unique IPs per minute']) {
      assert.equal(await page.getByText(title, { exact: true }).count(), 1, title);
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
    const after = await api<Unique>(base, '/api/v1/ips/unique');
    assert.equal(after.events, 2200);
    assert.ok(after.uniqueIps > unique.uniqueIps, 'the new seed brings new devices');
    await page.waitForFunction(
      (want) => document.getElementById('total-events')!.dataset.value === want,
      String(after.events),
      { timeout: 15_000 },
    );
    const maxRate = await page.evaluate(() => (window as unknown as { maxRate: number }).maxRate);
    assert.ok(maxRate > 0, 'a non-zero ingest rate while events arrived');
    assert.deepEqual(await tile(page, 'total-events'), { text: number(2200), value: '2200' });
    assert.equal((await tile(page, 'unique-ips')).value, String(after.uniqueIps));

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('works on an empty database', async () => {
    const base = await serve(emptyConfig.mongo.db);
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${base}/`);
    await refreshed(page, 1);
    assert.deepEqual(await tile(page, 'total-events'), { text: '0', value: '0' });
    assert.deepEqual(await tile(page, 'unique-ips'), { text: '0', value: '0' });
    assert.deepEqual(await tile(page, 'dead-total'), { text: '0', value: '0' });
    assert.equal(await page.locator('#dead-empty').isVisible(), true);
    const chart = await page.$eval('#chart', (el) => ({ ...(el as HTMLElement).dataset }));
    assert.deepEqual(chart, { buckets: '60', events: '0' });
    assert.equal(await page.locator('#problem').isHidden(), true);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
