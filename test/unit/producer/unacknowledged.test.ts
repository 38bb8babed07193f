import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EventProducer, OutgoingRecord, PartitionFailure } from '../../../src/kafka/index.ts';
import { defaultUnackedPath, UnackedLines } from '../../../src/producer/unacked-file.ts';
import { fileRecords } from '../../../src/producer/sources.ts';
import { countFailures, describeFailures, runProducer, unacknowledged } from '../../../src/producer/run.ts';

// `produce` reports the records the cluster did not acknowledge, by partition, and with --file
// writes their lines to a file that a later `produce --file` sends exactly (issue 27).

const dir = mkdtempSync(join(tmpdir(), 'ipstream-unacked-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A producer whose every record goes to partition value % 3, and partition `failing` fails. */
function producerFailing(failing: number | null): { producer: EventProducer; sent: string[] } {
  const sent: string[] = [];
  const producer = {
    send: async (records: OutgoingRecord[]): Promise<PartitionFailure[]> => {
      const failures = new Map<number, PartitionFailure>();
      records.forEach((r, position) => {
        const partition = Number(r.value) % 3;
        if (partition !== failing) {
          sent.push(String(r.value));
          return;
        }
        const f = failures.get(partition) ?? {
          partition,
          records: [],
          positions: [],
          error: new Error('gone'),
        };
        f.records.push(r);
        f.positions.push(position);
        failures.set(partition, f);
      });
      await Promise.resolve();
      return [...failures.values()];
    },
  } as unknown as EventProducer;
  return { producer, sent };
}

const records = (n: number): OutgoingRecord[] => Array.from({ length: n }, (_, i) => ({ value: String(i) }));

test('failures of one send come back in the order the records were given', () => {
  const r = records(6);
  const failures: PartitionFailure[] = [
    { partition: 2, records: [r[2]!, r[5]!], positions: [2, 5], error: null },
    { partition: 0, records: [r[0]!, r[3]!], positions: [0, 3], error: null },
  ];
  assert.deepEqual(
    unacknowledged(failures).map((x) => x.value),
    ['0', '2', '3', '5'],
  );
  const byPartition: Record<string, number> = {};
  countFailures(byPartition, failures);
  countFailures(byPartition, [{ partition: null, records: [r[1]!], positions: [0], error: null }]);
  assert.deepEqual(byPartition, { '0': 2, '2': 2, unknown: 1 });
  assert.equal(
    describeFailures({ '10': 1, unknown: 3, '2': 5 }),
    'partition 2: 5, partition 10: 1, no partition: 3',
  );
});

test('a partition that fails for good is counted by partition, its records handed back in order, and the run goes on', async () => {
  const { producer, sent } = producerFailing(1);
  const lost: string[] = [];
  const summary = await runProducer(producer, records(30), {
    rate: 0,
    chunk: 4,
    onUnacknowledged: (rs) => lost.push(...rs.map((r) => String(r.value))),
  });
  const expectedLost = records(30)
    .map((r) => String(r.value))
    .filter((v) => Number(v) % 3 === 1);
  assert.deepEqual(lost, expectedLost);
  assert.equal(summary.failed, 10);
  assert.equal(summary.sent, 20);
  assert.equal(sent.length, 20);
  assert.deepEqual(summary.failedByPartition, { '1': 10 });
  assert.equal(summary.unsent, 0);
});

test('a send that throws fails its whole chunk, with no partition', async () => {
  const producer = {
    send: () => Promise.reject(new Error('metadata unreadable')),
  } as unknown as EventProducer;
  const summary = await runProducer(producer, records(5), { rate: 0, chunk: 2 });
  assert.equal(summary.failed, 5);
  assert.deepEqual(summary.failedByPartition, { unknown: 5 });
  assert.equal(summary.errors[0], 'metadata unreadable');
});

test('a stopped run hands back the rest of the source as not sent, after what failed', async () => {
  const { producer, sent } = producerFailing(0);
  let stopped = false;
  const lost: string[] = [];
  const summary = await runProducer(
    producer,
    (function* () {
      for (const r of records(20)) {
        if (r.value === '8') stopped = true;
        yield r;
      }
    })(),
    {
      rate: 0,
      chunk: 3,
      isStopped: () => stopped,
      onUnacknowledged: (rs) => lost.push(...rs.map((r) => String(r.value))),
    },
  );
  // Chunks [0,1,2] [3,4,5] [6,7,8] were sent (0, 3 and 6 failed); 9..19 were never sent.
  assert.deepEqual(sent, ['1', '2', '4', '5', '7', '8']);
  assert.deepEqual(lost, ['0', '3', '6', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19']);
  assert.equal(summary.unsent, 11);
  assert.equal(summary.failed, 3);
});

test('the unacknowledged lines file: beside the input, never over an earlier one, and read back line for line', async () => {
  const input = join(dir, 'events.jsonl');
  assert.equal(
    defaultUnackedPath(input, () => false),
    join(dir, 'events.unacked.jsonl'),
  );
  const taken = new Set([join(dir, 'events.unacked.jsonl'), join(dir, 'events.unacked-2.jsonl')]);
  assert.equal(
    defaultUnackedPath(input, (p) => taken.has(p)),
    join(dir, 'events.unacked-3.jsonl'),
  );
  assert.equal(
    defaultUnackedPath(join(dir, 'raw'), () => false),
    join(dir, 'raw.unacked.jsonl'),
  );

  const lines = ['{"a":1}', '', 'not json', '{"device_ip":"10.0.0.1","b":"ü"}'];
  writeFileSync(input, lines.join('\n') + '\n');
  const path = defaultUnackedPath(input);
  const file = new UnackedLines(path);
  file.append([]);
  assert.throws(() => readFileSync(path), /ENOENT/, 'nothing is written until there is a line to write');
  const read: OutgoingRecord[] = [];
  for await (const r of fileRecords(input)) read.push(r);
  file.append(read.slice(0, 2));
  file.append(read.slice(2));
  file.close();
  assert.equal(file.lines, 4);
  const again: string[] = [];
  for await (const r of fileRecords(path)) again.push(String(r.value));
  assert.deepEqual(again, lines);
});

test('a producer that falls behind its rate (slow answers) sends larger chunks to catch up, never above 1000', async () => {
  const sizes: number[] = [];
  const producer = {
    send: async (records: OutgoingRecord[]): Promise<PartitionFailure[]> => {
      sizes.push(records.length);
      // 80 ms a send: at 2,000 records/s in chunks of 100, that pace allows 50 ms.
      await new Promise((resolve) => setTimeout(resolve, 80));
      return [];
    },
  } as unknown as EventProducer;
  const summary = await runProducer(producer, records(4_000), { rate: 2_000 });
  assert.equal(summary.sent, 4_000);
  assert.equal(sizes[0], 100, 'it starts at the chunk size of its rate');
  assert.ok(Math.max(...sizes) > 100, `it catches up with larger chunks: ${sizes.join(',')}`);
  assert.ok(Math.max(...sizes) <= 1_000);
  assert.ok(sizes.length < 40, `fewer sends than chunks of 100: ${sizes.length}`);
});
