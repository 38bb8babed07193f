import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import {
  buildFerretdb,
  type FerretTls,
  ferretPaths,
  startFerretdb,
} from '../../src/local-services/ferretdb-local.ts';
import {
  type KafkaExtras,
  kafkaPaths,
  resolveKafkaClasspath,
  startKafka,
} from '../../src/local-services/kafka-local.ts';
import { type HostPort, isPortOpen, waitUntil } from '../../src/local-services/net.ts';
import { probeKafka, probeMongo, resolveStateDir } from '../../src/local-services/index.ts';
import { stopPid } from '../../src/local-services/processes.ts';

// Fault tests stop and start servers. They must never touch the shared ones (other people's tests
// and `npm start` use them), so each such test runs its own Kafka or FerretDB: own ports, own state
// folder in a temp dir, stopped only through the pid files in that folder.

const log = (m: string): void => void process.stderr.write(`[private services] ${m}\n`);

/** The state folder of the shared local services: its FerretDB binary and Kafka classpath are reused. */
const sharedStateDir = (): string => resolveStateDir(loadConfig().services.stateDir);

export class PrivateServices {
  readonly stateDir = mkdtempSync(join(tmpdir(), 'ipstream-faults-'));
  readonly kafka: HostPort;
  readonly mongo: HostPort;
  /** Listeners, properties and SCRAM users beside the PLAINTEXT listener (which probes use). */
  readonly kafkaExtras: KafkaExtras;
  /** A TLS listener of FerretDB beside the plain one (which probes use). */
  readonly ferretTls: FerretTls | undefined;

  constructor(
    options: { kafka?: number; mongo?: number; kafkaExtras?: KafkaExtras; ferretTls?: FerretTls } = {},
  ) {
    this.kafka = { host: '127.0.0.1', port: options.kafka ?? 19092 };
    this.mongo = { host: '127.0.0.1', port: options.mongo ?? 27117 };
    this.kafkaExtras = options.kafkaExtras ?? {};
    this.ferretTls = options.ferretTls;
  }

  get kafkaBrokers(): string[] {
    return [`${this.kafka.host}:${this.kafka.port}`];
  }

  get mongoUri(): string {
    return `mongodb://${this.mongo.host}:${this.mongo.port}`;
  }

  /**
   * Starts the private broker and waits until it answers. The first start copies the shared
   * state's recorded classpath (resolving it with Maven only if that has never happened), so no
   * test pays for dependency resolution twice.
   */
  async startKafka(timeoutMs = 90_000): Promise<void> {
    const classpath = kafkaPaths(this.stateDir).classpath;
    mkdirSync(dirname(classpath), { recursive: true });
    writeFileSync(classpath, await resolveKafkaClasspath(sharedStateDir(), log));
    for (const port of [
      this.kafka.port,
      this.kafka.port + 1,
      ...(this.kafkaExtras.listeners ?? []).map((l) => l.port),
    ]) {
      await this.#assertFree({ host: this.kafka.host, port });
    }
    await startKafka(this.stateDir, this.kafka, log, this.kafkaExtras);
    // Through the PLAINTEXT listener, whatever the others ask of a client.
    const plain = loadConfig({ KAFKA_BROKERS: this.kafkaBrokers.join(',') }).kafka;
    await this.#ready('Kafka', () => probeKafka(plain, 2000), timeoutMs);
  }

  /** SIGTERM (a clean broker shutdown), SIGKILL after the grace period. */
  async stopKafka(graceMs = 30_000): Promise<void> {
    await stopPid(kafkaPaths(this.stateDir).pidFile, graceMs);
  }

  /** Starts the private FerretDB with a copy of the shared, already built binary. */
  async startFerretdb(timeoutMs = 30_000): Promise<void> {
    const own = ferretPaths(this.stateDir);
    // buildFerretdb returns the shared binary (building it only when missing or stale); with its
    // stamp (what it was built from) beside the copy, startFerretdb below takes it as it is.
    const shared = await buildFerretdb(sharedStateDir(), log);
    mkdirSync(dirname(own.binary), { recursive: true });
    copyFileSync(shared, own.binary);
    copyFileSync(ferretPaths(sharedStateDir()).stamp, own.stamp);
    await this.#assertFree(this.mongo);
    if (this.ferretTls !== undefined)
      await this.#assertFree({ host: this.mongo.host, port: this.ferretTls.port });
    await startFerretdb(this.stateDir, this.mongo, log, this.ferretTls);
    await this.#ready('FerretDB', () => probeMongo(this.mongoUri, 2000), timeoutMs);
  }

  async stopFerretdb(graceMs = 10_000): Promise<void> {
    await stopPid(ferretPaths(this.stateDir).pidFile, graceMs);
  }

  /** Stops whatever this instance started and deletes its state folder. */
  async cleanup(): Promise<void> {
    await this.stopKafka(5_000);
    await this.stopFerretdb(5_000);
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  async #assertFree(address: HostPort): Promise<void> {
    if (await isPortOpen(address)) {
      throw new Error(
        `${address.host}:${address.port} is in use; the fault tests need it for a private server`,
      );
    }
  }

  async #ready(label: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    if (!(await waitUntil(probe, timeoutMs))) {
      throw new Error(`private ${label} not ready after ${timeoutMs} ms (state in ${this.stateDir})`);
    }
  }
}
