import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MALLOC_TUNABLES, mainThreadEnv, mainThreadHeapFlags } from '../../../src/app/main-heap.ts';
import { upMaxWorkers } from '../../../src/app/up.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { planMemory } from '../../../src/ingest/index.ts';

test('the main thread gets heap limits only when it hosts the consumers', () => {
  const small = loadConfig({ INGEST_MEMORY_MB: '256' });
  const flags = mainThreadHeapFlags(small);
  const plan = planMemory({ ...small.ingest });
  assert.equal(plan.threads, 0);
  assert.deepEqual(flags, [`--max-old-space-size=${plan.mainHeapMb}`, '--max-semi-space-size=2']);
  assert.ok(plan.mainHeapMb > 64 && plan.mainHeapMb < 256, `${plan.mainHeapMb} MB`);
  assert.deepEqual(mainThreadHeapFlags(loadConfig({})), [], 'the default budget holds a worker thread');
  assert.throws(
    () => mainThreadHeapFlags(loadConfig({ INGEST_MEMORY_MB: '256', INGEST_THREADS: '1' })),
    /cannot hold 2 consumers on 1 thread/,
  );
  assert.equal(mainThreadHeapFlags(loadConfig({ INGEST_MEMORY_MB: '1024', INGEST_THREADS: '0' })).length, 2);
});

test('up adds workers up to four, or as many as the budget holds', () => {
  assert.equal(upMaxWorkers(loadConfig({})), 4);
  assert.equal(upMaxWorkers(loadConfig({ INGEST_MEMORY_MB: '256' })), 2);
  assert.equal(upMaxWorkers(loadConfig({ INGEST_MEMORY_MB: '256', INGEST_WORKERS: '1' })), 2);
  // Never fewer than the workers it starts with (a budget that cannot hold those is refused later).
  assert.equal(upMaxWorkers(loadConfig({ INGEST_MEMORY_MB: '256', INGEST_WORKERS: '3' })), 3);
});

test("the bounded process fixes malloc's thresholds, and an operator's own tunables still win", () => {
  assert.deepEqual(mainThreadEnv({ PATH: '/bin' }), { PATH: '/bin', GLIBC_TUNABLES: MALLOC_TUNABLES });
  assert.equal(mainThreadEnv({ GLIBC_TUNABLES: '' }).GLIBC_TUNABLES, MALLOC_TUNABLES);
  assert.equal(
    mainThreadEnv({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' }).GLIBC_TUNABLES,
    `${MALLOC_TUNABLES}:glibc.malloc.mmap_threshold=65536`,
  );
});
