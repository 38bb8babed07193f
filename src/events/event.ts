/** An accepted device event, normalised and ready to store. */
export interface DeviceEvent {
  /** `${topic}/${partition}/${offset}`: deterministic, so storing a replayed record is a no-op. */
  id: string;
  topic: string;
  partition: number;
  offset: number;
  /** Epoch milliseconds, UTC. */
  ts: number;
  /**
   * Canonical address (RFC 5952 for IPv6, dotted for IPv4 and IPv4-mapped IPv6), so one device
   * counts once however it was spelled.
   */
  ip: string;
  errorCode: number;
  /**
   * Fields of the message beyond the three known ones, kept as sent, or as `{ json: text }` when the
   * store cannot hold them as they are (unsafe field names, arrays directly in arrays).
   */
  extra?: Record<string, unknown>;
  /** Size of the record value in bytes, which the flush policy budgets by. */
  bytes: number;
}

/** A record that could not be accepted, with why; stored, never dropped. */
export interface DeadLetter {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  /** Stable reason code, e.g. NOT_JSON, INVALID_IP, TS_IMPOSSIBLE_DATE. */
  reason: string;
  message: string;
  key: string | null;
  /** The value as text, cut to a bound; valueBytes keeps the original size. */
  value: string;
  valueBytes: number;
  bytes: number;
}

export function recordId(topic: string, partition: number, offset: number): string {
  return `${topic}/${partition}/${offset}`;
}

/**
 * The one key of a topic-partition, wherever one is needed: in memory (maps and sets of
 * partitions) and stored (the rollups' `hw` marks, so it never changes). MongoDB field-name-safe:
 * Kafka forbids topics that differ only by '.' versus '_', so mapping '.' to '_' cannot merge two
 * topics; '~' never occurs in a topic name.
 */
export function partitionKey(topic: string, partition: number): string {
  // The test first: most topics have no '.', and this runs for every record of a batch.
  return `${topic.includes('.') ? topic.replaceAll('.', '_') : topic}~${partition}`;
}
