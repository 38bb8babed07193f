/**
 * Exponential backoff with jitter.
 *
 * What other folders may import from src/retry/; its other files are internal (eslint.config.js).
 */
export { backoffDelay, withRetry } from './backoff.ts';
