/** Events and distinct addresses over time, per minute or per hour, from the rollups. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkSeriesRange, MAX_BUCKETS, parseRange, timeseries } from '../../query/index.ts';
import type { ApiDeps } from '../deps.ts';
import { From, Iso, Query, RangeErrors, To, plainInteger } from '../schemas.ts';
import { requireDb } from '../store.ts';

export const statsRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/v1/stats/timeseries',
    {
      preValidation: plainInteger('errorCode'),
      schema: {
        summary: 'Events and unique addresses per bucket',
        description:
          'Every bucket of the range, oldest first, empty ones as zeros; from is rounded down and to up ' +
          'to whole buckets. Without to: up to the latest hour with data, or the current bucket if ' +
          `earlier; without from: 60 minutes or 48 hours before to. At most ${MAX_BUCKETS} buckets. ` +
          'Both counts are exact. With errorCode, only that code counts.',
        tags: ['stats'],
        querystring: Query({
          from: Type.Optional(From),
          to: Type.Optional(To),
          bucket: Type.Optional(Type.Enum(['minute', 'hour'], { default: 'minute' })),
          errorCode: Type.Optional(
            Type.Integer({
              minimum: Number.MIN_SAFE_INTEGER,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'only the events with this error_code, and the devices that raised it',
            }),
          ),
        }),
        response: {
          200: Type.Object(
            {
              bucket: Type.Enum(['minute', 'hour']),
              from: Iso,
              to: Iso,
              buckets: Type.Array(
                Type.Object({
                  start: Iso,
                  events: Type.Integer({ description: 'events with a timestamp in the bucket' }),
                  uniqueIps: Type.Integer({ description: 'distinct addresses among them' }),
                }),
              ),
            },
            { description: 'the series' },
          ),
          ...RangeErrors,
        },
      },
    },
    async (request) => {
      const { from, to, bucket, errorCode } = request.query;
      const range = parseRange(from, to);
      checkSeriesRange(range, bucket ?? 'minute');
      return timeseries(requireDb(deps.db), range, bucket ?? 'minute', Date.now(), errorCode);
    },
  );
};
