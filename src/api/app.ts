/**
 * The HTTP API as a Fastify instance that is not yet listening, so tests drive it in-process with
 * `app.inject` and `serve`/`up` decide where it listens; and the operations app a standalone
 * `ingest` serves (health, readiness, metrics) from the same routes.
 */
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import packageJson from '../../package.json' with { type: 'json' };
import { registerBearerAuth } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { handleError, handleNotFound } from './error-handler.ts';
import { type ApiMetrics, createMetrics } from './metrics.ts';
import { registerMethodNotAllowed } from './method-not-allowed.ts';
import { DebugRequestLog } from './request-log.ts';
import { registerRequestMetrics } from './request-metrics.ts';
import {
  countRoutes,
  dashboardRoutes,
  deadLetterRoutes,
  errorRoutes,
  healthRoutes,
  ipRoutes,
  pipelineRoutes,
  statsRoutes,
  timestampRoutes,
} from './routes/index.ts';

type App = FastifyInstance;

/** What every app of ipstream shares: logging, the error shapes, 405s, request metrics. */
function baseApp(deps: ApiDeps, metrics: ApiMetrics) {
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    logController: new DebugRequestLog(),
    // Counted in UTF-16 units: a path parameter's schema allows at most 100 characters, which take
    // at most 200 units. A longer segment is a client mistake (414), not a route.
    routerOptions: { maxParamLength: 200 },
    // Malformed URLs and over-long path segments are rejected by the router before any route runs;
    // sending them through the same handler keeps the `{error, message}` shape.
    frameworkErrors: (error, request, reply) => {
      handleError(error, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox validates bodies without coercion, so a number in a JSON body stays a number.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // Hooks first: they apply to the routes registered after them (auth also marks them in OpenAPI).
  registerRequestMetrics(app, metrics);
  registerMethodNotAllowed(app);
  return app;
}

export async function buildApp(deps: ApiDeps = {}): Promise<App> {
  const metrics = createMetrics(deps);
  const app = baseApp(deps, metrics);
  if (deps.cors === true) {
    // Any origin, on every answer (errors included); before auth, since browsers send preflights
    // without credentials. Not strict: a preflight missing a header still gets its 204.
    await app.register(cors, {
      origin: '*',
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
      strictPreflight: false,
    });
  }
  if (deps.apiToken !== undefined) registerBearerAuth(app, deps.apiToken);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ipstream',
        description: 'Device events from Apache Kafka into MongoDB, with an HTTP analytics API',
        version: packageJson.version,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  // Each route group is a plugin; those that read the store or the pipeline get the dependencies.
  await app.register(timestampRoutes);
  await app.register(countRoutes, { deps });
  await app.register(ipRoutes, { deps });
  await app.register(statsRoutes, { deps });
  await app.register(errorRoutes, { deps });
  await app.register(deadLetterRoutes, { deps });
  await app.register(pipelineRoutes, { deps });
  await app.register(healthRoutes, { deps, metrics });
  await app.register(dashboardRoutes);
  return app;
}

/**
 * What a standalone `ingest` serves on its own port: `/healthz`, `/readyz` and `/metrics` only, the
 * same routes and metrics as the API's (no analytics, no dashboard, no token: nothing in them
 * reads the events).
 */
export async function buildOpsApp(deps: ApiDeps): Promise<App> {
  const metrics = createMetrics(deps);
  const app = baseApp(deps, metrics);
  await app.register(healthRoutes, { deps, metrics });
  return app;
}
