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

/**
 * The most text one answer lists (values, messages and keys), whatever `limit` asks for: a dead
 * letter keeps up to a few KiB of its record, so a thousand of them are megabytes. The answer says
 * when it left some out (`truncated`).
 */
export const DEAD_LETTER_ANSWER_CHARS = 2 * 1024 * 1024;

/** Dead letters read per round while the answer has room: the budget usually ends the reading. */
const READ_CHUNK = 100;

/** A stored dead letter as the API lists it: without its _id, its time as ISO text. */
export interface DeadLetterItem extends Omit<DeadLetterDoc, '_id' | 'at'> {
  /** When it was stored. */
  at: string;
}

function itemOf({ _id, at, ...fields }: DeadLetterDoc): DeadLetterItem {
  return { ...fields, at: formatIsoMs(at.getTime()) };
}

function charsOf(d: DeadLetterDoc): number {
  return d.value.length + d.message.length + (d.key?.length ?? 0) + d.reason.length + d.topic.length;
}

/**
 * The total from the totals document, the latest from the list writers keep: at most `limit`
 * reads, and no more text than DEAD_LETTER_ANSWER_CHARS (always at least one item).
 */
export async function deadLetters(
  db: Db,
  limit: number,
): Promise<{ total: number; items: DeadLetterItem[]; truncated: boolean }> {
  const reader = await QueryReader.open(db);
  const [totals, latest] = await Promise.all([
    reader.totals(),
    reader.rollups<LatestDeadLettersDoc>([LATEST_DEAD_LETTERS_ID], 'the latest dead letters'),
  ]);
  const ids = (latest.get(LATEST_DEAD_LETTERS_ID)?.ids ?? []).slice(0, limit);
  const items: DeadLetterItem[] = [];
  let chars = 0;
  for (let from = 0; from < ids.length; from += READ_CHUNK) {
    const chunk = ids.slice(from, from + READ_CHUNK);
    const docs = await reader.byIds<DeadLetterDoc>(COLLECTIONS.deadLetters, chunk, 'the latest dead letters');
    for (const id of chunk) {
      const d = docs.get(id);
      // Listed but gone: removed since (a replay that stored it after all).
      if (d === null || d === undefined) continue;
      chars += charsOf(d);
      if (items.length > 0 && chars > DEAD_LETTER_ANSWER_CHARS) {
        return { total: totals?.deadLetters ?? 0, items, truncated: true };
      }
      items.push(itemOf(d));
    }
  }
  return { total: totals?.deadLetters ?? 0, items, truncated: false };
}
