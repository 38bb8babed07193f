import type { Config } from '../config/index.ts';
import { type ReplayOptions, type ReplayReport, replayDeadLetters } from '../ingest/index.ts';
import { TopicAdmin } from '../kafka/index.ts';
import { connectMongo, ensureSchema, recordedSchema } from '../store/index.ts';

/** `ipstream dead-letters replay`: the store and Kafka's committed offsets, with the configured decoder. */
export async function runDeadLetterReplay(
  config: Config,
  options: Pick<ReplayOptions, 'reason' | 'dryRun' | 'onProgress'>,
): Promise<ReplayReport> {
  const mongo = await connectMongo(config.mongo, 'ipstream-replay');
  const admin = new TopicAdmin(config.kafka);
  try {
    await ensureSchema(mongo.db);
    await recordedSchema(mongo.db);
    return await replayDeadLetters(mongo.db, admin, {
      ...options,
      group: config.kafka.group,
      decodeLimits: {
        maxRecordBytes: config.ingest.maxRecordBytes,
        deadLetterValueChars: config.ingest.deadLetterValueChars,
      },
    });
  } finally {
    await admin.close();
    await mongo.close();
  }
}
