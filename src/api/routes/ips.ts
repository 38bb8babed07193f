/** Unique-address counts, the most active addresses, and one address's history. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RequestError } from '../../errors/index.ts';
import { DEFAULT_TOP_LIMIT, ipDetail, parseRange, requireIp, topIps, uniqueIps } from '../../query/index.ts';
import type { ApiDeps } from '../deps.ts';
import {
  From,
  Iso,
  IsoOrNull,
  Limit,
  PathTooLong,
  Query,
  RangeErrors,
  StoreUnavailable,
  To,
  errorResponse,
  parsedFirst,
  plainLimit,
} from '../schemas.ts';
import { requireDb } from '../store.ts';

/**
 * What the address parser (src/events/ip.ts) accepts: dotted-quad IPv4 without leading zeros and
 * the RFC 4291 IPv6 text forms, in any case, without zone or prefix. The JSON Schema formats
 * ipv4 and ipv6 name the same two languages.
 */
const Address = Type.Union([Type.String({ format: 'ipv4' }), Type.String({ format: 'ipv6' })], {
  description: 'an IPv4 or IPv6 address in any valid spelling',
  examples: ['10.0.0.1', '2001:DB8::1'],
});

const Mode = Type.Enum(['exact', 'approx'], { description: 'how the answer was counted' });

const UniqueAnswer = Type.Object(
  {
    uniqueIps: Type.Integer({ description: 'distinct canonical addresses' }),
    events: Type.Integer({ description: 'events counted' }),
    from: IsoOrNull,
    to: IsoOrNull,
    mode: Mode,
    relativeError: Type.Optional(
      Type.Number({
        description: 'approx only: standard error of uniqueIps, as a fraction (0.016 = ±1.6%)',
      }),
    ),
  },
  { description: 'the count' },
);

export const ipRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/v1/ips/unique',
    {
      schema: {
        summary: 'Count distinct device addresses',
        description:
          'Without from and to: all time, exact, from the totals (mode is then always exact). With a ' +
          'range of any width, mode=exact (default) unions the device bitmaps of the whole months, ' +
          'days, six hours, hours, ten minutes and minutes inside it and the events of the minute parts at its ' +
          'ends: exact to the millisecond, without reading events. mode=approx merges HyperLogLog ' +
          "sketches of the same buckets and the edge minutes' devices (standard error relativeError, " +
          'about 1.6%), over the same range. events is exact in both modes.',
        tags: ['ips'],
        querystring: Query({
          from: Type.Optional(From),
          to: Type.Optional(To),
          mode: Type.Optional(Type.Enum(['exact', 'approx'], { default: 'exact' })),
        }),
        response: { 200: UniqueAnswer, ...RangeErrors },
      },
    },
    async (request) => {
      const { from, to, mode } = request.query;
      const query = { ...parseRange(from, to), mode: mode ?? 'exact' };
      return uniqueIps(requireDb(deps.db), query);
    },
  );

  app.get(
    '/api/v1/ips/top',
    {
      preValidation: plainLimit,
      schema: {
        summary: 'Addresses with the most events',
        description:
          'Exact, over all time or any range: from the top lists each month, day and hour keeps per ' +
          'group of devices, refined with their exact counts where the lists alone cannot decide, ' +
          'and the exact counts of the minutes at the edges. Equal counts are listed in the order the devices were first stored.',
        tags: ['ips'],
        querystring: Query({
          limit: Type.Optional(Limit(DEFAULT_TOP_LIMIT)),
          from: Type.Optional(From),
          to: Type.Optional(To),
        }),
        response: {
          200: Type.Object(
            { items: Type.Array(Type.Object({ ip: Type.String(), events: Type.Integer() })) },
            { description: 'most events first' },
          ),
          ...RangeErrors,
        },
      },
    },
    async (request) => {
      const { limit, from, to } = request.query;
      const range = parseRange(from, to);
      return { items: await topIps(requireDb(deps.db), range, limit ?? DEFAULT_TOP_LIMIT) };
    },
  );

  app.get(
    '/api/v1/ips/:ip',
    {
      preValidation: parsedFirst('params', 'ip', requireIp),
      schema: {
        summary: 'One device',
        description:
          'Any spelling of the address finds it (2001:DB8::1 finds 2001:db8::1). 404 when it never ' +
          'sent an event, 400 when the text is not an IPv4 or IPv6 address.',
        tags: ['ips'],
        params: Type.Object({ ip: Address }),
        response: {
          200: Type.Object(
            {
              ip: Type.String({ description: 'canonical form' }),
              firstSeen: Iso,
              lastSeen: Iso,
              events: Type.Integer(),
              errorCodes: Type.Record(Type.String(), Type.Integer(), {
                description: 'events per error_code',
              }),
            },
            { description: 'the device' },
          ),
          400: errorResponse('the text is not an IPv4 or IPv6 address (IP_INVALID), or is malformed'),
          404: errorResponse('the address never sent an event (IP_NOT_FOUND)'),
          414: PathTooLong,
          503: StoreUnavailable,
        },
      },
    },
    async (request) => {
      // A malformed address is the client's mistake whether or not a store is configured.
      const ip = requireIp(request.params.ip);
      const detail = await ipDetail(requireDb(deps.db), ip);
      if (detail === null) throw new RequestError('IP_NOT_FOUND', `${ip} never sent an event`);
      return detail;
    },
  );
};
