/** Records that could not be accepted: how many, and the latest with their reasons. */
import type { Db } from 'mongodb';
import { formatIsoMs } from '../events/index.ts';
import {
  COLLECTIONS,
  type DeadLetterDoc,
  LATEST_DEAD_LETTERS_ID,
  type LatestDeadLettersDoc,
} from '../store/index.ts';
import { QueryReader } from './reader.ts';

export const DEFAULT_DEAD_LETTER_LIMIT = 50;

/** A stored dead letter as the API lists it: without its _id, its time as ISO text. */
export interface DeadLetterItem extends Omit<DeadLetterDoc, '_id' | 'at'> {
  /** When it was stored. */
  at: string;
}

function itemOf({ _id, at, ...fields }: DeadLetterDoc): DeadLetterItem {
  return { ...fields, at: formatIsoMs(at.getTime()) };
}

/** The total from the totals document, the latest from the list writers keep: O(limit) reads. */
export async function deadLetters(
  db: Db,
  limit: number,
): Promise<{ total: number; items: DeadLetterItem[] }> {
  const reader = await QueryReader.open(db);
  const [totals, latest] = await Promise.all([
    reader.totals(),
    reader.rollups<LatestDeadLettersDoc>([LATEST_DEAD_LETTERS_ID], 'the latest dead letters'),
  ]);
  const ids = (latest.get(LATEST_DEAD_LETTERS_ID)?.ids ?? []).slice(0, limit);
  const docs = await reader.byIds<DeadLetterDoc>(COLLECTIONS.deadLetters, ids, 'the latest dead letters');
  const items: DeadLetterItem[] = [];
  for (const id of ids) {
    const d = docs.get(id);
    // Listed but gone: removed since (a replay that stored it after all).
    if (d === null || d === undefined) continue;
    items.push(itemOf(d));
  }
  return { total: totals?.deadLetters ?? 0, items };
}
