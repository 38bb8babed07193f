import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { buildApp } from '../../../src/api/index.ts';

/** A pino logger at `level` whose JSON lines land in `lines`. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

async function requestOnce(level: string, url: string) {
  const { logger, lines } = capture(level);
  const app = await buildApp({ logger });
  try {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, lines };
  } finally {
    await app.close();
  }
}

describe('request logs', () => {
  it('are silent at info, the default level, whatever the answer', async () => {
    for (const url of ['/healthz', '/api/v1/pipeline', '/no/such/route', '/api/v1/ips/top?limit=0']) {
      const { lines } = await requestOnce('info', url);
      assert.deepEqual(lines, [], url);
    }
  });

  it('show each request at debug with its method, path, status and duration', async () => {
    const { status, lines } = await requestOnce('debug', '/api/v1/ips/top?limit=0');
    assert.equal(status, 400);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    const line = lines[0]!;
    assert.equal(line.level, 20);
    assert.match(String(line.msg), /^GET \/api\/v1\/ips\/top\?limit=0 400 \d+\.\d ms$/);
    assert.deepEqual(
      { method: (line.req as { method: string }).method, url: (line.req as { url: string }).url },
      { method: 'GET', url: '/api/v1/ips/top?limit=0' },
    );
    assert.equal((line.res as { statusCode: number }).statusCode, 400);
    assert.equal(typeof line.responseTime, 'number');
  });

  it('still report server faults at error level', async () => {
    const { logger, lines } = capture('info');
    const app = await buildApp({ logger });
    app.get('/test/boom', async () => {
      throw new Error('broken');
    });
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/test/boom' })).statusCode, 500);
    } finally {
      await app.close();
    }
    assert.ok(
      lines.some((l) => l.level === 50),
      JSON.stringify(lines),
    );
  });
});
