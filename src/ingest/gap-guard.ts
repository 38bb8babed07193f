/**
 * Whether a batch may store a partition whose buffered records this member once dropped.
 *
 * The client resumes a partition that comes back from its own fetch position when the group has
 * committed nothing for it, and a fetch in flight can move that position past a re-read of the
 * committed offset. Records dropped at the revocation would then be skipped: stored past (so the
 * rollups' marks pass them) and committed past. So such a partition is stored only when the batch
 * holds every offset from the group's committed offset through its highest; anything else is a
 * gap only a re-read can fill.
 *
 * Records the store has applied count as held too: every store is gap-free this way, so what a
 * store applied is everything up to its highest offset, and a batch that goes on from there is
 * whole even when the group's offset lags behind (a member that stored but lost the partition
 * before it could commit).
 *
 * `committed` is the group's committed offset (the next to read, negative when none), `applied`
 * the highest offset of the partition the store has applied (negative when none or unknown),
 * `offsets` the partition's offsets in the batch, `through` the highest of them.
 */
export function coversFromCommitted(
  committed: bigint,
  applied: number,
  offsets: readonly number[],
  through: number,
): boolean {
  if (committed < 0n && applied < 0) return false;
  const start = Math.max(Number(committed), applied + 1);
  if (start > through) return true;
  const seen = new Uint8Array(through - start + 1);
  let missing = seen.length;
  for (const offset of offsets) {
    if (offset < start || offset > through || seen[offset - start] === 1) continue;
    seen[offset - start] = 1;
    missing--;
  }
  return missing === 0;
}
