import { type Config, maskUriCredentials } from '../config/index.ts';
import { ServiceError } from '../errors/index.ts';
import { probeKafka, probeMongo } from '../local-services/index.ts';

/** One line and a non-zero exit when a service is unreachable, instead of retrying forever. */
export async function requireServices(config: Config): Promise<void> {
  const [kafka, mongo] = await Promise.all([
    probeKafka(config.kafka, 5000),
    probeMongo(config.mongo.uri, 5000),
  ]);
  if (!kafka)
    throw new ServiceError(
      'UNREACHABLE',
      `Kafka at ${config.kafka.brokers.join(',')} is unreachable (KAFKA_BROKERS; \`ipstream services up\` starts a local one)`,
    );
  if (!mongo)
    throw new ServiceError(
      'UNREACHABLE',
      `MongoDB at ${maskUriCredentials(config.mongo.uri)} is unreachable (MONGODB_URI; \`ipstream services up\` starts a local one)`,
    );
}
