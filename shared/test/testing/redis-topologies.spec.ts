import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { freePort, requireRedisServer, startRedisCluster, type RedisClusterTopology } from '../../src/testing/index.js';

const run = promisify(execFile);

/** One command through redis-cli (the shared package has no Redis client of its own), its raw reply. */
async function redisCli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;
}

describe('startRedisCluster', function () {
  this.timeout(60_000);
  let cluster: RedisClusterTopology;

  before(async function () {
    requireRedisServer(this);
    cluster = await startRedisCluster(3);
  });

  after(async () => {
    await cluster?.stop();
  });

  // By default a node's cluster bus takes its port + 10000, which nothing checked was free: a CI run once
  // failed to start a cluster because another process held it.
  it('gives every node a cluster bus port of its own, free when chosen, not port + 10000', async () => {
    const ports = cluster.masters.map((m) => m.port);
    const busPorts = await Promise.all(cluster.masters.map(async (m) => {
      expect(await redisCli(m.port, 'CLUSTER', 'INFO')).to.include('cluster_state:ok');
      return Number((await redisCli(m.port, 'CONFIG', 'GET', 'cluster-port')).split('\n')[1]);
    }));
    busPorts.forEach((bus, i) => {
      expect(bus, `node ${ports[i]}`).to.be.greaterThan(0);
      expect(bus, `node ${ports[i]}`).to.not.equal((ports[i] as number) + 10_000);
    });
    expect(new Set([...ports, ...busPorts]).size, `ports ${ports.join(', ')}; bus ports ${busPorts.join(', ')}`).to.equal(ports.length * 2);
  });

  it('starts a node again on fresh ports when another process took its port between the choice and the bind', async () => {
    // It hangs up on whoever connects (the readiness check will), so that closing it is not kept waiting.
    const holder: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const held = (holder.address() as { port: number }).port;
    let asked = 0;
    // The first port handed out is one another process already listens on: that node loses the race.
    const portSource = async () => (asked++ === 0 ? held : freePort());
    let raced: RedisClusterTopology | undefined;
    try {
      raced = await startRedisCluster(3, { portSource });
      expect(asked, 'three nodes, a port and a bus port each, and a fresh pair for the one that lost').to.equal(8);
      for (const m of raced.masters) {
        expect(m.port).to.not.equal(held);
        expect(await redisCli(m.port, 'CLUSTER', 'INFO')).to.include('cluster_state:ok');
      }
    } finally {
      await raced?.stop();
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

