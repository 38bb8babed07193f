/**
 * The one backoff rule: capped exponential steps (base, 2·base, 4·base ... up to max) with
 * jitter, so that many clients retrying at once spread out. `jitter` is the part of the step that
 * is random: 1 (full jitter, the AWS rule) waits anywhere in [0, step]; 0.5 waits in [step/2, step].
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** Fraction of each step that is random, 0..1 (default 1). */
  jitter?: number;
}

/** The wait before retry `attempt` (1-based). */
export function backoffDelay(backoff: Backoff, attempt: number, random: number = Math.random()): number {
  const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const jitter = backoff.jitter ?? 1;
  return Math.round(step * (1 - jitter + jitter * random));
}

export interface RetryOptions extends Backoff {
  /** Stop retrying (and rethrow) once this returns true, e.g. after a shutdown deadline. */
  giveUp: () => boolean;
  isRetriable: (error: unknown) => boolean;
  onRetry: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Retries what may succeed later, without a fixed attempt limit: outages can last minutes. */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!options.isRetriable(error) || options.giveUp()) throw error;
      const delayMs = backoffDelay(options, attempt);
      options.onRetry(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
