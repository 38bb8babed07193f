import type { SASLOptions } from '@platformatic/kafka';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig } from '../config/index.ts';
import { isKafkaAuthFailure } from './errors.ts';

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

/**
 * The client retries a connection the broker refused for its credentials like any failed
 * connection (it looks for canRetry: false in lists of errors, not in the causes where it puts the
 * AuthenticationError). Retrying those at once spends its retries in a moment, so a wrong password
 * fails within a second instead of after the whole retry budget; callers report it as
 * KAFKA_AUTH_FAILED (asKafkaError).
 */
export function retryDelay(delayMs: (attempt: number) => number) {
  return (_client: unknown, _operation: string, attempt: number, _retries: number, error: Error): number =>
    isKafkaAuthFailure(error) ? 0 : delayMs(attempt);
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
