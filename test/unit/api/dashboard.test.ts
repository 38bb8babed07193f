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
    for (const title of ['Ingest rate', 'Events stored', 'Unique IPs', 'Consumer lag', 'Dead letters']) {
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

  it('serves the chart library from node_modules', async () => {
    const script = await app.inject({ method: 'GET', url: '/dashboard/vendor/uPlot.iife.min.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    assert.match(script.body, /uPlot/);
  });
});
