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
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
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

/** Resolves once the page has refreshed from the API at least `count` times. */
export async function refreshed(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.body.dataset.refreshes ?? 0) >= n, count, {
    timeout: 15_000,
  });
}
