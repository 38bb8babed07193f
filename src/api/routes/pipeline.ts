/** The ingest pipeline as this process sees it: workers, partitions and lag, flush latencies. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pipelineStatus } from '../../query/index.ts';
import type { ApiDeps } from '../deps.ts';
import { Iso, IsoOrNull } from '../schemas.ts';
import { describeTopic } from '../topic-status.ts';

const Count = Type.Integer({ minimum: 0 });
const MsOrNull = Type.Union([Type.Number(), Type.Null()]);

const Worker = Type.Object({
  workerId: Type.Integer(),
  memberId: Type.Union([Type.String(), Type.Null()]),
  partitions: Type.Array(Type.String(), { description: 'assigned, as topic/partition' }),
  consumed: Count,
  stored: Count,
  duplicates: Count,
  deadLetters: Count,
  flushes: Count,
  flushReasons: Type.Record(Type.String(), Count, { description: 'flushes per trigger' }),
  buffered: Count,
  bufferedBytes: Count,
  paused: Type.Boolean({ description: 'fetching paused because the buffer is full' }),
  storeRetries: Count,
  commitFailures: Count,
  consumerRestarts: Count,
  flushLimits: Type.Object(
    { count: Count, bytes: Count, maxAgeMs: Count },
    { description: 'the limits the adaptive flush policy currently applies' },
  ),
  lastFlush: Type.Union([
    Type.Object({ count: Count, bytes: Count, writeMs: Type.Number(), at: Iso }),
    Type.Null(),
  ]),
  lastRecordAt: IsoOrNull,
});

const Partition = Type.Object({
  partition: Type.Integer(),
  end: Count,
  committed: Type.Union([Count, Type.Null()], { description: 'null when the group committed nothing' }),
  lag: Count,
});

export const pipelineRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/v1/pipeline',
    {
      schema: {
        summary: 'Pipeline status',
        description:
          "This process's ingest workers (none under `serve`), the topic's partitions with end and " +
          "committed offsets and lag, and store write latency over the workers' recent flushes. When " +
          'Kafka cannot be asked, topic is null and topicError says why.',
        tags: ['pipeline'],
        response: {
          200: Type.Object(
            {
              ingestInProcess: Type.Boolean(),
              workers: Type.Array(Worker),
              totals: Type.Object({
                consumed: Count,
                stored: Count,
                duplicates: Count,
                deadLetters: Count,
                buffered: Count,
              }),
              flush: Type.Object({
                samples: Count,
                p50Ms: MsOrNull,
                p99Ms: MsOrNull,
                maxMs: MsOrNull,
              }),
              topic: Type.Union([
                Type.Object({
                  name: Type.String(),
                  totalEnd: Count,
                  totalLag: Count,
                  partitions: Type.Array(Partition),
                }),
                Type.Null(),
              ]),
              topicError: Type.Union([Type.String(), Type.Null()]),
            },
            { description: 'the pipeline' },
          ),
        },
      },
    },
    async () => pipelineStatus(deps.workerStats?.() ?? null, await describeTopic(deps)),
  );
};
