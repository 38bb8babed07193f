import type { KafkaConfig } from '../config/config.ts';

/** Options every ipstream Kafka client shares: identity, bootstrap brokers, timeouts and retries. */
export function baseClientOptions(kafka: KafkaConfig, role: string) {
  return {
    clientId: `${kafka.clientId}-${role}`,
    bootstrapBrokers: kafka.brokers,
    connectTimeout: 5_000,
    timeout: 30_000,
    retries: 5,
    retryDelay: 500,
  };
}
