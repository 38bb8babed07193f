/**
 * The consumers of one thread (Ingestors sharing a write combiner), driven by the pool's messages:
 * in a worker thread (worker-thread.ts), or on the main thread when the memory budget has no room
 * for a thread's isolate (in-process-thread.ts). Resolves once the first consumers have started or
 * failed; `end` stops every consumer at once (the host cannot be terminated like a thread).
 */
import { describeError } from '../errors/index.ts';
import { asKafkaError } from '../kafka/index.ts';
import { createLogger } from '../log/index.ts';
import { Ingestor } from './ingestor.ts';
import { watchEventLoop } from './loop-stall.ts';
import { WriteCombiner } from './write-combiner.ts';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './worker-protocol.ts';

/** The host's side of the channel to the pool: a worker's parentPort, or a MessagePort. */
export interface HostPort {
  postMessage(message: WorkerToPool): void;
  on(event: 'message', listener: (message: PoolToWorker) => void): unknown;
}

export interface ConsumerHost {
  started: Promise<void>;
  /** Stops every consumer without a grace period, and the host's event-loop watch. */
  end(): Promise<void>;
}

export function hostConsumers(port: HostPort, { config, workerIds, memory }: WorkerInit): ConsumerHost {
  const send = (message: WorkerToPool): void => port.postMessage(message);
  const consumers: Ingestor[] = [];
  const combiner = new WriteCombiner();
  let stopping = false;
  const stopWatch = watchEventLoop(createLogger(config.logLevel, 'ingest-thread'));

  async function startConsumer(workerId: number): Promise<void> {
    const log = createLogger(config.logLevel, `ingest-${workerId}`);
    const ingestor = new Ingestor({
      config,
      workerId,
      memory,
      combiner,
      log,
      onStats: (stats) => send({ type: 'stats', stats }),
      // The pool ends this host and starts a replacement, which reads from the last commits.
      onFatal: (error) => send({ type: 'failed', workerId, error: describeError(error) }),
    });
    consumers.push(ingestor);
    try {
      await ingestor.start();
      send({ type: 'started', workerId });
    } catch (error) {
      // Whatever it opened is closed before the pool hears of it and ends the host.
      await ingestor
        .stop(0)
        .catch((e: unknown) =>
          log.warn({ err: describeError(e) }, 'closing a consumer that failed to start'),
        );
      send({ type: 'failed', workerId, error: describeError(asKafkaError(error, config.kafka)) });
    }
  }

  const stopAll = (graceMs: number): Promise<unknown> => {
    stopping = true;
    stopWatch();
    return Promise.all(consumers.map((c) => c.stop(graceMs)));
  };

  port.on('message', (message: PoolToWorker) => {
    if (message.type === 'add') {
      if (!stopping) for (const id of message.workerIds) void startConsumer(id);
    } else if (message.type === 'stop') {
      stopAll(message.graceMs)
        .then(() => send({ type: 'stopped' }))
        .catch((error: unknown) => send({ type: 'failed', workerId: -1, error: describeError(error) }));
    }
  });

  return {
    started: Promise.all(workerIds.map(startConsumer)).then(() => undefined),
    end: () => stopAll(0).then(() => undefined),
  };
}
