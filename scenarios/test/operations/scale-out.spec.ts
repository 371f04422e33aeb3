/**
 * Issue #16, the multi-instance topology as real processes: a 3-master Redis Cluster holds the metadata, an
 * S3-compatible server the layers; two Index and two Registry processes run on them. Each Index advertises
 * its own registry, and both registries ask "is this token good?" through a round-robin balancer in front of
 * both Indexes, so a token one Index issued is validated by either. Pushed through one pair, pulled
 * byte-exact through the other; then through the balancers; then with one Index and one Registry killed.
 */
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import {
  buildImageChain,
  freePort,
  makeTempDir,
  readTarEntries,
  requireRedisServer,
  runCli,
  spawnCli,
  startRedisCluster,
  startS3Server,
  startTcpBalancer,
  writeFixtureSave,
  type CliProcess,
  type FixtureImage,
  type RedisClusterTopology,
  type S3Server,
  type TcpBalancer,
  type TempDir,
} from '@v1hub/shared/testing';

const ADMIN_PASSWORD = 'scale-admin';

describe('scale-out: two Indexes and two Registries on a Redis Cluster and S3 (real processes)', function () {
  this.timeout(180_000);
  let dir: TempDir;
  let cluster: RedisClusterTopology;
  let s3: S3Server;
  let indexBalancer: TcpBalancer;
  const processes: CliProcess[] = [];
  let indexes: { proc: CliProcess; host: string }[];
  let registries: CliProcess[];
  let env: Record<string, string>;

  const cli = (...args: string[]) => runCli(args, { env: { ...env, V1HUB_CONFIG: path.join(dir.path, 'client.json') } });
  async function ok(...args: string[]): Promise<string> {
    const run = await cli(...args);
    expect(run.code, `v1hub ${args.join(' ')}: ${run.stderr}`).to.equal(0);
    return run.stdout;
  }
  function start(args: string[]): CliProcess {
    const proc = spawnCli(args, { env });
    processes.push(proc);
    return proc;
  }
  async function pushed(name: string, chain: FixtureImage[], host: string): Promise<void> {
    const file = path.join(dir.path, `${name.replace('/', '-')}.tar`);
    await writeFixtureSave(file, chain, name, 'latest');
    await ok('push', `${host}/${name}`, '--from', file);
  }
  /** Pulls through `host` and checks every layer is byte for byte the tar pushed (the client checks the payload checksums on the way). */
  async function pullsExactly(name: string, chain: FixtureImage[], host: string): Promise<void> {
    const out = path.join(dir.path, `${name.replace('/', '-')}-${host.replace(':', '-')}.tar`);
    await ok('pull', `${host}/${name}`, '--to', out);
    const entries = await readTarEntries(out);
    for (const image of chain) expect(entries.get(`${image.id}/layer.tar`)?.equals(gunzipSync(image.layer)), `layer ${image.id} through ${host}`).to.equal(true);
  }

  before(async function () {
    requireRedisServer(this);
    dir = await makeTempDir('v1hub-scale-');
    // Both are assigned as they come up, and both are awaited, so that `after` stops whichever started even
    // when the other failed (with Promise.all, a server still starting when the other failed would be left
    // running and keep the test process alive).
    const started = await Promise.allSettled([startRedisCluster(3).then((c) => (cluster = c)), startS3Server().then((s) => (s3 = s))]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    env = { V1HUB_ADMIN_PASSWORD: ADMIN_PASSWORD, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const [i1, i2, r1, r2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    indexBalancer = await startTcpBalancer([i1 as number, i2 as number]);
    const storage = `s3://${s3.bucket}/layers?endpoint=${s3.endpoint}&region=${s3.region}&forcePathStyle=true`;
    // Both Indexes start at once on an empty store: the admin account is created once, whichever wins.
    indexes = [
      { proc: start(['index', '--port', String(i1), '--metadata', cluster.url, '--endpoints', `127.0.0.1:${r1}`, '--log-level', 'warn']), host: `127.0.0.1:${i1}` },
      { proc: start(['index', '--port', String(i2), '--metadata', cluster.url, '--endpoints', `127.0.0.1:${r2}`, '--log-level', 'warn']), host: `127.0.0.1:${i2}` },
    ];
    registries = [r1, r2].map((port) => start(['registry', '--port', String(port), '--storage', storage, '--index', `http://${indexBalancer.address}`, '--log-level', 'warn']));
    await Promise.all([...indexes.map((i) => i.proc), ...registries].map((proc) => proc.waitFor(/listening on/, 60_000)));
    await ok('login', indexes[0]?.host as string, '-u', 'alice', '-p', 'alice-pass', '-e', 'alice@example.com');
    await ok('login', indexes[1]?.host as string, '-u', 'alice', '-p', 'alice-pass');
    await ok('login', indexBalancer.address, '-u', 'alice', '-p', 'alice-pass');
  });

  after(async () => {
    await Promise.all(processes.map((proc) => proc.stop().catch(() => undefined)));
    // Each is stopped even when stopping another fails (a server left running keeps mocha alive).
    const stopped = await Promise.allSettled([indexBalancer?.close(), cluster?.stop(), s3?.stop()]);
    await dir?.remove();
    for (const result of stopped) if (result.status === 'rejected') throw result.reason;
  });

  it('both Indexes came up on one empty store with one admin account, usable from either', async () => {
    for (const { host } of indexes) {
      const res = await fetch(`http://${host}/v1/users/`, { headers: { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` } });
      expect(res.status, host).to.equal(200);
    }
  });

  it('pushes through one pair and pulls byte-exact through the other', async () => {
    const chain = await buildImageChain(2, { seed: 'scale-pairs' });
    await pushed('alice/pairs', chain, indexes[0]?.host as string);
    await pullsExactly('alice/pairs', chain, indexes[1]?.host as string);
  });

  it('pushes and pulls through the balancer, with both Indexes answering and both validating', async () => {
    const before = [...indexBalancer.connections];
    const chain = await buildImageChain(2, { seed: 'scale-balanced' });
    await pushed('alice/balanced', chain, indexBalancer.address);
    await pullsExactly('alice/balanced', chain, indexBalancer.address);
    const served = indexBalancer.connections.map((n, i) => n - (before[i] ?? 0));
    for (const count of served) expect(count, `connections per Index: ${served.join(', ')}`).to.be.greaterThan(0);
  });

  it('a private repository stays private whichever Index is asked', async () => {
    const chain = await buildImageChain(1, { seed: 'scale-private' });
    await pushed('alice/secret', chain, indexes[0]?.host as string);
    const basic = `Basic ${Buffer.from('alice:alice-pass').toString('base64')}`;
    const patch = await fetch(`http://${indexes[0]?.host}/v1/repositories/alice/secret/info`, { method: 'PATCH', headers: { Authorization: basic, 'Content-Type': 'application/json' }, body: '{"private": true}' });
    expect(patch.status).to.be.oneOf([200, 204]);
    for (const { host } of indexes) {
      const anonymous = await fetch(`http://${host}/v1/repositories/alice/secret/images`, { headers: { 'X-Docker-Token': 'true' } });
      expect(anonymous.status, host).to.equal(401);
    }
  });

  it('with one Index and one Registry killed, the other pair still serves every repository', async () => {
    await indexes[0]?.proc.stop('SIGKILL');
    await registries[0]?.stop('SIGKILL');
    const chain = await buildImageChain(2, { seed: 'scale-pairs' });
    await pullsExactly('alice/pairs', chain, indexes[1]?.host as string);
    const after = await buildImageChain(1, { seed: 'scale-after' });
    await pushed('alice/after', after, indexes[1]?.host as string);
    await pullsExactly('alice/after', after, indexBalancer.address);
  });
});
