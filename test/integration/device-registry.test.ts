import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BroadcastChannel } from 'node:worker_threads';
import { MongoClient } from 'mongodb';
import { FERRETDB_PROFILE } from '../../src/store/backend.ts';
import { announcementChannel, DeviceRegistry } from '../../src/store/registry.ts';
import { COLLECTIONS, type DeviceDoc, ensureSchema } from '../../src/store/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// Writers in one process announce the devices they register, so one that meets the same new
// addresses takes them from the announcement instead of inserting and reading them back; and when
// two insert the same addresses at once, every address still gets one id, the one stored.

const firstEvents = (from: number, count: number, batch: string) =>
  new Map(
    Array.from({ length: count }, (_, i) => [`10.9.${(from + i) >> 8}.${(from + i) & 255}`, `${batch}/${i}`]),
  );

describe('device registry across writers of one process', () => {
  const config = testConfig('registry');
  const client = new MongoClient(config.mongo.uri, { monitorCommands: true });
  const commands: string[] = [];
  client.on('commandStarted', (e) => commands.push(e.commandName));
  const registries: DeviceRegistry[] = [];
  const registry = () => {
    const r = new DeviceRegistry(client.db(config.mongo.db), FERRETDB_PROFILE);
    registries.push(r);
    return r;
  };

  before(async () => {
    await client.connect();
    await ensureSchema(client.db(config.mongo.db));
  });
  after(async () => {
    for (const r of registries) r.close();
    await client.close();
    await dropDatabase(config);
  });

  it('a writer takes devices another one registered from its announcement, without a statement', async () => {
    const [a, b] = [registry(), registry()];
    // A listener of its own on the channel: once it has the announcement, so has b.
    const listener = new BroadcastChannel(announcementChannel(client.db(config.mongo.db)));
    const announced = new Promise((resolve, reject) => {
      listener.onmessage = resolve;
      setTimeout(() => reject(new Error('no announcement within 10 s')), 10_000).unref();
    });
    const registered = await a.resolve(firstEvents(0, 300, 'a'));
    await announced;
    listener.close();
    await new Promise((resolve) => setImmediate(resolve));
    commands.length = 0;
    const seen = await b.resolve(firstEvents(0, 300, 'b'));
    assert.deepEqual(commands, []);
    assert.deepEqual(seen, registered);
  });

  it('two writers registering the same new devices at once agree with the store on every id', async () => {
    const [a, b] = [registry(), registry()];
    const [fromA, fromB] = await Promise.all([
      a.resolve(firstEvents(1000, 2000, 'a')),
      b.resolve(firstEvents(1000, 2000, 'b')),
    ]);
    const stored = await client
      .db(config.mongo.db)
      .collection<DeviceDoc>(COLLECTIONS.devices)
      .find({ _id: { $in: [...fromA.keys()] } })
      .toArray();
    assert.equal(stored.length, 2000);
    for (const d of stored) {
      assert.deepEqual(fromA.get(d._id), { n: d.n, by: d.by }, d._id);
      assert.deepEqual(fromB.get(d._id), { n: d.n, by: d.by }, d._id);
    }
    assert.equal(new Set(stored.map((d) => d.n)).size, 2000, 'one id per device');
  });
});

describe('device registries of two servers in one process', () => {
  const config = testConfig('registry-servers');
  // The same FerretDB under two addresses stands for two servers whose databases share a name: a
  // registration announced for one says nothing about the other.
  const uris = [config.mongo.uri, config.mongo.uri.replace('127.0.0.1', 'localhost')];
  const clients = uris.map((uri) => new MongoClient(uri, { monitorCommands: true }));
  const registries: DeviceRegistry[] = [];

  after(async () => {
    for (const r of registries) r.close();
    await Promise.all(clients.map((c) => c.close()));
    await dropDatabase(config);
  });

  it('a store on another server with the same database name takes nothing from what the first one announces', async () => {
    assert.notEqual(uris[0], uris[1], 'the test needs the shared store at 127.0.0.1');
    await Promise.all(clients.map((c) => c.connect()));
    await ensureSchema(clients[0]!.db(config.mongo.db));
    const [first, second] = clients.map((c) => {
      const r = new DeviceRegistry(c.db(config.mongo.db), FERRETDB_PROFILE);
      registries.push(r);
      return r;
    });
    const commands: string[] = [];
    clients[1]!.on('commandStarted', (e) => commands.push(e.commandName));
    await first!.resolve(firstEvents(5000, 50, 'first'));
    // Give an announcement every chance to arrive before the second store looks.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await second!.resolve(firstEvents(5000, 50, 'second'));
    assert.ok(
      commands.includes('insert'),
      `the second store asked its own server (sent: ${commands.join(', ')})`,
    );
  });
});

describe('device ids across writers with connections of their own', () => {
  const config = testConfig('registry-ids');
  const clients: MongoClient[] = [];
  const registries: DeviceRegistry[] = [];

  after(async () => {
    for (const r of registries) r.close();
    await Promise.all(clients.map((c) => c.close()));
    await dropDatabase(config);
  });

  it('writers that run out of spare ids at the same moment never hand out one id twice', async () => {
    // As ingest processes scaled out meet new devices: each writer its own client (its own
    // connections to the server), disjoint addresses, many rounds that each need new id blocks.
    const writers = 4;
    const rounds = 25;
    const perRound = 300;
    for (let w = 0; w < writers; w++) {
      const client = new MongoClient(config.mongo.uri);
      await client.connect();
      clients.push(client);
      if (w === 0) await ensureSchema(client.db(config.mongo.db));
      registries.push(new DeviceRegistry(client.db(config.mongo.db), FERRETDB_PROFILE));
    }
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        registries.map((r, w) => r.resolve(firstEvents((w * rounds + round) * perRound, perRound, `w${w}`))),
      );
    }
    const stored = await clients[0]!
      .db(config.mongo.db)
      .collection<DeviceDoc>(COLLECTIONS.devices)
      .find({}, { projection: { n: 1 } })
      .toArray();
    assert.equal(stored.length, writers * rounds * perRound);
    const byId = new Map<number, number>();
    for (const d of stored) byId.set(d.n, (byId.get(d.n) ?? 0) + 1);
    const shared = [...byId.values()].filter((c) => c > 1).length;
    assert.equal(shared, 0, `${shared} ids are held by more than one device`);
  });
});
