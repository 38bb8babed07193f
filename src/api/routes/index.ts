/**
 * The route groups the app registers, one plugin each.
 *
 * What other folders may import from src/api/routes/; its other files are internal (eslint.config.js).
 */
export { countRoutes } from './counts.ts';
export { dashboardRoutes } from './dashboard.ts';
export { deadLetterRoutes } from './dead-letters.ts';
export { errorRoutes } from './errors.ts';
export { healthRoutes } from './health.ts';
export { ipRoutes } from './ips.ts';
export { pipelineRoutes } from './pipeline.ts';
export { statsRoutes } from './stats.ts';
export { timestampRoutes } from './timestamps.ts';
