/**
 * A minute's events as a range piece needs them: the minute's own, and for a busy minute (one with
 * a document per second past its first events, see the store's planner) those of the seconds the
 * piece covers, read in one more batch. Whole busy minutes that only need devices or codes take
 * them from the minute's own figures instead (MinuteDoc `devices`, `codeStats`).
 */
import { decodeMinuteEvents, mergeMinuteEvents, type MinuteEvents } from '../sketch/index.ts';
import { bucketId, type MinuteDoc, minuteSecondId } from '../store/index.ts';
import type { QueryReader } from './reader.ts';
import type { Piece } from './tiling.ts';

type MinutePiece = Piece & ({ kind: 'partial' } | { kind: 'bucket'; level: 'minute' });

export function isMinutePiece(piece: Piece): piece is MinutePiece {
  return piece.kind === 'partial' || piece.level === 'minute';
}

function secondsOf(piece: MinutePiece): number[] {
  const [from, to] = piece.kind === 'partial' ? [piece.fromMs, piece.toMs] : [0, 60_000];
  const first = Math.floor(from / 1000);
  const last = Math.floor((to - 1) / 1000);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

export function eventsOfMinute(doc: MinuteDoc): MinuteEvents {
  return decodeMinuteEvents(doc.detail.buffer, doc.codes?.buffer);
}

/**
 * Per minute piece (by index in `pieces`), the events it counts from: the minute's own merged with
 * those of its seconds the piece covers. `wholeFromFigures`: whole busy minutes are skipped (the
 * caller answers them from the minute's figures).
 */
export async function minuteEvents(
  reader: QueryReader,
  docs: ReadonlyMap<string, unknown>,
  pieces: readonly Piece[],
  what: string,
  wholeFromFigures = false,
): Promise<Map<number, MinuteEvents>> {
  const wanted: string[] = [];
  pieces.forEach((piece) => {
    if (!isMinutePiece(piece)) return;
    const doc = docs.get(bucketId('minute', piece.start)) as MinuteDoc | null | undefined;
    if (doc?.seconds !== true || (wholeFromFigures && piece.kind === 'bucket')) return;
    for (const s of secondsOf(piece)) wanted.push(minuteSecondId(doc._id, s));
  });
  const seconds =
    wanted.length === 0 ? new Map<string, MinuteDoc | null>() : await reader.rollups<MinuteDoc>(wanted, what);
  const out = new Map<number, MinuteEvents>();
  pieces.forEach((piece, i) => {
    if (!isMinutePiece(piece)) return;
    const doc = docs.get(bucketId('minute', piece.start)) as MinuteDoc | null | undefined;
    if (doc === null || doc === undefined) return;
    if (doc.seconds === true && wholeFromFigures && piece.kind === 'bucket') return;
    let events = eventsOfMinute(doc);
    if (doc.seconds === true) {
      for (const s of secondsOf(piece)) {
        const second = seconds.get(minuteSecondId(doc._id, s)) ?? null;
        if (second !== null) events = mergeMinuteEvents(events, eventsOfMinute(second));
      }
    }
    out.set(i, events);
  });
  return out;
}
