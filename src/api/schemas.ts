/**
 * TypeBox pieces the analytics routes share. Every query parameter is declared as a string or an
 * integer and unknown parameters are refused, so nothing a client sends can arrive as an object
 * (`?from[$gt]=1` is an unknown parameter, not an operator).
 */
import { Type } from '@fastify/type-provider-typebox';
import type { TProperties } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ERROR_CODE_LIST, RequestError } from '../errors/index.ts';

/** The body of every non-2xx answer; routes list it in their response schemas. */
const ErrorBody = Type.Object(
  {
    error: Type.Union(
      ERROR_CODE_LIST.map((code) => Type.Literal(code)),
      {
        description: 'stable machine-readable code (see each one in the list)',
        examples: ['TS_IMPOSSIBLE_DATE'],
      },
    ),
    message: Type.String({ description: 'one-line human explanation' }),
  },
  { description: 'error' },
);

/** ErrorBody as one documented answer, saying when it is given and with which codes. */
export const errorResponse = (description: string) => Type.Object(ErrorBody.properties, { description });

export const Iso = Type.String({
  description: 'ISO 8601 UTC with milliseconds',
  examples: ['2024-09-18T14:14:10.124Z'],
});

export const IsoOrNull = Type.Union([Iso, Type.Null()]);

/** Bounds every query parameter: a timestamp or an address is far shorter. */
const MAX_PARAM_LENGTH = 100;

const TimeParam = (description: string, example: string) =>
  Type.String({ minLength: 1, maxLength: MAX_PARAM_LENGTH, description, examples: [example] });

export const From = TimeParam(
  'start of the range, inclusive; any form the timestamp parser accepts',
  '2024-09-18T14:00:00Z',
);
export const To = TimeParam(
  'end of the range, exclusive, after from; any form the timestamp parser accepts',
  '2024-09-18T15:00:00Z',
);

export const Limit = (defaultValue: number) =>
  Type.Integer({ minimum: 1, maximum: 1000, default: defaultValue, description: 'items to return, 1..1000' });

/**
 * The 400 of routes with a range. A schema can bound the text of from and to but not say which
 * texts the timestamp parser accepts, nor that from must be before to: those are answered here.
 */
export const RangeRefused = errorResponse(
  'from or to is not a timestamp (TS_* codes, e.g. TS_UNRECOGNIZED, TS_IMPOSSIBLE_DATE), from is ' +
    'not before to (RANGE_EMPTY), the range is wider than the route allows (RANGE_TOO_WIDE), or a ' +
    'parameter is malformed or unknown (INVALID_REQUEST)',
);

/** The 400 of a route whose only parameters the schema fully describes. */
export const ParametersRefused = errorResponse(
  'a parameter is malformed, out of bounds or unknown (INVALID_REQUEST)',
);

/** The 414 of routes with a path parameter: the router refuses a segment before any schema sees it. */
export const PathTooLong = errorResponse(
  'a path segment is longer than the router accepts (URI_TOO_LONG); the schema allows far less',
);

export const StoreUnavailable = errorResponse(
  'no database is configured (STORE_UNAVAILABLE), or a query ran past its time limit ' +
    '(QUERY_TIMEOUT, with Retry-After)',
);

/** The error answers of every route over a time range. */
export const RangeErrors = { 400: RangeRefused, 503: StoreUnavailable };

/** A querystring object that refuses parameters it does not declare. */
export const Query = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

/**
 * A preValidation hook that runs a domain parser on one text parameter before the schema checks
 * it. The schema documents the parameter for clients; the parser's refusal (IP_INVALID, TS_EMPTY,
 * TS_UNRECOGNIZED...) is the answer, with its own code rather than the schema's INVALID_REQUEST.
 */
export function parsedFirst(where: 'params' | 'query', name: string, parse: (text: string) => unknown) {
  return async (request: FastifyRequest): Promise<void> => {
    const value = (request[where] as Record<string, unknown>)[name];
    if (typeof value === 'string') parse(value);
  };
}

/**
 * A preValidation hook for routes with `limit`: TypeBox's conversion reads "1.5" as 1 and "0x10" as
 * 16, so the text must be plain decimal digits before the schema checks the bounds.
 */
/**
 * Refuses a query integer in any form but plain digits with an optional sign (the schema's
 * coercion would take `1e3` or ` 7`): a preValidation hook.
 */
export function plainInteger(name: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const value = (request.query as Record<string, unknown>)[name];
    if (typeof value === 'string' && !/^-?[0-9]{1,16}$/.test(value)) {
      throw new RequestError('INVALID_REQUEST', `querystring/${name} must be a whole number`);
    }
  };
}

export async function plainLimit(request: FastifyRequest): Promise<void> {
  const limit = (request.query as Record<string, unknown>).limit;
  if (typeof limit === 'string' && !/^[0-9]{1,4}$/.test(limit)) {
    throw new RequestError('INVALID_REQUEST', 'querystring/limit must be a whole number from 1 to 1000');
  }
}
