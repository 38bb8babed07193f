import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { resolveStateDir } from '../../src/local-services/index.ts';
import { produceLines, produceSynthetic } from '../support/api-fixture.ts';
import { envFor, killChildren, startCli, type CliRun } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { metricNames, servedNames } from '../support/promql.ts';
import { checkMetrics, checkRules, ensurePromtool } from '../support/promtool.ts';

// What a Prometheus user runs against: the live /metrics of a standalone `ingest` (on its own port)
// and of `serve`, checked by promtool; the Grafana dashboard and the alert rules of deploy/, which
// must parse, have the panels the docs promise and name only metrics these scrapes serve.

const config = testConfig('observability');
const admin = new TopicAdmin(config.kafka);
const EVENTS = 300;
const MALFORMED = ['not json', '{"timestamp":"2023-02-29","device_ip":"10.0.0.1","error_code":1}', '[1]'];
const DASHBOARD = 'deploy/grafana/ipstream.json';
const RULES = 'deploy/prometheus/ipstream-rules.yml';
const PANELS = [
  'Ingest rate',
  'Lag per partition',
  'Flush latency',
  'Batch size',
  'Dead letters by reason',
  'Store errors',
  'API latency by route',
  'Store time by step',
];

let promtool: string;
const scrapes = new Map<string, string>();

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** The first URL a child prints after `label` (its HTTP side listens by then). */
function printedUrl(run: CliRun, pattern: RegExp, what: string): Promise<string> {
  return eventually(() => pattern.exec(run.output())?.[1], 120_000, what);
}

/** The value of one sample line (`name{labels}`) of a scrape, summed over lines that start with it. */
function sum(text: string, prefix: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

before(async () => {
  promtool = ensurePromtool(resolveStateDir(loadConfig().services.stateDir), (m) =>
    process.stderr.write(`[promtool] ${m}\n`),
  );
  await admin.create(config.kafka.topic, 2);
  await produceSynthetic(config, EVENTS, 40, 24);
  await produceLines(config, MALFORMED);
});

after(async () => {
  killChildren();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

describe('observability', () => {
  it('a standalone ingest serves /healthz, /readyz and /metrics on its own port; promtool accepts them', async () => {
    const run = startCli(['ingest', '--workers', '1', '--http-port', '0'], envFor(config));
    const url = await printedUrl(run, /health (http:\/\/\S+)\/healthz/, 'the ingest HTTP address');
    assert.deepEqual(JSON.parse((await get(`${url}/healthz`)).text), { status: 'ok' });
    const ready = await eventually(
      async () => {
        const answer = await get(`${url}/readyz`);
        return answer.status === 200 ? answer.text : undefined;
      },
      120_000,
      'ingest ready',
    );
    assert.deepEqual(JSON.parse(ready), {
      status: 'ready',
      checks: { kafka: true, mongo: true, workers: true },
    });
    // Every record stored (events and dead letters), the lag read back as 0.
    const text = await eventually(
      async () => {
        const scrape = (await get(`${url}/metrics`)).text;
        const flushed = sum(scrape, 'ipstream_ingest_flushed_records_total{');
        const lag = sum(scrape, 'ipstream_kafka_partition_lag{');
        return flushed === EVENTS + MALFORMED.length && lag === 0 ? scrape : undefined;
      },
      120_000,
      'every record stored and committed',
    );
    assert.equal(sum(text, 'ipstream_ingest_stored_total{'), EVENTS);
    assert.equal(sum(text, 'ipstream_ingest_dead_letters_total{'), MALFORMED.length);
    assert.equal(sum(text, 'ipstream_ingest_dead_letters_by_reason_total{'), MALFORMED.length);
    assert.match(
      text,
      /^ipstream_ingest_dead_letters_by_reason_total\{worker="0",reason="TS_IMPOSSIBLE_DATE"\} 1$/m,
    );
    assert.match(
      text,
      new RegExp(`^ipstream_ingest_group_members\\{group="${config.kafka.group}"\\} 1$`, 'm'),
    );
    assert.match(text, /^ipstream_ingest_flush_write_seconds_count \d/m);
    // Probes and scrapes are timed too, by route pattern.
    assert.match(
      text,
      /^ipstream_http_request_duration_seconds_count\{method="GET",route="\/readyz",code="200"\} \d/m,
    );
    const check = checkMetrics(promtool, text);
    assert.equal(check.code, 0, check.output);
    scrapes.set('ingest', text);

    run.child.kill('SIGTERM');
    const exited = await run.exited;
    assert.equal(exited.code, 0, exited.stderr);
  });

  it("serve's /metrics times every route by its pattern; promtool accepts it", async () => {
    const run = startCli(['serve', '--port', '0'], envFor(config));
    const url = await printedUrl(run, /dashboard (http:\/\/\S+)\/ /, 'the API address');
    for (const path of [
      '/api/v1/ips/unique',
      '/api/v1/ips/10.0.0.1',
      '/api/v1/ips/10.0.0.2',
      '/api/v1/pipeline',
    ]) {
      await get(`${url}${path}`);
    }
    // A request is observed once its answer is sent, which may be just after the client has it.
    const count = (text: string, labels: string) =>
      sum(text, `ipstream_http_request_duration_seconds_count{method="GET",${labels}`);
    const text = await eventually(
      async () => {
        const scrape = (await get(`${url}/metrics`)).text;
        return count(scrape, 'route="/api/v1/pipeline",') === 1 ? scrape : undefined;
      },
      30_000,
      'the requests observed',
    );
    assert.equal(count(text, 'route="/api/v1/ips/unique",code="200"}'), 1);
    assert.equal(count(text, 'route="/api/v1/ips/:ip",'), 2, 'one series for both addresses');
    assert.doesNotMatch(text, /10\.0\.0\.1/);
    assert.match(text, /^ipstream_kafka_partition_lag\{topic="[^"]+",partition="0"\} 0$/m);
    const check = checkMetrics(promtool, text);
    assert.equal(check.code, 0, check.output);
    scrapes.set('serve', text);
    run.child.kill('SIGTERM');
    await run.exited;
  });

  it('the Grafana dashboard has every panel and names only served metrics', () => {
    assert.equal(scrapes.size, 2, 'both scrapes taken');
    const served = new Set([...scrapes.values()].flatMap(servedNames));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of PANELS) assert.ok(titles.includes(title), `panel "${title}"`);
    for (const panel of dashboard.panels) {
      assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has a query`);
      for (const { expr } of panel.targets ?? []) {
        const names = metricNames(expr);
        assert.ok(names.length > 0, `${panel.title}: ${expr} names a metric`);
        for (const name of names) assert.ok(served.has(name), `${panel.title}: ${name} is not served`);
      }
    }
  });

  it('promtool accepts the alert rules, which name only served metrics', () => {
    const check = checkRules(promtool, [RULES]);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, /SUCCESS: 4 rules found/);
    const served = new Set([...scrapes.values()].flatMap(servedNames));
    const rules = parseYaml(readFileSync(RULES, 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    assert.equal(exprs.length, 4);
    for (const expr of exprs) {
      for (const name of metricNames(expr)) assert.ok(served.has(name), `${name} (in ${expr}) is not served`);
    }
  });
});
