import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { probeMongo } from '../../src/local-services/index.ts';
import { COLLECTIONS } from '../../src/store/index.ts';
import { envFor, killChildren, runCli } from '../support/cli.ts';
import { testConfig } from '../support/config.ts';
import { PrivateServices } from '../support/private-services.ts';
import { makeTestPki } from '../support/tls.ts';

// TLS to MongoDB comes through MONGODB_URI alone (the driver's tls, tlsCAFile and
// tlsCertificateKeyFile options). Two private FerretDBs with a TLS listener each, one of them
// requiring client certificates, take the events of `ingest` from the shared Kafka.

const pkiDir = mkdtempSync(join(tmpdir(), 'ipstream-pki-'));
const pki = makeTestPki(pkiDir);

const tlsOnly = new PrivateServices({
  mongo: 27317,
  ferretTls: { port: 27318, certFile: pki.serverCert, keyFile: pki.serverKey },
});
const mutual = new PrivateServices({
  mongo: 27319,
  ferretTls: { port: 27320, certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert },
});

const ca = encodeURIComponent(pki.caCert);
const clientCert = encodeURIComponent(pki.clientKeyAndCert);
const TLS_URI = `mongodb://127.0.0.1:27318/?tls=true&tlsCAFile=${ca}`;
const MUTUAL_URI = `mongodb://127.0.0.1:27320/?tls=true&tlsCAFile=${ca}&tlsCertificateKeyFile=${clientCert}`;

// One after the other: both copy the shared binary, which the first may have to rebuild.
before(async () => {
  await tlsOnly.startFerretdb();
  await mutual.startFerretdb();
});

after(async () => {
  killChildren();
  await Promise.all([tlsOnly.cleanup(), mutual.cleanup()]);
  rmSync(pkiDir, { recursive: true, force: true });
});

const COUNT = 300;

async function storedEvents(uri: string, db: string): Promise<number> {
  const client = new MongoClient(uri);
  try {
    return await client.db(db).collection(COLLECTIONS.events).countDocuments();
  } finally {
    await client.close();
  }
}

for (const { name, uri } of [
  { name: 'TLS, the server checked against the test CA', uri: TLS_URI },
  { name: 'mutual TLS (the server requires a client certificate)', uri: MUTUAL_URI },
]) {
  test(`ingest stores every event through MONGODB_URI with ${name}`, async () => {
    const config = testConfig('mongo-tls');
    const env = envFor(config, { MONGODB_URI: uri });
    const produced = await runCli(['produce', '--count', String(COUNT), '--partitions', '2'], env);
    assert.equal(produced.code, 0, produced.stderr);
    const ingested = await runCli(['ingest', '--workers', '1', '--until-idle', '2'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
    assert.match(ingested.stdout, new RegExp(`stored ${COUNT},`));
    assert.equal(await storedEvents(uri, config.mongo.db), COUNT);
  });
}

test('the TLS listeners refuse what the URI does not bring: TLS, the CA, the client certificate', async () => {
  assert.equal(await probeMongo(TLS_URI, 5000), true);
  assert.equal(await probeMongo('mongodb://127.0.0.1:27318/', 2000), false);
  assert.equal(await probeMongo('mongodb://127.0.0.1:27318/?tls=true', 2000), false);
  assert.equal(await probeMongo(`mongodb://127.0.0.1:27320/?tls=true&tlsCAFile=${ca}`, 2000), false);
});
