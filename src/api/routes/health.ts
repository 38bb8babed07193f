/** Liveness, readiness and Prometheus metrics: what orchestrators and scrapers poll. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../deps.ts';
import type { ApiMetrics } from '../metrics.ts';
import { READINESS_CACHE_MS, createReadiness } from '../readiness.ts';

const Checks = Type.Object(
  {
    kafka: Type.Boolean({ description: 'the Kafka brokers answer' }),
    mongo: Type.Boolean({ description: 'the MongoDB server answers' }),
    workers: Type.Optional(
      Type.Boolean({
        description: 'every ingest worker of this process has joined the group (`ingest` only)',
      }),
    ),
  },
  { description: 'each dependency, true when reachable' },
);

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; metrics: ApiMetrics }> = async (
  app,
  { deps, metrics },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        description: 'Answers 200 while the process serves HTTP; it checks no dependency.',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  const cacheMs = deps.readinessCacheMs ?? READINESS_CACHE_MS;
  const readiness = createReadiness(deps.probes, cacheMs);
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness',
        description:
          'Answers 200 when both Kafka and MongoDB are reachable (and, in a standalone `ingest`, ' +
          'every worker has joined the consumer group), else 503 naming what is not (a process ' +
          'started without probes is never ready). The answer may be up to ' +
          `${cacheMs / 1000} s old: requests within that time share one probe.`,
        tags: ['health'],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), checks: Checks }),
          503: Type.Object({ error: Type.Literal('NOT_READY'), message: Type.String(), checks: Checks }),
        },
      },
    },
    async (_request, reply) => {
      const checks = await readiness();
      const down = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([name]) => name);
      if (down.length === 0) return { status: 'ready' as const, checks };
      const unreachable = down.filter((name) => name !== 'workers');
      const reasons = [
        ...(unreachable.length > 0 ? [`${unreachable.join(' and ')} unreachable`] : []),
        ...(checks.workers === false ? ['ingest workers not all in the consumer group'] : []),
      ];
      const why = deps.probes === undefined ? 'no probes are configured' : reasons.join('; ');
      return reply.code(503).send({ error: 'NOT_READY' as const, message: why, checks });
    },
  );

  const { registry } = metrics;
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        description:
          'Process metrics, ingest worker counters and flush latency, per-partition lag and HTTP ' +
          'request durations by route, in the Prometheus text format.',
        tags: ['health'],
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
};
