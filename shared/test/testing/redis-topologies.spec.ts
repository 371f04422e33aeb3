import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { requireRedisServer, startRedisCluster, type RedisClusterTopology } from '../../src/testing/index.js';

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
});
