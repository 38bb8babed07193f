/**
 * How failures become HTTP answers. Every error body is `{error, message}` with a stable code, and
 * client mistakes are never reported as 500: only faults of the service itself are.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODE_LIST, type ErrorCode } from '../errors/codes.ts';
import { QueryTimeoutError, ValidationError } from '../errors/errors.ts';
import { QueryTooBroadError } from '../query/reader.ts';

/** An answer a route chooses on purpose, e.g. `new HttpError(404, 'IP_NOT_FOUND', '...')`. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;

  constructor(status: number, code: ErrorCode, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

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

/** Codes for client errors Fastify raises itself (unparsable JSON, oversized bodies...). */
const CLIENT_ERROR_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
};

interface ErrorLike {
  validation?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? error : {};
}

/** The single error handler of the app (see buildApp). */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = asErrorLike(error);
  const message = typeof e.message === 'string' ? e.message : 'request failed';
  if (e.validation !== undefined) return reply.code(400).send({ error: 'INVALID_REQUEST', message });
  if (error instanceof ValidationError) return reply.code(400).send({ error: error.code, message });
  if (error instanceof QueryTimeoutError) {
    request.log.warn({ err: error }, 'query stopped at its time limit');
    return reply.code(503).header('retry-after', '30').send({ error: error.code, message });
  }
  if (error instanceof QueryTooBroadError) return reply.code(503).send({ error: error.code, message });
  if (error instanceof HttpError) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(error.status).send({ error: error.code, message });
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ error: CLIENT_ERROR_CODES[status] ?? 'CLIENT_ERROR', message });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .code(404)
    .send({ error: 'NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
}
