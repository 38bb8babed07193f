import { describeError } from '../errors/index.ts';
import type { TopicDescription } from '../kafka/index.ts';
import type { ApiDeps } from './deps.ts';

/** Kafka admin calls can hang while the broker is down; answers must not. */
const TOPIC_STATUS_TIMEOUT_MS = 3_000;

/** The topic description, or why there is none; never throws, never waits longer than the timeout. */
export async function describeTopic(deps: ApiDeps): Promise<TopicDescription | { error: string }> {
  if (deps.topicStatus === undefined) return { error: 'no Kafka admin is configured for this API' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ error: `Kafka did not answer within ${TOPIC_STATUS_TIMEOUT_MS} ms` }),
      TOPIC_STATUS_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      deps.topicStatus().catch((error: unknown) => ({
        error: describeError(error),
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
