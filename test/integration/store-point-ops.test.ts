import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Db, type Document, MongoClient } from 'mongodb';
import { ensureSchema } from '../../src/store/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// Every operation by _id must be answered from an index, in every collection the store uses and in
// one created later, or the store's cost grows with what it holds. The server says how it runs a
// find in explain: FerretDB with SQLite's own plan (SEARCH ... USING INDEX, or SCAN), MongoDB with
// its winning plan's stages. FerretDB's updates and deletes by _id use the same SQL expression as
// its finds, so a find that searches the index means they do too.
const config = testConfig('point-ops');
let client: MongoClient;
let db: Db;

before(async () => {
  client = new MongoClient(config.mongo.uri);
  db = client.db(config.mongo.db);
});

after(async () => {
  await client.close();
  await dropDatabase(config);
});

function stages(plan: unknown): string[] {
  if (plan === null || typeof plan !== 'object') return [];
  const node = plan as { stage?: unknown; inputStage?: unknown; inputStages?: unknown[] };
  return [
    ...(typeof node.stage === 'string' ? [node.stage] : []),
    ...stages(node.inputStage),
    ...(node.inputStages ?? []).flatMap(stages),
  ];
}

/** How the server finds `{_id: id}` in `collection`: 'index' or 'scan', with the plan as evidence. */
async function findPlan(collection: string, id: string): Promise<{ access: string; evidence: string }> {
  const explained = await db.command({ explain: { find: collection, filter: { _id: id } } });
  const planner = explained.queryPlanner as Document;
  if (Array.isArray(planner.Plan)) {
    const lines = (planner.Plan as string[]).join(' | ');
    const indexed = /SEARCH .* USING INDEX/.test(lines) && !/\bSCAN\b/.test(lines);
    return { access: indexed ? 'index' : 'scan', evidence: lines };
  }
  const used = stages(planner.winningPlan);
  const access = used.some((s) => s === 'IDHACK' || s.includes('IXSCAN')) && !used.includes('COLLSCAN');
  return { access: access ? 'index' : 'scan', evidence: used.join(' > ') };
}

test('finds by _id search an index in every store collection and in one created later', async () => {
  await ensureSchema(db);
  await db.collection<{ _id: string }>('created_later').insertOne({ _id: 'first' });
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  assert.ok(names.length >= 2 && names.includes('created_later'), names.join(','));
  for (const name of names) {
    const { access, evidence } = await findPlan(name, 'some/id/42');
    assert.equal(access, 'index', `${name}: ${evidence}`);
  }
});
