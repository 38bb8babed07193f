/**
 * Dense numeric ids for devices. The read model keeps sets and counts of devices per bucket, and
 * small consecutive ids make those compact (a Roaring bitmap spends about one bit per id over a
 * dense range, against two bytes or more for scattered 32-bit values, and IPv6 has no 32-bit form
 * at all).
 *
 * `devices` holds one document per canonical address: its id and `by`, the event that registered
 * it. Registering is an insert of a unique _id, atomic on every server: of two writers that meet a
 * new address at once, one inserts and the other reads what the first wrote. Ids come a block at a
 * time from IdBlocks (id-blocks.ts), each block claimed by an insert of a unique _id, so no two
 * writers anywhere ever hold the same id. An id handed out but not used (its address turned out to
 * be registered already) is kept for the next new address; only those held at a crash are never
 * used, which leaves gaps in the sequence and nothing else.
 *
 * Writers in one process (the ingest pool's worker threads) announce what they register on a
 * BroadcastChannel named after the servers and the database, and remember what the others announce.
 * When two of them meet the same new addresses at once, the one whose insert loses finds most of
 * them announced
 * instead of reading each back by _id (measured: about 1,300 such reads per 100k events from 10k
 * new devices in the pipeline benchmark, each about a millisecond on FerretDB). A registration is
 * never changed or deleted, so an announcement stays true; writers in other processes read back.
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { Collection, Db } from 'mongodb';
import { ServiceError } from '../errors/index.ts';
import type { StoreProfile } from './backend.ts';
import { insertUnordered, readByIds } from './docs.ts';
import { ID_BLOCK, IdBlocks } from './id-blocks.ts';
import { COLLECTIONS, type DeviceDoc } from './schema.ts';

export interface DeviceId {
  n: number;
  /** The event that registered the device. */
  by: string;
}

/**
 * The channel writers of one database announce on: its servers and its name, so that two stores
 * in one process on different servers with the same database name never take each other's ids.
 */
export function announcementChannel(db: Db): string {
  const servers = db.client.options.hosts.map((h) => h.toString()).sort();
  return `ipstream-devices:${servers.join(',')}/${db.databaseName}`;
}

export class DeviceRegistry {
  readonly #devices: Collection<DeviceDoc>;
  readonly #blocks: IdBlocks;
  readonly #profile: StoreProfile;
  readonly #cacheLimit: number;
  readonly #cache = new Map<string, DeviceId>();
  readonly #spare: number[] = [];
  readonly #announcements: BroadcastChannel;

  constructor(db: Db, profile: StoreProfile, cacheLimit = 200_000) {
    this.#devices = db.collection(COLLECTIONS.devices);
    this.#blocks = new IdBlocks(db);
    this.#profile = profile;
    this.#cacheLimit = cacheLimit;
    this.#announcements = new BroadcastChannel(announcementChannel(db));
    this.#announcements.onmessage = (event) => {
      for (const d of event.data as DeviceDoc[]) {
        if (!this.#cache.has(d._id)) this.#remember(null, d._id, { n: d.n, by: d.by });
      }
    };
    // Announcements are a shortcut: they must never keep a finished process or thread alive.
    this.#announcements.unref();
  }

  /** Stops listening for other writers' registrations. */
  close(): void {
    this.#announcements.close();
  }

  /**
   * The id of every address in `firstEvents` (address -> the id of its first event in the batch),
   * registering the new ones with that event as `by`.
   */
  async resolve(firstEvents: ReadonlyMap<string, string>): Promise<Map<string, DeviceId>> {
    const out = new Map<string, DeviceId>();
    const missing: string[] = [];
    for (const ip of firstEvents.keys()) {
      const known = this.#cache.get(ip);
      if (known === undefined) missing.push(ip);
      else out.set(ip, known);
    }
    if (missing.length === 0) return out;

    const ids = await this.#take(missing.length);
    const docs: DeviceDoc[] = missing.map((ip, i) => ({ _id: ip, n: ids[i]!, by: firstEvents.get(ip)! }));
    // A failure thrown here leaves unknown which of them were inserted, so none of these ids is
    // reused: a gap at most.
    const outcome = await insertUnordered(this.#devices, docs);
    const refused = outcome.refused[0];
    if (refused !== undefined) {
      throw new ServiceError(
        'STORE_REJECTED',
        `the store refused to register device ${docs[refused.index]!._id}: ${refused.message}`,
      );
    }
    const existing = outcome.duplicates.map((i) => docs[i]!._id);
    for (const i of outcome.duplicates) this.#spare.push(docs[i]!.n);
    const existingSet = new Set(existing);
    const registered = docs.filter((d) => !existingSet.has(d._id));
    for (const d of registered) this.#remember(out, d._id, { n: d.n, by: d.by });
    if (registered.length > 0) this.#announcements.postMessage(registered);
    if (existing.length > 0) {
      // The writer that won may have announced them already; a turn of the event loop takes in
      // announcements that arrived while the insert ran.
      await new Promise((resolve) => setImmediate(resolve));
      const unknown: string[] = [];
      for (const ip of existing) {
        const announced = this.#cache.get(ip);
        if (announced === undefined) unknown.push(ip);
        else out.set(ip, announced);
      }
      const found = await readByIds(this.#devices, unknown, this.#profile);
      for (const [ip, doc] of found) {
        // Registered moments ago by another writer, so it exists: its absence is a store fault.
        if (doc === null) {
          throw new ServiceError(
            'STORE_INCONSISTENT',
            `device ${ip} was reported registered but cannot be read`,
          );
        }
        this.#remember(out, ip, { n: doc.n, by: doc.by });
      }
    }
    return out;
  }

  #remember(out: Map<string, DeviceId> | null, ip: string, id: DeviceId): void {
    out?.set(ip, id);
    if (this.#cache.size >= this.#cacheLimit) {
      // Forget the oldest tenth (Map iterates in insertion order): the cache stays bounded.
      let drop = Math.ceil(this.#cacheLimit / 10);
      for (const key of this.#cache.keys()) {
        this.#cache.delete(key);
        if (--drop === 0) break;
      }
    }
    this.#cache.set(ip, id);
  }

  async #take(count: number): Promise<number[]> {
    const ids = this.#spare.splice(0, count);
    while (ids.length < count) {
      const first = await this.#blocks.claim();
      for (let n = first; n < first + ID_BLOCK; n++) {
        if (ids.length < count) ids.push(n);
        else this.#spare.push(n);
      }
    }
    return ids;
  }
}
