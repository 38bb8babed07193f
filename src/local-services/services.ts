import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { ServiceError } from '../errors/index.ts';
import { ferretdbIsStale, ferretPaths, startFerretdb } from './ferretdb-local.ts';
import { kafkaPaths, startKafka } from './kafka-local.ts';
import { type HostPort, isLoopback, isPortOpen, mongoHostPort, parseHostPort, waitUntil } from './net.ts';
import { resolveStateDir } from './paths.ts';
import { probeKafka, probeMongo } from './probe.ts';
import { isAlive, livePid, stopPid } from './processes.ts';

export type ServiceName = 'kafka' | 'mongodb';

export interface ServiceStatus {
  name: ServiceName;
  address: string;
  healthy: boolean;
  /** local = started by ipstream from this state folder; external = somebody else's server. */
  managedBy: 'ipstream' | 'external' | 'nobody';
  pid?: number;
}

interface ServiceSpec {
  name: ServiceName;
  label: string;
  envName: string;
  address: string;
  listen: HostPort;
  pidFile: string;
  logFile: string;
  probe: () => Promise<boolean>;
  start: (onStep: (msg: string) => void) => Promise<number>;
  /** A server ipstream started that was built from older sources, to be restarted by `up`. */
  isStale?: () => boolean;
}

function specs(config: Config): ServiceSpec[] {
  const stateDir = resolveStateDir(config.services.stateDir);
  const kafkaAddress = config.kafka.brokers[0] as string;
  const mongo = mongoHostPort(config.mongo.uri);
  const kafka = kafkaPaths(stateDir);
  const ferret = ferretPaths(stateDir);
  return [
    {
      name: 'kafka',
      label: 'Kafka',
      envName: 'KAFKA_BROKERS',
      address: kafkaAddress,
      listen: parseHostPort(kafkaAddress),
      pidFile: kafka.pidFile,
      logFile: join(kafka.logs, 'server.log'),
      probe: () => probeKafka(config.kafka, 2000),
      start: (onStep) => startKafka(stateDir, parseHostPort(kafkaAddress), onStep),
    },
    {
      name: 'mongodb',
      label: 'MongoDB',
      envName: 'MONGODB_URI',
      address: `${mongo.host}:${mongo.port}`,
      listen: mongo,
      pidFile: ferret.pidFile,
      logFile: ferret.log,
      probe: () => probeMongo(config.mongo.uri, 2000),
      start: (onStep) => startFerretdb(stateDir, mongo, onStep),
      isStale: () => ferretdbIsStale(stateDir),
    },
  ];
}

async function statusOf(spec: ServiceSpec): Promise<ServiceStatus> {
  const healthy = await spec.probe();
  const pid = livePid(spec.pidFile);
  const managedBy = pid !== undefined ? 'ipstream' : healthy ? 'external' : 'nobody';
  return {
    name: spec.name,
    address: spec.address,
    healthy,
    managedBy,
    ...(pid === undefined ? {} : { pid }),
  };
}

export function servicesStatus(config: Config): Promise<ServiceStatus[]> {
  return Promise.all(specs(config).map(statusOf));
}

function logTail(file: string): string {
  if (!existsSync(file)) return '';
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const errors = lines.filter((l) => /ERROR|Exception|error|fatal|panic/.test(l));
  return (errors.at(-1) ?? lines.at(-1) ?? '').slice(0, 300);
}

/**
 * Serialises concurrent `services up` calls from this state folder (a test run started beside
 * `npm start`, say), so that two of them never race to start the same server.
 */
async function withLock<T>(stateDir: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const lock = join(stateDir, 'services.lock');
  const acquired = await waitUntil(async () => {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      const owner = Number(readFileSync(lock, 'utf8'));
      if (!Number.isInteger(owner) || !isAlive(owner)) rmSync(lock, { force: true });
      return false;
    }
  }, timeoutMs);
  if (!acquired) throw new ServiceError('LOCKED', `another ipstream is starting services (${lock})`);
  try {
    return await body();
  } finally {
    rmSync(lock, { force: true });
  }
}

async function ensure(
  spec: ServiceSpec,
  config: Config,
  onStep: (msg: string) => void,
  timeoutMs: number,
): Promise<ServiceStatus> {
  if (livePid(spec.pidFile) !== undefined && spec.isStale?.() === true) {
    onStep(`restarting the local ${spec.label}: it was built from older sources`);
    await stopPid(spec.pidFile, 10_000);
  }
  if (await spec.probe()) return statusOf(spec);
  let pid = livePid(spec.pidFile);
  if (pid === undefined) {
    if (await isPortOpen(spec.listen)) {
      throw new ServiceError(
        'PORT_TAKEN',
        `${spec.address} is in use by something that does not answer as ${spec.label}; stop it or set ${spec.envName}`,
      );
    }
    if (!config.services.autoStart || !isLoopback(spec.listen.host)) {
      throw new ServiceError(
        'UNREACHABLE',
        `${spec.label} at ${spec.address} is unreachable: start it, fix ${spec.envName}, or unset KAFKA_BROKERS and MONGODB_URI so that ipstream starts local services`,
        { retriable: true },
      );
    }
    pid = await spec.start(onStep);
  }
  const started = pid;
  const ready = await waitUntil(spec.probe, timeoutMs, () => !isAlive(started));
  if (!ready) {
    const why = isAlive(started) ? `not ready after ${timeoutMs / 1000}s` : 'exited';
    throw new ServiceError(
      'START_FAILED',
      `local ${spec.label} ${why}: ${logTail(spec.logFile)} (see ${spec.logFile})`,
    );
  }
  onStep(`${spec.label} ready at ${spec.address}`);
  return statusOf(spec);
}

/** Makes both services answer: reuses running ones, starts local ones where allowed. */
export async function servicesUp(
  config: Config,
  options: { onStep?: (msg: string) => void; timeoutMs?: number } = {},
): Promise<ServiceStatus[]> {
  const onStep = options.onStep ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const stateDir = resolveStateDir(config.services.stateDir);
  return withLock(stateDir, 30 * 60_000, () =>
    Promise.all(specs(config).map((spec) => ensure(spec, config, onStep, timeoutMs))),
  );
}

/** Stops what `servicesUp` started from this state folder, and nothing else. */
export async function servicesDown(config: Config): Promise<ServiceName[]> {
  const stopped: ServiceName[] = [];
  // Kafka gets the longer grace: a clean shutdown spares its next start a log recovery.
  for (const spec of specs(config)) {
    if (await stopPid(spec.pidFile, spec.name === 'kafka' ? 30_000 : 10_000)) stopped.push(spec.name);
  }
  return stopped;
}
