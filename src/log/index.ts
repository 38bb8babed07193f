/**
 * pino logging.
 *
 * What other folders may import from src/log/; its other files are internal (eslint.config.js).
 */
export { createLogger, type Logger } from './logger.ts';
