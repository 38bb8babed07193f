import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicAdmin } from '../kafka/index.ts';

/**
 * Resolves once the topic has been idle for `idleMs`: no partition's end offset moved and the group's
 * committed offsets equal the end offsets (every record read, stored and committed) the whole time.
 */
export async function waitUntilIdle(
  admin: TopicAdmin,
  topic: string,
  group: string,
  idleMs: number,
  isStopped: () => boolean,
): Promise<void> {
  let idleSince: number | undefined;
  let lastEnds = '';
  while (!isStopped()) {
    // A broker outage is not idleness, and not a reason to exit: the workers ride it out, and so
    // does this watch (it asks again until the broker answers).
    const d = await admin.describe(topic, group).catch(() => undefined);
    if (d === undefined) {
      idleSince = undefined;
      await sleep(1000);
      continue;
    }
    const ends = d.partitions.map((p) => p.end).join(',');
    const now = Date.now();
    if (d.totalLag === 0 && ends === lastEnds) idleSince ??= now;
    else idleSince = d.totalLag === 0 ? now : undefined;
    lastEnds = ends;
    if (idleSince !== undefined && now - idleSince >= idleMs) return;
    await sleep(Math.min(500, Math.max(50, idleMs / 4)));
  }
}
