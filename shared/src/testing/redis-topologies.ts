// The multi-server Redis topologies v1hub supports, made for real in a test: a Redis Cluster of several
// masters (created with `redis-cli --cluster create`, as an operator would) and a Sentinel set (one master,
// one replica, three sentinels). Every server is a real redis-server on its own free loopback port with its
// own directory; nothing touches a developer's 6379.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { pingRedis } from './redis-server.js';
import { makeTempDir, type TempDir } from './temp-dir.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;

/** One redis-server (data node or sentinel) of a topology. */
export interface TopologyNode {
  readonly port: number;
  /** The server's process id (to SIGSTOP, SIGCONT or SIGKILL it in a fault test). */
  readonly pid: number;
  /** SIGKILL, and waits for the process to be gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
}

export interface RedisClusterTopology {
  /** The masters, in creation order. */
  readonly masters: readonly TopologyNode[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…`: v1hub's --metadata value for this cluster. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface RedisSentinelTopology {
  readonly master: TopologyNode;
  readonly replica: TopologyNode;
  readonly sentinels: readonly TopologyNode[];
  readonly masterName: string;
  /** `redis+sentinel://127.0.0.1:s1,…/<masterName>`: v1hub's --metadata value for this set. */
  readonly url: string;
  /** The port of the master the sentinels name now (changes after a failover). */
  currentMasterPort(): Promise<number>;
  /**
   * A partition between master and replica: from now on the replication stream stops reaching the replica,
   * while clients and sentinels still reach both. What the master sends meanwhile is dropped if the master
   * dies (killMaster), as it would be on a real network.
   */
  partitionReplica(): void;
  /** SIGKILLs the master and closes the replication link it had. */
  killMaster(): Promise<void>;
  /**
   * After a failover: starts the old master again, empty (a machine replaced), as a replica of the master the
   * sentinels name now, the way an operator rejoins it (the sentinels would too, but only after many seconds).
   */
  rejoinOldMaster(): Promise<void>;
  stop(): Promise<void>;
}

class Node implements TopologyNode {
  private child!: ChildProcess;
  private exited!: Promise<void>;
  private output = '';
  private readonly onProcessExit = () => this.child.kill('SIGKILL');

  constructor(readonly port: number, private readonly args: readonly string[], private readonly cwd: string) {
    this.spawn();
  }

  private spawn(): void {
    this.output = '';
    this.child = spawn('redis-server', [...this.args], { cwd: this.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = this.child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    const record = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    process.on('exit', this.onProcessExit);
  }

  async restart(): Promise<void> {
    await this.kill();
    this.spawn();
    await this.ready();
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`redis-server on port ${this.port} exited:\n${this.output}`);
      if (await pingRedis(this.port, 500)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not answer PING within ${READY_TIMEOUT_MS} ms:\n${this.output}`);
  }

  /** Whether the server gave up because a port it was to listen on was taken by another process. */
  lostPortRace(): boolean {
    return this.output.includes('Address already in use');
  }

  async kill(): Promise<void> {
    process.off('exit', this.onProcessExit);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // A stopped process cannot die until it is continued.
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

// No delay before a full resync: a replica (re)joining syncs at once.
const COMMON = ['--bind', '127.0.0.1', '--daemonize', 'no', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];

/** The ports one node listens on: clients, and (cluster nodes only) the cluster bus. */
interface NodePorts {
  readonly port: number;
  /** Set only when the node is a cluster node; by default Redis would take port + 10000, which may be in use. */
  readonly busPort?: number;
}

type NodeArgs = (ports: NodePorts, nodeDir: string) => string[];

/** How many fresh ports a node is started on when another process takes one between freePort() and bind. */
const BIND_ATTEMPTS = 5;

/** The ports of one topology: each from `source`, none given twice (two free ports a moment apart may be the same). */
class TopologyPorts {
  private readonly taken = new Set<number>();
  constructor(private readonly source: () => Promise<number> = freePort) {}

  async next(): Promise<number> {
    for (;;) {
      const port = await this.source();
      if (this.taken.has(port)) continue;
      this.taken.add(port);
      return port;
    }
  }
}

async function startNode(dir: TempDir, ports: TopologyPorts, argsFor: NodeArgs, clusterBus: boolean): Promise<Node> {
  for (let attempt = 1; ; attempt++) {
    const given: NodePorts = { port: await ports.next(), ...(clusterBus ? { busPort: await ports.next() } : {}) };
    const nodeDir = path.join(dir.path, String(given.port));
    mkdirSync(nodeDir, { recursive: true });
    const node = new Node(given.port, argsFor(given, nodeDir), nodeDir);
    try {
      await node.ready();
      return node;
    } catch (err) {
      // kill() waits for the process to close, so its output is complete when lostPortRace reads it.
      await node.kill();
      if (attempt >= BIND_ATTEMPTS || !node.lostPortRace()) throw err;
    }
  }
}

/** Starts `count` nodes at once; if any cannot start, stops the others before rejecting. */
async function startNodes(dir: TempDir, ports: TopologyPorts, count: number, argsFor: NodeArgs, clusterBus = false): Promise<Node[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => startNode(dir, ports, argsFor, clusterBus)));
  const nodes = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure === undefined) return nodes;
  await Promise.all(nodes.map((node) => node.kill()));
  throw failure.reason;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
  return stdout;
}

/** Waits until the replica on `port` has its link to its master up (synced, and following the stream). */
async function replicationLinkUp(port: number, what: string): Promise<void> {
  await waitFor(async () => (await redisCli(port, 'INFO', 'replication')).includes('master_link_status:up'), what);
}

export interface TopologyOptions {
  /** Where ports come from (default freePort): the helpers' own tests pass one that hands out a taken port. */
  readonly portSource?: () => Promise<number>;
}

/** A Redis Cluster of `masters` masters (at least 3, as redis-cli requires), slots spread evenly, no replicas. */
export async function startRedisCluster(masters = 3, options: TopologyOptions = {}): Promise<RedisClusterTopology> {
  const dir = await makeTempDir('v1hub-redis-cluster');
  let nodes: Node[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    await dir.remove();
  };
  try {
    const clusterNode: NodeArgs = ({ port, busPort }) => ['--port', String(port), '--cluster-port', String(busPort), ...COMMON, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--cluster-announce-ip', '127.0.0.1'];
    nodes = await startNodes(dir, new TopologyPorts(options.portSource), masters, clusterNode, true);
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], { timeout: 60_000 });
    await waitFor(async () => (await Promise.all(nodes.map(async (n) => (await redisCli(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')))).every(Boolean), 'cluster_state:ok on every node');
    return { masters: nodes, url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface SentinelOptions {
  /** How long a master may be silent before the sentinels call it down. Default 1000 ms. */
  readonly downAfterMs?: number;
}

/** One master, one replica and three sentinels (quorum 2) watching them as `v1hub-master`. */
export async function startRedisSentinelSet(options: SentinelOptions = {}): Promise<RedisSentinelTopology> {
  const masterName = 'v1hub-master';
  const dir = await makeTempDir('v1hub-redis-sentinel');
  const all: Node[] = [];
  const relays: Relay[] = [];
  const ports = new TopologyPorts();
  const stop = async () => {
    for (const relay of relays) relay.close();
    await Promise.all(all.map((node) => node.kill()));
    await dir.remove();
  };
  try {
    const [master] = await startNodes(dir, ports, 1, ({ port }) => ['--port', String(port), ...COMMON]);
    if (!master) throw new Error('no master');
    all.push(master);
    // The replica reaches its master through a relay, so that a test can partition the two.
    const link = await startRelay(master.port);
    relays.push(link);
    const [replica] = await startNodes(dir, ports, 1, ({ port }) => ['--port', String(port), ...COMMON, '--replicaof', '127.0.0.1', String(link.port)]);
    if (!replica) throw new Error('no replica');
    all.push(replica);
    await replicationLinkUp(replica.port, 'the replica linking to its master');
    const sentinels = await startNodes(dir, ports, 3, ({ port }, nodeDir) => {
      // A sentinel rewrites its configuration file, so each gets its own.
      const conf = path.join(nodeDir, 'sentinel.conf');
      writeFileSync(conf, [
        `port ${port}`,
        'bind 127.0.0.1',
        'daemonize no',
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'));
      return [conf, '--sentinel'];
    });
    all.push(...sentinels);
    const topology: RedisSentinelTopology = {
      master,
      replica,
      sentinels,
      masterName,
      url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${masterName}`,
      async currentMasterPort() {
        const answers = await Promise.all(sentinels.map((s) => redisCli(s.port, 'SENTINEL', 'get-master-addr-by-name', masterName).catch(() => '')));
        const ports = answers.map((a) => Number(a.trim().split('\n')[1]));
        return ports.find((p) => Number.isInteger(p) && p > 0) ?? 0;
      },
      partitionReplica: () => link.partition(),
      async killMaster() {
        await master.kill();
        link.close();
      },
      async rejoinOldMaster() {
        const current = await topology.currentMasterPort();
        await master.restart();
        await redisCli(master.port, 'REPLICAOF', '127.0.0.1', String(current));
        await replicationLinkUp(master.port, 'the old master syncing from the new one');
      },
      stop,
    };
    // Every sentinel must have found the replica and the other sentinels before a failover can succeed.
    await waitFor(async () => (await Promise.all(sentinels.map(async (s) => {
      const info = await redisCli(s.port, 'SENTINEL', 'master', masterName);
      const field = (name: string) => Number(new RegExp(`^${name}\\n(\\d+)`, 'm').exec(info)?.[1] ?? 0);
      return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2;
    }))).every(Boolean), 'the sentinels discovering the replica and each other');
    return topology;
  } catch (err) {
    await stop();
    throw err;
  }
}

interface Relay {
  readonly port: number;
  /** Stops forwarding what the target sends (it stays buffered here, and is dropped by close). */
  partition(): void;
  /** Closes the listener and every relayed connection. */
  close(): void;
}

/** A loopback TCP relay to `targetPort`. */
async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const upstreams = new Set<net.Socket>();
  let partitioned = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    upstreams.add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      upstreams.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.pipe(upstream);
    upstream.pipe(client);
    if (partitioned) upstream.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    partition() {
      partitioned = true;
      for (const upstream of upstreams) {
        upstream.unpipe();
        upstream.pause();
      }
    },
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
