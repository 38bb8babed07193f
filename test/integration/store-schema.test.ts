import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import { FERRETDB_PROFILE } from '../../src/store/backend.ts';
import { DeviceRegistry } from '../../src/store/registry.ts';
import { COLLECTIONS, type DeviceDoc, ensureSchema } from '../../src/store/index.ts';
import { LEGACY_COUNTER_ID, recordedSchema, SCHEMA_VERSION } from '../../src/store/schema-version.ts';
import { testConfig } from '../support/config.ts';

// The database records the schema it was written with. A database of schema 1 (ids from a `$inc`
// counter) is migrated once no older writer is seen writing; an older writer that starts afterwards
// cannot allocate ids any more, and none of the ids it gave out is ever given out again.

/** What an ipstream of schema 1 did to register devices: a block of 256 ids from the counter. */
async function legacyRegister(db: Db, ips: string[]): Promise<void> {
  const after = await db
    .collection<{ _id: string; next: number }>(COLLECTIONS.meta)
    .findOneAndUpdate(
      { _id: LEGACY_COUNTER_ID },
      { $inc: { next: 256 } },
      { upsert: true, returnDocument: 'after' },
    );
  const first = after!.next - 256;
  await db
    .collection<DeviceDoc>(COLLECTIONS.devices)
    .insertMany(ips.map((ip, i) => ({ _id: ip, n: first + i, by: `legacy/${i}` })));
}

const addresses = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `10.${prefix}.${i >> 8}.${i & 255}`);

describe('the schema record', () => {
  const client = new MongoClient(testConfig('schema').mongo.uri);
  const databases: string[] = [];
  const registries: DeviceRegistry[] = [];
  const freshDb = async (label: string): Promise<Db> => {
    const config = testConfig(label);
    databases.push(config.mongo.db);
    const db = client.db(config.mongo.db);
    await ensureSchema(db);
    return db;
  };

  before(() => client.connect());
  after(async () => {
    for (const r of registries) r.close();
    for (const name of databases) await client.db(name).dropDatabase();
    await client.close();
  });

  it('a new database records this version, ids from 0, and an older writer cannot allocate from it', async () => {
    const db = await freshDb('schema-new');
    const schema = await recordedSchema(db);
    assert.equal(schema.version, SCHEMA_VERSION);
    assert.equal(schema.deviceIdBase, 0);
    await assert.rejects(legacyRegister(db, ['10.0.0.1']), /non-numeric/);
  });

  it('a database of a newer schema is refused with one clear line', async () => {
    const db = await freshDb('schema-newer');
    await db.collection(COLLECTIONS.meta).insertOne({ _id: 'schema' as never, version: SCHEMA_VERSION + 1 });
    await assert.rejects(recordedSchema(db), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'SCHEMA_NEWER');
      assert.match(e.message, /newer ipstream/);
      return true;
    });
  });

  it('a schema 1 database with a writer still allocating is refused, and nothing is recorded', async () => {
    const db = await freshDb('schema-busy');
    await legacyRegister(db, addresses('1', 10));
    const writing = (async () => {
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await legacyRegister(db, [`10.2.0.${i}`]);
      }
    })();
    await assert.rejects(recordedSchema(db, { quietMs: 700 }), { code: 'LEGACY_WRITER' });
    await writing;
    assert.equal(await db.collection(COLLECTIONS.meta).findOne({ _id: 'schema' as never }), null);
  });

  it('a quiet schema 1 database is migrated: new ids start above every old one, and the old counter is retired', async () => {
    const db = await freshDb('schema-migrate');
    await legacyRegister(db, addresses('3', 600));
    const schema = await recordedSchema(db, { quietMs: 100 });
    assert.ok(schema.deviceIdBase >= 768 + 65_536, `base ${schema.deviceIdBase} above the old ids`);
    const registry = new DeviceRegistry(db, FERRETDB_PROFILE);
    registries.push(registry);
    const ids = await registry.resolve(new Map(addresses('4', 300).map((ip, i) => [ip, `new/${i}`])));
    for (const { n } of ids.values()) assert.ok(n >= schema.deviceIdBase);
    await assert.rejects(legacyRegister(db, ['10.5.0.1']), /non-numeric/);
  });

  it('an older writer beside new ones during a rolling upgrade never gets an id a new one holds', async () => {
    const config = testConfig('schema-rolling');
    databases.push(config.mongo.db);
    const db = client.db(config.mongo.db);
    await ensureSchema(db);
    await legacyRegister(db, addresses('6', 256));
    const news = [0, 1, 2].map(() => {
      const r = new DeviceRegistry(db, FERRETDB_PROFILE);
      registries.push(r);
      return r;
    });
    // The old writer keeps allocating until the new version's record stops it.
    let legacyStopped: unknown;
    const legacy = (async () => {
      for (let round = 0; round < 40 && legacyStopped === undefined; round++) {
        await legacyRegister(
          db,
          addresses(`7.${round}`, 1).map((ip) => ip.replace(/^10\./, '11.')),
        ).catch((e: unknown) => (legacyStopped = e));
      }
    })();
    const results = await Promise.allSettled(
      news.map((r, w) => r.resolve(new Map(addresses(`${20 + w}`, 400).map((ip, i) => [ip, `w${w}/${i}`])))),
    );
    await legacy;
    const stored = await db
      .collection<DeviceDoc>(COLLECTIONS.devices)
      .find({}, { projection: { n: 1 } })
      .toArray();
    const counts = new Map<number, number>();
    for (const d of stored) counts.set(d.n, (counts.get(d.n) ?? 0) + 1);
    assert.deepEqual(
      [...counts].filter(([, c]) => c > 1),
      [],
      'no id held by two devices',
    );
    // Either the new writers refused to start beside the old one, or they started and the old one
    // could no longer allocate: never both allocating.
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused)
      assert.equal((r.reason as { code?: string }).code, 'LEGACY_WRITER', 'a refusal names the older writer');
    if (refused.length < news.length) assert.ok(legacyStopped, 'the older writer was stopped');
  });
});
