import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a test CA, a server certificate for 127.0.0.1 and localhost, and a client certificate. */
export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Key and certificate in one file, as Kafka's PEM keystore and FerretDB's listener take them. */
  serverKeyAndCert: string;
  clientCert: string;
  clientKey: string;
  /** Client key and certificate in one file, as the MongoDB driver's tlsCertificateKeyFile takes them. */
  clientKeyAndCert: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A certificate for `subject`, signed by the CA in `dir`, with the given extensions. */
function issue(dir: string, name: string, subject: string, extensions: string[]): void {
  openssl(
    dir,
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ]),
  );
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  ]);
  const both = join(dir, `${name}-key-and-cert.pem`);
  writeFileSync(
    both,
    readFileSync(join(dir, `${name}.key`), 'utf8') + readFileSync(join(dir, `${name}.pem`), 'utf8'),
  );
}

/** Makes a throwaway PKI in `dir` with openssl (EC keys, PKCS#8, valid two days). */
export function makeTestPki(dir: string): TestPki {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=ipstream test CA',
  ]);
  issue(dir, 'server', '/CN=127.0.0.1', [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'extendedKeyUsage=serverAuth',
  ]);
  issue(dir, 'client', '/CN=ipstream-client', ['extendedKeyUsage=clientAuth']);
  return {
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    serverKeyAndCert: join(dir, 'server-key-and-cert.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    clientKeyAndCert: join(dir, 'client-key-and-cert.pem'),
  };
}
