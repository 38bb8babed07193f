/** Timestamp normalization over HTTP: the ingest parser, exposed so producers can check their values. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  isTimestampFailure,
  parseTimestamp,
  type TimestampFormat,
  tryParseTimestamp,
} from '../../events/index.ts';
import { PathTooLong, errorResponse, parsedFirst } from '../schemas.ts';

const FORMATS: TimestampFormat[] = [
  'epoch_s',
  'epoch_ms',
  'epoch_us',
  'epoch_ns',
  'iso8601',
  'rfc2822',
  'clf',
];
const MAX_VALUES_PER_REQUEST = 10_000;

const Format = Type.Enum(FORMATS, { description: 'the form the value was recognised as' });
const Iso = Type.String({
  description: 'UTC, millisecond precision',
  examples: ['2024-09-18T14:14:10.124Z'],
});
const EpochMs = Type.Integer({
  description: 'milliseconds since 1970-01-01T00:00:00Z',
  examples: [1726668850124],
});
const Input = Type.Union([Type.String(), Type.Number()], { description: 'the value as sent' });

const Parsed = Type.Object(
  { input: Input, iso: Iso, epochMs: EpochMs, format: Format },
  { description: 'the normalized timestamp' },
);
const Failed = Type.Object(
  {
    input: Input,
    error: Type.String({ description: 'TS_* reason code', examples: ['TS_AMBIGUOUS'] }),
    message: Type.String(),
  },
  { description: 'why the value was refused' },
);

/** A schema can bound the text, not say which texts the parser accepts: that is this answer. */
const NotATimestamp = errorResponse(
  'the value is not a timestamp the parser accepts (TS_* codes, e.g. TS_UNRECOGNIZED, ' +
    'TS_IMPOSSIBLE_DATE, TS_AMBIGUOUS) or is malformed (INVALID_REQUEST)',
);

function normalize(input: string | number) {
  const result = tryParseTimestamp(input);
  if (isTimestampFailure(result)) return { input, error: result.code, message: result.message };
  return { input, iso: result.iso, epochMs: result.epochMs, format: result.format };
}

export const timestampRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/timestamps/parse',
    {
      preValidation: parsedFirst('query', 'value', parseTimestamp),
      schema: {
        summary: 'Normalize one timestamp',
        description:
          'Accepts epochs (s, ms, us, ns by digit count), ISO 8601, RFC 2822 and Apache log times.',
        tags: ['timestamps'],
        querystring: Type.Object({
          value: Type.String({
            minLength: 1,
            description: 'the timestamp to parse',
            examples: ['2024-09-18T14:14:10.124Z'],
          }),
        }),
        response: { 200: Parsed, 400: NotATimestamp },
      },
    },
    async (request) => {
      const { value } = request.query;
      const parsed = parseTimestamp(value);
      return { input: value, iso: parsed.iso, epochMs: parsed.epochMs, format: parsed.format };
    },
  );

  app.post(
    '/api/v1/timestamps/parse',
    {
      schema: {
        summary: 'Normalize many timestamps',
        description: 'Each value gets its own result, in order; a bad value does not fail the others.',
        tags: ['timestamps'],
        // Other fields are refused, not ignored: the JSON parser refuses a __proto__ key anyway,
        // and a schema that allowed other fields would promise that one too.
        body: Type.Object(
          { values: Type.Array(Input, { minItems: 1, maxItems: MAX_VALUES_PER_REQUEST }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { results: Type.Array(Type.Union([Parsed, Failed])) },
            { description: 'one result per value' },
          ),
          400: errorResponse(
            'the body is not JSON, or not {values: [...]} with 1 to ' +
              `${MAX_VALUES_PER_REQUEST} strings or numbers and no other field (INVALID_REQUEST, BAD_REQUEST)`,
          ),
          413: errorResponse('the body is larger than 1 MiB (PAYLOAD_TOO_LARGE)'),
          415: errorResponse('the body is not application/json (UNSUPPORTED_MEDIA_TYPE)'),
        },
      },
    },
    async (request) => ({ results: request.body.values.map(normalize) }),
  );

  app.get(
    '/time/formatter/:value',
    {
      preValidation: parsedFirst('params', 'value', parseTimestamp),
      schema: {
        summary: 'Format a timestamp (seed route)',
        description: 'Kept from the seed service; the same parser as /api/v1/timestamps/parse.',
        tags: ['timestamps', 'seed'],
        params: Type.Object({
          value: Type.String({
            minLength: 1,
            maxLength: 100,
            description: 'the timestamp to format',
            examples: ['1726668850124'],
          }),
        }),
        response: {
          200: Type.Object({ time: Iso }, { description: 'the normalized time' }),
          400: NotATimestamp,
          414: PathTooLong,
        },
      },
    },
    async (request) => ({ time: parseTimestamp(request.params.value).iso }),
  );
};
