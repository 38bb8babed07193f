/**
 * The dashboard: one HTML page, its scripts (ES modules, no build step) and style, and the uPlot chart
 * library served from node_modules (no CDN: the dashboard works offline and loads nothing from
 * elsewhere).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const require = createRequire(import.meta.url);
const here = (name: string): URL => new URL(`../dashboard/${name}`, import.meta.url);

interface Asset {
  path: string;
  file: URL | string;
  type: string;
}

const ASSETS: Asset[] = [
  { path: '/', file: here('index.html'), type: 'text/html; charset=utf-8' },
  ...['dashboard.js', 'api.js', 'charts.js', 'format.js', 'view.js'].map((name) => ({
    path: `/dashboard/${name}`,
    file: here(name),
    type: 'text/javascript; charset=utf-8',
  })),
  { path: '/dashboard/dashboard.css', file: here('dashboard.css'), type: 'text/css; charset=utf-8' },
  {
    path: '/dashboard/vendor/uPlot.iife.min.js',
    file: require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  {
    path: '/dashboard/vendor/uPlot.min.css',
    file: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
];

// Everything the page uses comes from this server; uPlot styles its canvas through the DOM API,
// which style-src does not restrict.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const asset of ASSETS) {
    // Read once at start-up: a few tens of kilobytes, and a missing file fails start, not a request.
    const body = await readFile(asset.file);
    app.get(asset.path, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .send(body),
    );
  }
};
