// A one-node Redis Cluster (all 16384 slots on one server) for checking that the Redis store's
// multi-key commands stay within one slot: cluster mode refuses CROSSSLOT commands even with one node.
// NOTE: the shared harness (startRedisServer) has no way to pass --cluster-enabled, hence this small
// launcher; it borrows the harness's port, directory and PING helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, makeTempDir, pingRedis, type TempDir } from '@v1hub/shared/testing';

export interface SingleNodeCluster {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startSingleNodeCluster(): Promise<SingleNodeCluster> {
  const dir = await makeTempDir('v1hub-redis-cluster');
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir.path, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // If the test process dies without calling stop(), do not leave the server running.
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    child.kill('SIGTERM');
    await exited;
    await dir.remove();
  };
  try {
    await waitFor(() => pingRedis(port, 500), 'answer PING');
    const admin = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    try {
      await admin.connect();
      await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      await waitFor(async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), 'report cluster_state:ok');
    } finally {
      admin.disconnect();
    }
    return { host: '127.0.0.1', port, stop };
  } catch (err) {
    process.off('exit', onExit);
    await stopQuietly(child, exited, dir);
    throw err;
  }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the cluster node did not ${what} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopQuietly(child: ChildProcess, exited: Promise<void>, dir: TempDir): Promise<void> {
  child.kill('SIGKILL');
  await exited;
  await dir.remove();
}
