import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildApp } from '../../../src/api/index.ts';
import { createLogger, logFormatFor } from '../../../src/log/logger.ts';
import { eventually } from '../../support/config.ts';

describe('log format', () => {
  it('is pretty for a terminal and JSON otherwise', () => {
    assert.equal(logFormatFor(true), 'pretty');
    assert.equal(logFormatFor(false), 'json');
    assert.equal(logFormatFor(undefined), 'json');
  });

  async function logged(format: 'pretty' | 'json'): Promise<string> {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const log = createLogger('info', 'test', { format, destination, colorize: false });
    log.debug('not at info');
    log.info({ partition: 3 }, 'joined group');
    return eventually(() => text.includes('joined group') && text, 5_000, 'the log line');
  }

  it('pretty: one readable line with level, component and message, fields below', async () => {
    const text = await logged('pretty');
    const [first] = text.split('\n');
    assert.match(first!, /INFO.*\(test\).*joined group/);
    assert.match(text, /partition: 3/);
    assert.doesNotMatch(text, /not at info/);
    assert.throws(() => JSON.parse(first!));
  });

  it('pretty: a request at debug is one line', async () => {
    let text = '';
    const destination = { write: (line: string) => void (text += line) };
    const app = await buildApp({
      logger: createLogger('debug', 'api', { format: 'pretty', destination, colorize: false }),
    });
    try {
      await app.inject({ method: 'GET', url: '/healthz' });
    } finally {
      await app.close();
    }
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 1, text);
    assert.match(lines[0]!, /^\[[\d:.]+\] DEBUG \(api\): GET \/healthz 200 \d+\.\d ms$/);
  });

  it('json: one parseable object per line', async () => {
    const lines = (await logged('json')).trim().split('\n');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual([line.level, line.name, line.msg, line.partition], [30, 'test', 'joined group', 3]);
  });
});
