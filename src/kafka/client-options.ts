import type { SASLOptions } from '@platformatic/kafka';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig } from '../config/index.ts';
import { isKafkaAuthFailure, isStaleMetadata } from './errors.ts';

const MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const satisfies Record<NonNullable<KafkaConfig['saslMechanism']>, SASLOptions['mechanism']>;

/** SASL credentials and TLS material as @platformatic/kafka takes them; none for a plaintext broker. */
export function securityOptions(kafka: KafkaConfig): { sasl?: SASLOptions; tls?: ConnectionOptions } {
  const { saslMechanism, saslUsername, saslPassword, tlsMaterial } = kafka;
  return {
    // The loader refuses a mechanism without both credentials.
    ...(saslMechanism !== undefined && {
      sasl: { mechanism: MECHANISMS[saslMechanism], username: saslUsername, password: saslPassword },
    }),
    ...(tlsMaterial !== undefined && { tls: { ...tlsMaterial } }),
  };
}

/** What the retry hook needs of a client: every @platformatic/kafka client has it (its types say `object`). */
interface MetadataHolder {
  clearMetadata(): void;
}

function holdsMetadata(client: object): client is MetadataHolder {
  return typeof (client as Partial<MetadataHolder>).clearMetadata === 'function';
}

/**
 * The wait before a client retries an operation, and what it forgets first.
 *
 * - A connection the broker refused for its credentials is retried like any failed connection
 *   (the client looks for canRetry: false in lists of errors, not in the causes where it puts the
 *   AuthenticationError). Retrying those at once spends the retries in a moment, so a wrong
 *   password fails within a second instead of after the whole retry budget; callers report it as
 *   KAFKA_AUTH_FAILED (asKafkaError).
 * - An answer that says the client's metadata is stale (NOT_LEADER_OR_FOLLOWER from a broker that
 *   no longer leads the partition, once its leader died or stopped) clears the client's metadata,
 *   so the next attempt asks the cluster who leads now. The client (@platformatic/kafka 2.12)
 *   refreshes metadata at once between retries only after network errors; after a broker's answer
 *   it keeps what it has until it is metadataMaxAge (5 s) old, and a produce repeated once on
 *   fresh metadata that still named the old leader (the controller had not yet elected or spread
 *   the new one) went on retrying it. The consumers' offset and group requests and the admin
 *   client meet the same answers and get the same treatment. (What stalled the producer for
 *   minutes after a leader's SIGKILL, issue 27, was a request holding several partitions: see
 *   EventProducer.)
 */
export function retryDelay(delayMs: (attempt: number) => number) {
  return (client: object, _operation: string, attempt: number, _retries: number, error: Error): number => {
    if (isKafkaAuthFailure(error)) return 0;
    if (isStaleMetadata(error) && holdsMetadata(client)) client.clearMetadata();
    return delayMs(attempt);
  };
}

/** Options every ipstream Kafka client shares: identity, bootstrap brokers, security, timeouts and retries. */
export function baseClientOptions(kafka: KafkaConfig, role: string) {
  return {
    clientId: `${kafka.clientId}-${role}`,
    bootstrapBrokers: kafka.brokers,
    ...securityOptions(kafka),
    connectTimeout: 5_000,
    timeout: 30_000,
    retries: 5,
    retryDelay: retryDelay(() => 500),
  };
}
