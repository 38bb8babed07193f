/**
 * Every read of the query side goes through here: by _id only (batched as the server serves best),
 * each under a server-side time limit, and within a budget of documents per request, so that no
 * request can make the store scan or read without bound.
 */
import { type Db, type Document, MongoServerError } from 'mongodb';
import { QueryTimeoutError, QueryTooBroadError } from '../errors/index.ts';
import {
  COLLECTIONS,
  detectStoreProfile,
  readByIds,
  SERVER_CODES,
  type StoreProfile,
  TOTALS_ID,
  type TotalsDoc,
} from '../store/index.ts';
import { type TimeRange, closeRange, isClosed } from './range.ts';

/** The longest one read may run on the server (maxTimeMS). */
const QUERY_TIME_LIMIT_MS = 10_000;
/** Documents one request may read: a range tiling is a few hundred; top lists may refine more. */
const MAX_DOCS_PER_REQUEST = 20_000;

const profiles = new WeakMap<Db, Promise<StoreProfile>>();

function profileOf(db: Db): Promise<StoreProfile> {
  let profile = profiles.get(db);
  if (profile === undefined) {
    profile = detectStoreProfile(db);
    profile.catch(() => profiles.delete(db));
    profiles.set(db, profile);
  }
  return profile;
}

export class QueryReader {
  readonly db: Db;
  readonly #profile: StoreProfile;
  #budget: number;

  private constructor(db: Db, profile: StoreProfile, budget: number) {
    this.db = db;
    this.#profile = profile;
    this.#budget = budget;
  }

  /** A reader for one request. */
  static async open(db: Db, budget = MAX_DOCS_PER_REQUEST): Promise<QueryReader> {
    return new QueryReader(db, await profileOf(db), budget);
  }

  /** Documents still allowed in this request. */
  get budget(): number {
    return this.#budget;
  }

  async byIds<D extends Document & { _id: string }>(
    collection: string,
    ids: readonly string[],
    what: string,
  ): Promise<Map<string, D | null>> {
    if (ids.length > this.#budget) {
      throw new QueryTooBroadError(
        `${what} needs more than the ${MAX_DOCS_PER_REQUEST} documents one request may read; narrow the range`,
      );
    }
    this.#budget -= ids.length;
    try {
      return await readByIds(this.db.collection<D>(collection), ids, this.#profile, {
        maxTimeMS: QUERY_TIME_LIMIT_MS,
      });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === SERVER_CODES.MaxTimeMSExpired) {
        throw new QueryTimeoutError(
          `${what} took longer than ${QUERY_TIME_LIMIT_MS / 1000} s on the server`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  async rollups<D extends Document & { _id: string }>(
    ids: readonly string[],
    what: string,
  ): Promise<Map<string, D | null>> {
    return this.byIds<D>(COLLECTIONS.rollups, ids, what);
  }

  /** The range with its open ends closed by the stored data: the totals are read only for an open end. */
  async closeRange(range: TimeRange): Promise<{ from: number; to: number } | null> {
    return closeRange(range, isClosed(range) ? null : await this.totals());
  }

  async totals(): Promise<TotalsDoc | null> {
    return (await this.rollups<TotalsDoc>([TOTALS_ID], 'the totals')).get(TOTALS_ID) ?? null;
  }
}
