/**
 * MongoDB server error codes ipstream acts on, by name (the server's own names, from its
 * error_codes.yml). FerretDB answers with the same codes.
 */
export const SERVER_CODES = {
  /** A unique index (here always _id) already holds the value: a replay, or another writer first. */
  DuplicateKey: 11000,
  /** createCollection of a collection another process created first. */
  NamespaceExists: 48,
  /** A query ran past its maxTimeMS. */
  MaxTimeMSExpired: 50,
} as const;

// The server is stepping down, shutting down or unreachable right now (the driver's retryable-write
// list): the same write may succeed later.
export const TRANSIENT_SERVER_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** The server code of an error, if it carries one. */
export function serverCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
