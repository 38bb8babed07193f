/**
 * Consumers hosted on the main thread, behind the part of a Worker's surface the pool uses: chosen
 * when INGEST_MEMORY_MB has no room for a worker thread's isolate (memory-budget.ts). Messages go
 * through a MessageChannel, as they would to a thread, so the pool and the host are the same code
 * either way. Unlike a thread, the host shares the process: an error it does not catch ends the
 * process (the pool's supervisor, not the pool, restarts it), and terminate() can only stop its
 * consumers at once, not kill them.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { type ConsumerHost, hostConsumers } from './consumer-host.ts';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './worker-protocol.ts';

/** What the pool needs of a worker thread. */
export interface ThreadHandle {
  postMessage(message: PoolToWorker): void;
  terminate(): Promise<number>;
  on(event: 'message', listener: (message: WorkerToPool) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  once(event: 'exit', listener: (code: number) => void): this;
}

export class InProcessThread extends EventEmitter implements ThreadHandle {
  readonly #channel = new MessageChannel();
  readonly #host: ConsumerHost;
  #exit: Promise<number> | undefined;

  constructor(init: WorkerInit) {
    super();
    this.#channel.port2.on('message', (message: WorkerToPool) => this.emit('message', message));
    this.#host = hostConsumers(this.#channel.port1, init);
    // As a thread's failed start is reported to the pool by message, not thrown.
    this.#host.started.catch((error: unknown) => this.emit('error', error));
  }

  postMessage(message: PoolToWorker): void {
    this.#channel.port2.postMessage(message);
  }

  terminate(): Promise<number> {
    this.#exit ??= this.#host.end().then(
      () => this.#exited(0),
      () => this.#exited(1),
    );
    return this.#exit;
  }

  #exited(code: number): number {
    this.#channel.port1.close();
    this.#channel.port2.close();
    this.emit('exit', code);
    return code;
  }
}
