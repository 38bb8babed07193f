/**
 * TypeBox pieces the analytics routes share. Every query parameter is declared as a string or an
 * integer and unknown parameters are refused, so nothing a client sends can arrive as an object
 * (`?from[$gt]=1` is an unknown parameter, not an operator).
 */
import { Type } from '@fastify/type-provider-typebox';
import type { TProperties } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.ts';

export const Iso = Type.String({
  description: 'ISO 8601 UTC with milliseconds',
  examples: ['2024-09-18T14:14:10.124Z'],
});

export const IsoOrNull = Type.Union([Iso, Type.Null()]);

/** Bounds every query parameter: a timestamp or an address is far shorter. */
const MAX_PARAM_LENGTH = 100;

export const TimeParam = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_PARAM_LENGTH, description, examples: ['2024-09-18T14:00:00Z'] });

export const From = TimeParam('start of the range, inclusive; any form the timestamp parser accepts');
export const To = TimeParam('end of the range, exclusive; any form the timestamp parser accepts');

export const Limit = (defaultValue: number) =>
  Type.Integer({ minimum: 1, maximum: 1000, default: defaultValue, description: 'items to return, 1..1000' });

/** A querystring object that refuses parameters it does not declare. */
export const Query = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

/**
 * A preValidation hook for routes with `limit`: TypeBox's conversion reads "1.5" as 1 and "0x10" as
 * 16, so the text must be plain decimal digits before the schema checks the bounds.
 */
export async function plainLimit(request: FastifyRequest): Promise<void> {
  const limit = (request.query as Record<string, unknown>).limit;
  if (typeof limit === 'string' && !/^[0-9]{1,4}$/.test(limit)) {
    throw new HttpError(400, 'INVALID_REQUEST', 'querystring/limit must be a whole number from 1 to 1000');
  }
}
