// Entry point of one ingest worker thread: its consumers, driven by messages from the pool.
import { parentPort, workerData } from 'node:worker_threads';
import { InternalError } from '../errors/index.ts';
import { hostConsumers } from './consumer-host.ts';
import type { WorkerInit } from './worker-protocol.ts';

if (parentPort === null) throw new InternalError('worker-thread.ts must run in a worker thread');
await hostConsumers(parentPort, workerData as WorkerInit).started;
