/**
 * Error classes, the registry of stable codes, and the HTTP answer of each code.
 *
 * What other folders may import from src/errors/; its other files are internal (eslint.config.js).
 */
export { ERROR_CODE_LIST, TIMESTAMP_ERROR_CODES, type TimestampErrorCode } from './codes.ts';
export {
  ConfigError,
  describeError,
  InternalError,
  IpstreamError,
  LayoutMismatchError,
  LeaseLostError,
  LegacyWriterError,
  QueryTimeoutError,
  QueryTooBroadError,
  RequestError,
  SchemaVersionError,
  ServiceError,
  ValidationError,
} from './errors.ts';
export { frameworkErrorCode, HTTP_ANSWERS } from './http.ts';
