// Entry point of one ingest worker thread: its consumers (Ingestors), driven by messages from the pool.
import { parentPort, workerData } from 'node:worker_threads';
import { InternalError, describeError } from '../errors/index.ts';
import { asKafkaError } from '../kafka/index.ts';
import { createLogger } from '../log/index.ts';
import { Ingestor } from './ingestor.ts';
import { watchEventLoop } from './loop-stall.ts';
import { WriteCombiner } from './write-combiner.ts';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new InternalError('worker-thread.ts must run in a worker thread');
const { config, workerIds, memory } = workerData as WorkerInit;
const send = (message: WorkerToPool): void => port.postMessage(message);
const consumers: Ingestor[] = [];
const combiner = new WriteCombiner();
let stopping = false;
watchEventLoop(createLogger(config.logLevel, 'ingest-thread'));

async function startConsumer(workerId: number): Promise<void> {
  const log = createLogger(config.logLevel, `ingest-${workerId}`);
  const ingestor = new Ingestor({
    config,
    workerId,
    memory,
    combiner,
    log,
    onStats: (stats) => send({ type: 'stats', stats }),
    // The pool ends this thread and starts a replacement, which reads from the last commits.
    onFatal: (error) => send({ type: 'failed', workerId, error: describeError(error) }),
  });
  consumers.push(ingestor);
  try {
    await ingestor.start();
    send({ type: 'started', workerId });
  } catch (error) {
    // Whatever it opened is closed before the pool hears of it and ends the thread.
    await ingestor
      .stop(0)
      .catch((e: unknown) => log.warn({ err: describeError(e) }, 'closing a consumer that failed to start'));
    send({ type: 'failed', workerId, error: describeError(asKafkaError(error, config.kafka)) });
  }
}

port.on('message', (message: PoolToWorker) => {
  if (message.type === 'add') {
    if (!stopping) for (const id of message.workerIds) void startConsumer(id);
  } else if (message.type === 'stop') {
    stopping = true;
    Promise.all(consumers.map((c) => c.stop(message.graceMs)))
      .then(() => send({ type: 'stopped' }))
      .catch((error: unknown) => send({ type: 'failed', workerId: -1, error: describeError(error) }));
  }
});

await Promise.all(workerIds.map(startConsumer));
