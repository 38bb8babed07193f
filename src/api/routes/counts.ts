/** The seed service's address counter, kept for its clients. */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { totals } from '../../query/index.ts';
import type { ApiDeps } from '../deps.ts';
import { StoreUnavailable } from '../schemas.ts';
import { requireDb } from '../store.ts';

export const countRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/count/addresses',
    {
      schema: {
        summary: 'Count addresses (seed route)',
        description: 'total_addresses: events stored; unique_addresses: distinct canonical addresses.',
        tags: ['seed'],
        response: {
          200: Type.Object(
            { total_addresses: Type.Integer(), unique_addresses: Type.Integer() },
            { description: 'all-time counts' },
          ),
          503: StoreUnavailable,
        },
      },
    },
    async () => {
      const all = await totals(requireDb(deps.db));
      return { total_addresses: all.events, unique_addresses: all.devices };
    },
  );
};
