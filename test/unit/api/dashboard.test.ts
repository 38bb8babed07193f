import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/index.ts';

let app: FastifyInstance;
before(async () => {
  app = await buildApp();
});
after(() => app.close());

describe('dashboard', () => {
  it('serves a self-contained page that says what it shows', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    for (const title of [
      'Range',
      'Events',
      'Unique IPs',
      'Ingest rate',
      'Consumer lag',
      'Dead letters',
      'Top devices',
      'Top error codes',
      'Device lookup',
    ]) {
      assert.ok(page.body.includes(title), title);
    }
    assert.match(page.body, /per minute/);
    assert.match(page.body, /events stored per second/);
    // Nothing is loaded from another origin.
    assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\//);
    const assets = [...page.body.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 4, 'script, style and the chart library');
    for (const url of assets) {
      const asset = await app.inject({ method: 'GET', url });
      assert.equal(asset.statusCode, 200, url);
      assert.ok(asset.body.length > 100, url);
    }
  });

  it('serves every module the script imports, each with the same policy', async () => {
    const seen = new Set<string>();
    const pending = ['/dashboard/dashboard.js'];
    while (pending.length > 0) {
      const url = pending.pop()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const script = await app.inject({ method: 'GET', url });
      assert.equal(script.statusCode, 200, url);
      assert.match(String(script.headers['content-type']), /^text\/javascript/, url);
      assert.match(String(script.headers['content-security-policy']), /script-src 'self'/, url);
      for (const [, name] of script.body.matchAll(/^import .* from '\.\/([\w-]+\.js)';$/gm)) {
        pending.push(`/dashboard/${name}`);
      }
    }
    assert.ok(seen.size >= 5, [...seen].join(', '));
  });

  it('serves the chart library from node_modules', async () => {
    const script = await app.inject({ method: 'GET', url: '/dashboard/vendor/uPlot.iife.min.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    assert.match(script.body, /uPlot/);
  });
});
