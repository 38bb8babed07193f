import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { ingestOverrides, registerIngestCommand } from '../../../src/cli/commands/ingest.ts';
import { loadConfig } from '../../../src/config/index.ts';

/** The flags `ipstream ingest <args>` parses to, without running it. */
function flagsOf(args: string[]): Parameters<typeof ingestOverrides>[0] {
  const program = new Command().exitOverride();
  registerIngestCommand(program);
  const ingest = program.commands.find((c) => c.name() === 'ingest')!;
  ingest.action(() => undefined);
  program.parse(['node', 'ipstream', 'ingest', ...args]);
  return ingest.opts();
}

describe('ingest flags over the environment', () => {
  it('a flag not given leaves the setting to the environment: FLUSH_ADAPTIVE=false holds', () => {
    const config = loadConfig({ FLUSH_ADAPTIVE: 'false' }, ingestOverrides(flagsOf([])));
    assert.equal(config.ingest.adaptive, false);
  });

  it('--no-adaptive turns adaptation off, whatever the environment says', () => {
    const config = loadConfig({ FLUSH_ADAPTIVE: 'true' }, ingestOverrides(flagsOf(['--no-adaptive'])));
    assert.equal(config.ingest.adaptive, false);
  });

  it('flags given override their settings; the rest come from the environment', () => {
    const config = loadConfig(
      { FLUSH_COUNT: '700', INGEST_WORKERS: '3', KAFKA_TOPIC: 'from-env' },
      ingestOverrides(flagsOf(['--workers', '2', '--flush-interval', '50', '--group', 'g1'])),
    );
    assert.deepEqual(
      {
        workers: config.ingest.workers,
        flushIntervalMs: config.ingest.flushIntervalMs,
        flushCount: config.ingest.flushCount,
        adaptive: config.ingest.adaptive,
        topic: config.kafka.topic,
        group: config.kafka.group,
      },
      { workers: 2, flushIntervalMs: 50, flushCount: 700, adaptive: true, topic: 'from-env', group: 'g1' },
    );
  });
});
