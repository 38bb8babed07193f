/** Error codes over any range: which codes, how many events and how many devices raised each. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_ERROR_CODES_LIMIT, errorCodes, parseRange } from '../../query/index.ts';
import type { ApiDeps } from '../deps.ts';
import { From, IsoOrNull, Limit, Query, RangeErrors, To, plainLimit } from '../schemas.ts';
import { requireDb } from '../store.ts';

export const errorRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/v1/errors',
    {
      preValidation: plainLimit,
      schema: {
        summary: 'Error codes with their events and devices',
        description:
          'Every error code raised in the range (all time without from and to), most events first, ' +
          'then by code: its events and the exact number of distinct devices that raised it. Exact to ' +
          'the millisecond at the edges, from the error codes each month, day, six hours, hour and ten ' +
          'minutes keeps and the events of the minutes at the ends, without reading events.',
        tags: ['errors'],
        querystring: Query({
          from: Type.Optional(From),
          to: Type.Optional(To),
          limit: Type.Optional(Limit(DEFAULT_ERROR_CODES_LIMIT)),
        }),
        response: {
          200: Type.Object(
            {
              items: Type.Array(
                Type.Object({
                  errorCode: Type.Integer(),
                  events: Type.Integer({ description: 'events with this error_code in the range' }),
                  devices: Type.Integer({ description: 'distinct devices that raised it, exact' }),
                }),
              ),
              events: Type.Integer({ description: 'events of every code in the range' }),
              from: IsoOrNull,
              to: IsoOrNull,
            },
            { description: 'the error codes' },
          ),
          ...RangeErrors,
        },
      },
    },
    async (request) => {
      const { from, to, limit } = request.query;
      const range = parseRange(from, to);
      return errorCodes(requireDb(deps.db), range, limit ?? DEFAULT_ERROR_CODES_LIMIT);
    },
  );
};
