/** Records that could not be accepted: how many, and the latest with their reasons. */
import type { Db } from 'mongodb';
import { formatIsoMs } from '../events/timestamp.ts';
import { COLLECTIONS, type DeadLetterDoc } from '../store/schema.ts';
import { collectionSize } from './totals.ts';

export const DEFAULT_DEAD_LETTER_LIMIT = 50;

export interface DeadLetterItem {
  reason: string;
  message: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  /** The record value as text (cut to a bound at ingest; valueBytes is the original size). */
  value: string;
  valueBytes: number;
  /** When it was stored. */
  at: string;
}

export async function deadLetters(
  db: Db,
  limit: number,
): Promise<{ total: number; items: DeadLetterItem[] }> {
  const [total, docs] = await Promise.all([
    collectionSize(db, COLLECTIONS.deadLetters),
    // One flush stores its dead letters with one `at`; the Kafka coordinates break the tie.
    db
      .collection<DeadLetterDoc>(COLLECTIONS.deadLetters)
      .find({})
      .sort({ at: -1, partition: 1, offset: -1 })
      .limit(limit)
      .toArray(),
  ]);
  return {
    total,
    items: docs.map((d) => ({
      reason: d.reason,
      message: d.message,
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      key: d.key,
      value: d.value,
      valueBytes: d.valueBytes,
      at: formatIsoMs(d.at.getTime()),
    })),
  };
}
