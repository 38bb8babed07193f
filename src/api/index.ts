/**
 * The HTTP API (Fastify): the app, not yet listening; its routes, error handler, metrics and
 * dashboard are internal.
 *
 * What other folders may import from src/api/; its other files are internal (eslint.config.js).
 */
export { buildApp, buildOpsApp } from './app.ts';
export type { ApiDeps } from './deps.ts';
