import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { loadConfig } from '../../src/config/index.ts';
import {
  type KafkaClusterNode,
  kafkaPaths,
  newClusterId,
  resolveKafkaClasspath,
  startKafka,
} from '../../src/local-services/kafka-local.ts';
import { isPortOpen, waitUntil } from '../../src/local-services/net.ts';
import { resolveStateDir } from '../../src/local-services/index.ts';
import { isAlive, livePid } from '../../src/local-services/processes.ts';

// A local three-node KRaft cluster for the tests of leader changes (test/chaos): every node a
// broker and a controller, started from the shared Maven-resolved jars, on loopback ports of its
// own, with a state folder in a temp dir. The internal topics and every topic created without a
// replication factor get 3 replicas with min.insync.replicas=2, so one node can be lost at any
// time. Only the pids this harness started are ever signalled.

const log = (m: string): void => void process.stderr.write(`[kafka cluster] ${m}\n`);

const HOST = '127.0.0.1';

export interface ClusterNodeInfo {
  nodeId: number;
  /** The PLAINTEXT listener clients use; the controller listens on port + 1. */
  port: number;
  stateDir: string;
}

export interface ClusterOptions {
  /**
   * Node n listens on basePort + 10 (n - 1) and its controller one above. Apart from the ports other
   * tests use: the shared broker's 9092/9093 and the private one's 19092/19093.
   */
  basePort?: number;
  size?: number;
  /** More server.properties lines for every node. */
  properties?: Record<string, string>;
}

export class KafkaCluster {
  readonly stateDir = mkdtempSync(join(tmpdir(), 'ipstream-cluster-'));
  readonly nodes: ClusterNodeInfo[];
  readonly #clusterId = newClusterId();
  readonly #properties: Record<string, string>;
  #admin: Admin | undefined;

  constructor(options: ClusterOptions = {}) {
    const basePort = options.basePort ?? 39200;
    const size = options.size ?? 3;
    this.#properties = options.properties ?? {};
    this.nodes = Array.from({ length: size }, (_, i) => ({
      nodeId: i + 1,
      port: basePort + 10 * i,
      stateDir: join(this.stateDir, `node-${i + 1}`),
    }));
  }

  get brokers(): string[] {
    return this.nodes.map((n) => `${HOST}:${n.port}`);
  }

  #node(nodeId: number): ClusterNodeInfo {
    const node = this.nodes.find((n) => n.nodeId === nodeId);
    if (node === undefined) throw new Error(`no node ${nodeId} in this cluster`);
    return node;
  }

  #role(nodeId: number): KafkaClusterNode {
    const replicas = Math.min(3, this.nodes.length);
    return {
      nodeId,
      voters: this.nodes.map((n) => ({ nodeId: n.nodeId, host: HOST, port: n.port + 1 })),
      replicationFactor: replicas,
      minInsyncReplicas: Math.max(1, replicas - 1),
      clusterId: this.#clusterId,
    };
  }

  /** An admin client over every node, for metadata (leaders, ISRs); retries little, answers fast. */
  get admin(): Admin {
    this.#admin ??= new Admin({
      clientId: 'test-cluster-admin',
      bootstrapBrokers: this.brokers,
      connectTimeout: 2_000,
      timeout: 5_000,
      retries: 1,
      retryDelay: 200,
    });
    return this.#admin;
  }

  /** Starts every node (in parallel: the controllers need a quorum to elect) and waits until all are brokers. */
  async start(timeoutMs = 180_000): Promise<void> {
    const classpath = await resolveKafkaClasspath(resolveStateDir(loadConfig().services.stateDir), log);
    for (const node of this.nodes) {
      for (const port of [node.port, node.port + 1]) {
        if (await isPortOpen({ host: HOST, port })) {
          throw new Error(`${HOST}:${port} is in use; the cluster tests need it for a node of their own`);
        }
      }
      const file = kafkaPaths(node.stateDir).classpath;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, classpath);
    }
    await Promise.all(this.nodes.map((n) => this.startNode(n.nodeId, 0)));
    await this.waitForBrokers(this.nodes.length, timeoutMs);
  }

  /** Starts one node (again, after a stop: its storage is kept); with a timeout, waits until it is a broker again. */
  async startNode(nodeId: number, timeoutMs = 90_000): Promise<void> {
    const node = this.#node(nodeId);
    if (this.pid(nodeId) !== undefined) throw new Error(`node ${nodeId} is already running`);
    await startKafka(
      node.stateDir,
      { host: HOST, port: node.port },
      log,
      { properties: this.#properties },
      this.#role(nodeId),
    );
    if (timeoutMs > 0) await this.waitForBroker(nodeId, timeoutMs);
  }

  pid(nodeId: number): number | undefined {
    return livePid(kafkaPaths(this.#node(nodeId).stateDir).pidFile);
  }

  /**
   * Stops a node: SIGKILL (it dies at once, and the controller fences it only after the broker
   * session timeout) or SIGTERM (a controlled shutdown: leadership moves first). Resolves once the
   * process is gone; a SIGTERM that has not ended it within graceMs is followed by SIGKILL.
   */
  async stopNode(nodeId: number, signal: 'SIGKILL' | 'SIGTERM', graceMs = 60_000): Promise<void> {
    const pid = this.pid(nodeId);
    if (pid === undefined) return;
    process.kill(pid, signal);
    const deadline = Date.now() + graceMs;
    let killed = signal === 'SIGKILL';
    while (isAlive(pid)) {
      if (!killed && Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        killed = true;
      }
      await sleep(50);
    }
    rmSync(kafkaPaths(this.#node(nodeId).stateDir).pidFile, { force: true });
  }

  /** Fresh metadata of a topic (from whichever node answers). */
  async #topic(topic: string) {
    const metadata = await this.admin.metadata({ topics: [topic], forceUpdate: true });
    const t = metadata.topics.get(topic);
    if (t === undefined) throw new Error(`no metadata for topic ${topic}`);
    return { brokers: metadata.brokers, partitions: t.partitions };
  }

  /** The node leading a partition now (-1 while none does). */
  async leaderOf(topic: string, partition: number): Promise<number> {
    return (await this.#topic(topic)).partitions[partition]?.leader ?? -1;
  }

  /** The node that coordinates a consumer group (it leads the group's __consumer_offsets partition). */
  async coordinatorOf(group: string): Promise<number> {
    const [found] = await this.admin.findCoordinator({ keyType: 0, keys: [group] });
    if (found === undefined) throw new Error(`no coordinator found for group ${group}`);
    return found.nodeId;
  }

  /** Per partition, its leader and in-sync replicas. */
  async partitionStates(topic: string): Promise<{ leader: number; replicas: number[]; isr: number[] }[]> {
    const { partitions } = await this.#topic(topic);
    return partitions.map((p) => ({ leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] }));
  }

  /** Waits until every node runs and is a registered broker, and every partition of `topic` has all its replicas in sync. */
  async waitForFullIsr(topic: string, timeoutMs = 120_000): Promise<void> {
    const ok = await waitUntil(async () => {
      try {
        const { brokers, partitions } = await this.#topic(topic);
        return (
          brokers.size === this.nodes.length &&
          partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)
        );
      } catch {
        return false;
      }
    }, timeoutMs);
    if (!ok) {
      const states = await this.partitionStates(topic).catch((e: unknown) => String(e));
      throw new Error(`${topic}: no full ISR after ${timeoutMs} ms: ${JSON.stringify(states)}`);
    }
  }

  /** Waits until `count` brokers are registered (alive and unfenced). */
  async waitForBrokers(count: number, timeoutMs = 120_000): Promise<void> {
    const ok = await waitUntil(async () => (await this.#brokerIds()).size >= count, timeoutMs);
    if (!ok) throw new Error(`fewer than ${count} brokers after ${timeoutMs} ms${this.#diagnosis()}`);
  }

  /** Waits until `nodeId` is a registered broker again. */
  async waitForBroker(nodeId: number, timeoutMs = 90_000): Promise<void> {
    const ok = await waitUntil(async () => (await this.#brokerIds()).has(nodeId), timeoutMs);
    if (!ok) throw new Error(`node ${nodeId} not a broker after ${timeoutMs} ms${this.#diagnosis()}`);
  }

  /** Which nodes run, and the last errors each logged: the state folder is deleted at cleanup. */
  #diagnosis(): string {
    const lines = this.nodes.map((n) => {
      const logs = kafkaPaths(n.stateDir).logs;
      const tail = (file: string): string[] => {
        try {
          return readFileSync(join(logs, file), 'utf8').split('\n');
        } catch {
          return [];
        }
      };
      const errors = [...tail('server.log'), ...tail('stdout.log')]
        .filter((l) => /ERROR|Exception|FATAL/.test(l))
        .slice(-5);
      return `node ${n.nodeId} (${this.pid(n.nodeId) === undefined ? 'not running' : 'running'}): ${errors.join(' | ') || 'no errors logged'}`;
    });
    return `; ${lines.join('; ')}`;
  }

  async #brokerIds(): Promise<Set<number>> {
    try {
      const metadata = await this.admin.metadata({ topics: [], forceUpdate: true });
      return new Set(metadata.brokers.keys());
    } catch {
      return new Set();
    }
  }

  /** Stops every node this cluster started (SIGKILL: nothing of it is kept) and deletes the state folder. */
  async cleanup(): Promise<void> {
    await this.#admin?.close().catch(() => undefined);
    this.#admin = undefined;
    for (const node of this.nodes) await this.stopNode(node.nodeId, 'SIGKILL');
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
