// Entry point of one ingest worker thread: an Ingestor driven by messages from the pool.
import { parentPort, workerData } from 'node:worker_threads';
import { InternalError, describeError } from '../errors/index.ts';
import { asKafkaError } from '../kafka/index.ts';
import { createLogger } from '../log/index.ts';
import { Ingestor } from './ingestor.ts';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new InternalError('worker-thread.ts must run in a worker thread');
const { config, workerId } = workerData as WorkerInit;
const send = (message: WorkerToPool): void => port.postMessage(message);

const ingestor = new Ingestor({
  config,
  workerId,
  log: createLogger(config.logLevel, `ingest-${workerId}`),
  onStats: (stats) => send({ type: 'stats', stats }),
  // The pool terminates a failed worker and starts a replacement, which reads from the last commit.
  onFatal: (error) => send({ type: 'failed', error: describeError(error) }),
});

port.on('message', (message: PoolToWorker) => {
  if (message.type === 'stop') {
    ingestor
      .stop(message.graceMs)
      .then(() => send({ type: 'stopped' }))
      .catch((error: unknown) => send({ type: 'failed', error: describeError(error) }));
  }
});

try {
  await ingestor.start();
  send({ type: 'started' });
} catch (error) {
  send({ type: 'failed', error: describeError(asKafkaError(error, config.kafka)) });
}
