// `node scripts/dashboard-timings.ts <url> [end ISO] [refreshes]`: opens the dashboard served at
// <url> in headless Chromium (Debian's, as the browser test uses) and reports how long the page
// takes to show each view: the first render after loading it, and the median and slowest of the
// next refreshes (each asks every answer of the view in parallel; the page records how long the
// slowest took in body[data-refresh-ms]). Views: all time, and the last 1 h, 24 h and 7 d before
// `end` (default now) with sub-minute edges, then a device lookup and the choice of an error code.
// For the 10M-event data set of `ipstream bench api --keep`: serve its database
// (MONGODB_DB=ipstream_bench_api npx ipstream serve --port 8001) and pass end 2024-09-20T00:00:00Z.
import { chromium, type Page } from 'playwright-core';

const [url, endArg, refreshesArg] = process.argv.slice(2);
if (url === undefined) {
  process.stderr.write('usage: node scripts/dashboard-timings.ts <url> [end ISO] [refreshes]\n');
  process.exit(2);
}
const end = endArg === undefined ? Date.now() : Date.parse(endArg);
const refreshes = Number(refreshesArg ?? 5);
const HOUR = 3_600_000;
/** Ends off whole minutes, as `bench api` asks them: exact answers need the minutes at the edges. */
const edge = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000 - 47_655).toISOString();

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});

/** The durations of the page's next `count` refreshes, as it records them. */
async function timings(page: Page, count: number): Promise<number[]> {
  const took: number[] = [];
  let seen = await page.evaluate(() => Number(document.body.dataset.refreshes ?? 0));
  while (took.length < count) {
    const next = await page.waitForFunction(
      (n) => {
        const done = Number(document.body.dataset.refreshes ?? 0);
        return done > n ? [done, Number(document.body.dataset.refreshMs)] : false;
      },
      seen,
      { timeout: 600_000, polling: 20 },
    );
    const [done, ms] = (await next.jsonValue()) as [number, number];
    seen = done;
    took.push(ms);
  }
  return took;
}

async function open(path: string): Promise<{ page: Page; firstMs: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const started = Date.now();
  await page.goto(`${url}${path}`);
  await page.waitForFunction(() => Number(document.body.dataset.refreshes ?? 0) >= 1, null, {
    timeout: 600_000,
  });
  return { page, firstMs: Date.now() - started };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rows: string[] = [
  '| view | load to first render ms | refresh median ms | refresh max ms |',
  '| --- | ---: | ---: | ---: |',
];
const views: [string, string][] = [
  ['all time', '/'],
  ['1 h', `/?from=${edge(end - HOUR)}&to=${edge(end)}`],
  ['24 h', `/?from=${edge(end - 24 * HOUR)}&to=${edge(end)}`],
  ['7 d', `/?from=${edge(end - 7 * 24 * HOUR)}&to=${edge(end)}`],
];
let last: Page | undefined;
for (const [name, path] of views) {
  const { page, firstMs } = await open(path);
  const took = await timings(page, refreshes);
  rows.push(`| ${name} | ${firstMs} | ${median(took)} | ${Math.max(...took)} |`);
  if (last !== undefined) await last.close();
  last = page;
}

// On the 7 d view: look up its busiest device, then choose its second error code.
const page = last!;
const device = await page.$$eval('#top-table tbody td.ip', (cells) => cells[0]?.textContent?.trim() ?? null);
if (device !== null) {
  const started = Date.now();
  await page.fill('#ip-input', device.toUpperCase());
  await page.press('#ip-input', 'Enter');
  await page.waitForFunction((ip) => document.getElementById('device')!.dataset.ip === ip, device, {
    timeout: 600_000,
  });
  rows.push(`| lookup of ${device} | ${Date.now() - started} | | |`);
}
const code = await page.$$eval('#errors-table tbody tr', (trs) => trs[1]?.getAttribute('data-code') ?? null);
if (code !== null) {
  const started = Date.now();
  await page.click(`#errors-table tr[data-code="${code}"] button`);
  await page.waitForFunction((c) => document.getElementById('code-chart')!.dataset.code === c, code, {
    timeout: 600_000,
  });
  rows.push(`| choose error code ${code} | ${Date.now() - started} | | |`);
}
await browser.close();
process.stdout.write(`${rows.join('\n')}\n`);
