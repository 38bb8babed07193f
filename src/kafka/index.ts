/**
 * Kafka: topic admin (topics, offsets, lag), the idempotent producer, client options and errors.
 *
 * What other folders may import from src/kafka/; its other files are internal (eslint.config.js).
 */
export { type PartitionState, TopicAdmin, type TopicDescription } from './admin.ts';
export { baseClientOptions } from './client-options.ts';
export { asKafkaError, isUnknownMember, kafkaAuthFailure } from './errors.ts';
export { EventProducer, type OutgoingRecord, type PartitionFailure } from './producer.ts';
