/** Records refused at ingest, with their reasons and Kafka coordinates. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_DEAD_LETTER_LIMIT, deadLetters } from '../../query/index.ts';
import type { ApiDeps } from '../deps.ts';
import { Iso, Limit, ParametersRefused, Query, StoreUnavailable, plainLimit } from '../schemas.ts';
import { requireDb } from '../store.ts';

const Item = Type.Object({
  reason: Type.String({ description: 'reason code, e.g. NOT_JSON, INVALID_IP, TS_IMPOSSIBLE_DATE' }),
  message: Type.String(),
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  key: Type.Union([Type.String(), Type.Null()]),
  value: Type.String({ description: 'the record value as text, cut to a bound' }),
  valueBytes: Type.Integer({ description: 'size of the original value' }),
  at: Iso,
});

export const deadLetterRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/v1/dead-letters',
    {
      preValidation: plainLimit,
      schema: {
        summary: 'Dead letters',
        description:
          'How many records were refused in total, and the latest ones, newest first: up to `limit`, and about 2 MiB of text at most.',
        tags: ['dead letters'],
        querystring: Query({ limit: Type.Optional(Limit(DEFAULT_DEAD_LETTER_LIMIT)) }),
        response: {
          200: Type.Object(
            {
              total: Type.Integer(),
              items: Type.Array(Item),
              truncated: Type.Boolean({
                description:
                  'some of the latest dead letters were left out: an answer lists at most about 2 MiB of text, whatever the limit',
              }),
            },
            { description: 'dead letters' },
          ),
          400: ParametersRefused,
          503: StoreUnavailable,
        },
      },
    },
    async (request) => deadLetters(requireDb(deps.db), request.query.limit ?? DEFAULT_DEAD_LETTER_LIMIT),
  );
};
