import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Admin, Consumer, MessagesStreamModes } from '@platformatic/kafka';
import type { Config } from '../../src/config/index.ts';
import { createEventGenerator } from '../../src/events/index.ts';
import { COLLECTIONS } from '../../src/store/index.ts';
import { withDb } from './recount.ts';

// Records that carry a sequence number (`seq`, an extra field of the JSON value), and counting each
// sequence number where it ended up: in the topic itself (read back with a consumer) and in the
// store (an event's extra.seq, or a dead letter's raw value). Ids from Kafka coordinates cannot
// show a record the producer wrote twice (each copy has offsets of its own); sequence numbers can.

/**
 * `count` synthetic events in the seed's formats, each with its `seq` (firstSeq, firstSeq + 1, ...),
 * as JSON Lines.
 */
export function writeSequencedFile(
  path: string,
  count: number,
  seed: number,
  options: { devices?: number; firstSeq?: number } = {},
): void {
  const generator = createEventGenerator({ seed, devices: options.devices ?? 500 });
  const first = options.firstSeq ?? 0;
  const lines: string[] = [];
  for (let seq = first; seq < first + count; seq++) {
    const value = JSON.parse(generator.next().value) as Record<string, unknown>;
    lines.push(JSON.stringify({ ...value, seq }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

/** The sequence numbers of the lines of a file (none if it does not exist). */
export function seqsInFile(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((line) => {
      const seq = seqOf(line);
      return seq === undefined ? [] : [seq];
    });
}

/** The `seq` of a raw record value, or undefined when it has none (not JSON, or no such field). */
export function seqOf(value: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    const seq = (parsed as { seq?: unknown } | null)?.seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : undefined;
  } catch {
    return undefined;
  }
}

/** How many times each sequence number 0..expected-1 was seen, and what was seen outside that range. */
export class SeqTally {
  readonly counts: Uint16Array;
  /** Values with no sequence number, or one out of range. */
  strays = 0;

  readonly expected: number;

  constructor(expected: number) {
    this.expected = expected;
    this.counts = new Uint16Array(expected);
  }

  add(seq: number | undefined): void {
    if (seq === undefined || seq < 0 || seq >= this.expected) this.strays++;
    else this.counts[seq] = Math.min(65_535, this.counts[seq]! + 1);
  }

  /**
   * Against what the producer had acknowledged (`acked`: a flag per sequence number): acknowledged
   * ones seen other than once, and ones never acknowledged (not sent) seen at all.
   */
  against(
    acked: Uint8Array,
    limit = 10,
  ): { lost: number; duplicated: number; unexpected: number; strays: number; examples: object } {
    const examples = { lost: [] as number[], duplicated: [] as number[], unexpected: [] as number[] };
    let lost = 0;
    let duplicated = 0;
    let unexpected = 0;
    for (let seq = 0; seq < this.expected; seq++) {
      const n = this.counts[seq]!;
      if (acked[seq] === 1) {
        if (n === 0 && lost++ < limit) examples.lost.push(seq);
        if (n > 1 && duplicated++ < limit) examples.duplicated.push(seq);
      } else if (n > 0 && unexpected++ < limit) examples.unexpected.push(seq);
    }
    return { lost, duplicated, unexpected, strays: this.strays, examples };
  }

  /** Missing and duplicated sequence numbers (the first few of each, and how many in all). */
  summary(limit = 10): {
    seen: number;
    missing: number;
    duplicated: number;
    strays: number;
    examples: object;
  } {
    const missing: number[] = [];
    const duplicated: number[] = [];
    let seen = 0;
    let nMissing = 0;
    let nDuplicated = 0;
    for (let seq = 0; seq < this.expected; seq++) {
      const n = this.counts[seq]!;
      seen += n;
      if (n === 0 && nMissing++ < limit) missing.push(seq);
      if (n > 1 && nDuplicated++ < limit) duplicated.push(seq);
    }
    return {
      seen,
      missing: nMissing,
      duplicated: nDuplicated,
      strays: this.strays,
      examples: { missing, duplicated },
    };
  }
}

/** Per partition, the offset after the last record (from whichever node leads it). */
export async function endOffsets(admin: Admin, topic: string): Promise<number[]> {
  const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
  const listed = await admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: count }, (_, i) => ({ partitionIndex: i, timestamp: -1n })),
      },
    ],
  });
  const ends = new Array<number>(count).fill(0);
  for (const p of listed[0]?.partitions ?? []) ends[p.partitionIndex] = Number(p.offset);
  return ends;
}

/**
 * Reads the whole topic back (every partition from its start to its end at the time of the call)
 * and counts each record's sequence number: what the topic really holds, whatever the producer
 * counted.
 */
export async function topicSeqs(brokers: string[], topic: string, expected: number): Promise<SeqTally> {
  const admin = new Admin({ clientId: 'test-read-back-admin', bootstrapBrokers: brokers });
  const ends = await endOffsets(admin, topic).finally(() => admin.close());
  const tally = new SeqTally(expected);
  const remaining = new Set(ends.flatMap((end, partition) => (end > 0 ? [partition] : [])));
  if (remaining.size === 0) return tally;
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'test-read-back',
    bootstrapBrokers: brokers,
    groupId: `read-back-${randomBytes(4).toString('hex')}`,
    groupProtocol: 'consumer',
    autocommit: false,
    maxWaitTime: 500,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read-back of ${topic} incomplete after 180 s: ${[...remaining].join(',')}`)),
        180_000,
      );
      stream.on('error', reject);
      stream.on('data', (m: { partition: number; offset: bigint; value: Buffer }) => {
        if (Number(m.offset) >= ends[m.partition]!) return;
        tally.add(seqOf(m.value.toString('utf8')));
        if (Number(m.offset) === ends[m.partition]! - 1) remaining.delete(m.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
  return tally;
}

/** Counts each sequence number in the store: events by extra.seq, dead letters by their raw value. */
export function storedSeqs(config: Config, expected: number): Promise<SeqTally> {
  return withDb(config, async (db) => {
    const tally = new SeqTally(expected);
    const events = db.collection(COLLECTIONS.events).find({}, { projection: { extra: 1 } });
    for await (const e of events) {
      const seq = (e.extra as { seq?: unknown } | undefined)?.seq;
      tally.add(typeof seq === 'number' ? seq : undefined);
    }
    const dead = db.collection(COLLECTIONS.deadLetters).find({}, { projection: { value: 1 } });
    for await (const d of dead) tally.add(seqOf(String(d.value)));
    return tally;
  });
}

/**
 * Polls a topic's end offsets a few times a second and keeps the latest answer, so a test can ask
 * when sending to every partition went on after a fault (polls that fail while a leader is gone are
 * skipped).
 */
export class EndOffsetWatch {
  #latest: { at: number; ends: number[] } | undefined;
  readonly #timer: NodeJS.Timeout;
  #polling = false;

  readonly admin: Admin;
  readonly topic: string;

  constructor(admin: Admin, topic: string, everyMs = 250) {
    this.admin = admin;
    this.topic = topic;
    this.#timer = setInterval(() => void this.#poll(), everyMs);
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const ends = await endOffsets(this.admin, this.topic);
      this.#latest = { at: Date.now(), ends };
    } catch {
      // A partition without a reachable leader: the next poll tries again.
    } finally {
      this.#polling = false;
    }
  }

  /** The latest end offsets (polling once more if there are none yet). */
  async latest(): Promise<number[]> {
    while (this.#latest === undefined) {
      await this.#poll();
      if (this.#latest === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    return this.#latest.ends;
  }

  /**
   * Resolves with the time of the first poll after `since` whose end offsets satisfy `check`;
   * rejects after timeoutMs.
   */
  async until(
    check: (ends: number[]) => boolean,
    since: number,
    timeoutMs: number,
    what: string,
  ): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = this.#latest;
      if (l !== undefined && l.at >= since && check(l.ends)) return l.at;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; latest ends ${JSON.stringify(l)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Per partition, one past the highest offset stored (as an event or a dead letter); 0 where none is. */
export function storedEnds(config: Config, partitions: number): Promise<number[]> {
  return withDb(config, async (db) => {
    const ends = new Array<number>(partitions).fill(0);
    for (const name of [COLLECTIONS.events, COLLECTIONS.deadLetters]) {
      const docs = db.collection(name).find({}, { projection: { partition: 1, offset: 1 } });
      for await (const d of docs) {
        const p = d.partition as number;
        ends[p] = Math.max(ends[p] ?? 0, (d.offset as number) + 1);
      }
    }
    return ends;
  });
}
