/**
 * Side-by-side timing of several implementations of the same work. Rounds are interleaved (and the
 * order rotates) so that thermal drift, GC pressure and other load hit every contender alike; the
 * median round is reported because it ignores the odd GC pause or scheduler hiccup.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

export interface Contender {
  name: string;
  /**
   * Does one pass over the workload and returns a checksum the caller keeps, so the optimizer
   * cannot drop the work. Each contender should bring its own loop: a shared loop calling
   * different functions turns megamorphic and slows every contender down.
   */
  pass: () => number;
}

export interface MeasureOptions {
  /** Wall-clock budget for the measured rounds (warm-up excluded). */
  seconds: number;
  minRounds?: number;
  maxRounds?: number;
  warmupRounds?: number;
  onRound?: (round: number) => void;
}

export interface Measurement {
  name: string;
  /** Seconds per pass, one entry per measured round, in round order. */
  samples: number[];
  medianSeconds: number;
  /** Sum of the pass results; returned so the optimizer cannot prove the work unused. */
  checksum: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export async function measureInterleaved(
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<Measurement[]> {
  const minRounds = options.minRounds ?? 5;
  const maxRounds = options.maxRounds ?? 1000;
  const samples = contenders.map(() => [] as number[]);
  const checksums = contenders.map(() => 0);
  for (let w = 0; w < (options.warmupRounds ?? 2); w++) {
    contenders.forEach((c, i) => {
      checksums[i] = (checksums[i] ?? 0) + c.pass();
    });
  }

  const deadline = performance.now() + options.seconds * 1000;
  for (let round = 0; round < maxRounds; round++) {
    if (round >= minRounds && performance.now() >= deadline) break;
    for (let k = 0; k < contenders.length; k++) {
      const index = (round + k) % contenders.length;
      const contender = contenders[index];
      if (contender === undefined) continue;
      const start = performance.now();
      const result = contender.pass();
      samples[index]?.push((performance.now() - start) / 1000);
      checksums[index] = (checksums[index] ?? 0) + result;
    }
    options.onRound?.(round + 1);
    // Lets timers and signals (Ctrl-C, progress output) through between rounds.
    await yieldToEventLoop();
  }
  return contenders.map((c, i) => ({
    name: c.name,
    samples: samples[i] ?? [],
    medianSeconds: median(samples[i] ?? []),
    checksum: checksums[i] ?? 0,
  }));
}
