import { type Browser, type Page, chromium } from 'playwright-core';

/** Debian's Chromium: the test drives the system browser, as no browser download is reachable. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that records script errors, console errors (CSP violations included) and failed requests. */
export async function watchedPage(
  browser: Browser,
  viewport = { width: 1280, height: 1000 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, errors };
}

/** What a tile shows: its text and the raw number behind it. */
export async function tile(page: Page, id: string): Promise<{ text: string; value: string }> {
  return page.$eval(`#${id}`, (el) => ({
    text: el.textContent ?? '',
    value: (el as HTMLElement).dataset.value ?? '',
  }));
}

/** How many times the page has refreshed from the API so far. */
export function refreshesSoFar(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.body.dataset.refreshes ?? 0));
}

/**
 * Resolves once the page has refreshed from the API at least `count` times and, when `range` is
 * given, shows that range (the ends it asked the API for; '' for an open end).
 */
export async function refreshed(
  page: Page,
  count: number,
  range?: { from: string; to: string },
): Promise<void> {
  await page.waitForFunction(
    ({ n, want }) => {
      if (Number(document.body.dataset.refreshes ?? 0) < n) return false;
      if (want === null) return true;
      const status = document.getElementById('range-status')!;
      return status.dataset.from === want.from && status.dataset.to === want.to;
    },
    { n: count, want: range ?? null },
    { timeout: 30_000 },
  );
}

/** The range the page shows: the ends it asked the API for ('' for an open end). */
export function rangeShown(page: Page): Promise<{ from: string; to: string }> {
  return page.$eval('#range-status', (el) => ({
    from: (el as HTMLElement).dataset.from ?? '',
    to: (el as HTMLElement).dataset.to ?? '',
  }));
}

/** The text of the cells of one column (by class) of a table's body, top to bottom. */
export function tableColumn(page: Page, table: string, column: string): Promise<string[]> {
  return page.$$eval(`#${table} tbody td.${column}`, (cells) =>
    cells.map((c) => c.textContent?.trim() ?? ''),
  );
}
