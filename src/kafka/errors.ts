import { AuthenticationError } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/index.ts';
import { ServiceError } from '../errors/index.ts';

type ErrorLike = Record<string, unknown>;

/**
 * The first error in a @platformatic/kafka error tree that matches: the client nests the broker's
 * answer in causes (a NetworkError caused by an AuthenticationError caused by a ResponseError) and
 * lists of attempts (MultipleErrors).
 */
function findError(error: unknown, match: (e: ErrorLike) => boolean, depth = 0): ErrorLike | undefined {
  if (depth > 12 || typeof error !== 'object' || error === null) return undefined;
  const e = error as ErrorLike;
  if (match(e)) return e;
  const nested = [...(Array.isArray(e.errors) ? (e.errors as unknown[]) : []), e.cause];
  for (const inner of nested) {
    const found = findError(inner, match, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Every error in a @platformatic/kafka error tree that matches, outermost first. */
export function findErrors(error: unknown, match: (e: ErrorLike) => boolean, depth = 0): ErrorLike[] {
  if (depth > 12 || typeof error !== 'object' || error === null) return [];
  const e = error as ErrorLike;
  const nested = [...(Array.isArray(e.errors) ? (e.errors as unknown[]) : []), e.cause];
  return [...(match(e) ? [e] : []), ...nested.flatMap((inner) => findErrors(inner, match, depth + 1))];
}

/**
 * Whether the error says the client's metadata is out of date somewhere in its tree: a broker
 * answered NOT_LEADER_OR_FOLLOWER (or another error the client marks `hasStaleMetadata`), or the
 * metadata named no reachable leader.
 */
export function isStaleMetadata(error: unknown): boolean {
  return findError(error, (e) => e.hasStaleMetadata === true) !== undefined;
}

/**
 * Whether the group coordinator no longer knows the member (UNKNOWN_MEMBER_ID): its session
 * expired and its partitions went to others. Under the consumer protocol @platformatic/kafka keeps
 * heartbeating with the dead member id, so only a new consumer joins again.
 */
export function isUnknownMember(error: unknown): boolean {
  return findError(error, (e) => e.unknownMemberId === true) !== undefined;
}

/** Whether the broker refused the client's SASL credentials somewhere in this error. */
export function isKafkaAuthFailure(error: unknown): boolean {
  return findError(error, (e) => e.code === AuthenticationError.code) !== undefined;
}

/**
 * A SASL authentication failure as one line naming the user and mechanism, with the broker's
 * reason; undefined for any other error. Never retriable: the same credentials fail the same way.
 */
export function kafkaAuthFailure(error: unknown, kafka: KafkaConfig): ServiceError | undefined {
  const auth = findError(error, (e) => e.code === AuthenticationError.code);
  if (auth === undefined) return undefined;
  const answer = findError(
    auth,
    (e) => typeof e.serverErrorMessage === 'string' && e.serverErrorMessage !== '',
  );
  let reason = String(answer?.serverErrorMessage ?? auth.message);
  // Brokers do not echo passwords; a custom callback handler might.
  if (kafka.saslPassword !== undefined) reason = reason.replaceAll(kafka.saslPassword, '***');
  const user = kafka.saslUsername === undefined ? '' : ` for user "${kafka.saslUsername}"`;
  const mechanism = kafka.saslMechanism === undefined ? '' : ` (${kafka.saslMechanism.toUpperCase()})`;
  return new ServiceError('KAFKA_AUTH_FAILED', `Kafka authentication failed${user}${mechanism}: ${reason}`, {
    cause: error,
  });
}

/** The error as ipstream reports it: an authentication failure as KAFKA_AUTH_FAILED, others as they are. */
export function asKafkaError(error: unknown, kafka: KafkaConfig): unknown {
  return kafkaAuthFailure(error, kafka) ?? error;
}
