/** Liveness, readiness and Prometheus metrics: what orchestrators and scrapers poll. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../deps.ts';
import { createMetricsRegistry } from '../metrics.ts';
import { READINESS_CACHE_MS, createReadiness } from '../readiness.ts';

const Checks = Type.Object(
  {
    kafka: Type.Boolean({ description: 'the Kafka brokers answer' }),
    mongo: Type.Boolean({ description: 'the MongoDB server answers' }),
  },
  { description: 'each dependency, true when reachable' },
);

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
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
          'Answers 200 when both Kafka and MongoDB are reachable, else 503 naming what is not ' +
          '(a process started without probes is never ready). The answer may be up to ' +
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
      if (checks.kafka && checks.mongo) return { status: 'ready' as const, checks };
      const down = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([name]) => name);
      const why =
        deps.probes === undefined ? 'no probes are configured' : `${down.join(' and ')} unreachable`;
      return reply.code(503).send({ error: 'NOT_READY' as const, message: why, checks });
    },
  );

  const registry = createMetricsRegistry(deps);
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        description:
          'Process metrics, ingest worker counters and flush latency, and per-partition lag, in the ' +
          'Prometheus text format.',
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
