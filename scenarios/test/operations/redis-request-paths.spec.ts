/**
 * Issue #16: no request path scans Redis. A real Index on a real redis-server and a registry serve every
 * workflow a client runs — sign-up, login, push, pull, tags, search, stars, descriptions, collaborators,
 * organisations, webhooks, the Web UI's pages, delete — and Redis's own command statistics must show no KEYS
 * and no SCAN. Search for a term of 3 characters or more must not list the repositories either (no ZRANGE of
 * the repository index), whatever the number of repositories.
 */
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import { loadRegistryConfig, startRegistryService, type RunningRegistry } from '@v1hub/registry-service';
import { createV1Client, type V1Client } from '@v1hub/shared/client';
import { buildImageChain, freePort, makeTempDir, requireRedisServer, startRedisServer, writeFixtureSave, type RedisServer, type TempDir } from '@v1hub/shared/testing';

const TEST_KDF = { N: 1024, r: 8, p: 1 };

async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const match of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] ?? '', Number(match[2]));
  return calls;
}

describe('request paths on Redis: no KEYS, no SCAN, and search without listing every repository', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let admin: Redis;
  let dir: TempDir;
  let index: RunningIndex;
  let registry: RunningRegistry;
  let alice: V1Client;
  let host: string;

  before(async function () {
    requireRedisServer(this);
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    dir = await makeTempDir('v1hub-paths-');
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: redis.url, adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}`, webhookPrivateTargets: true } }), { kdf: TEST_KDF });
    registry = await startRegistryService(loadRegistryConfig({ flags: { port: registryPort, storage: 'memory', index: index.url } }));
    host = new URL(index.url).host;
    alice = createV1Client({ indexUrl: index.url, retry: { baseDelayMs: 10 } });
  });

  after(async () => {
    await registry?.close();
    await index?.close();
    admin?.disconnect();
    await redis?.stop();
    await dir?.remove();
  });

  it('serves every workflow without KEYS or SCAN', async () => {
    const before = await commandCalls(admin);
    await alice.login({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
    const bob = createV1Client({ indexUrl: index.url, retry: { baseDelayMs: 10 } });
    await bob.login({ username: 'bobby', password: 'bobby-pass', email: 'bobby@example.com' });
    const chain = await buildImageChain(2, { seed: 'request-paths' });
    const file = path.join(dir.path, 'app.tar');
    await writeFixtureSave(file, chain, 'alice/app', 'latest');
    await alice.push(`${host}/alice/app`, file);
    await alice.pull(`${host}/alice/app`, { to: path.join(dir.path, 'pulled.tar') });
    await bob.pull(`${host}/alice/app`, { to: path.join(dir.path, 'bob.tar') });
    await alice.tags(`${host}/alice/app`);
    await alice.search('app');
    await alice.search('');
    for (const page of ['/', '/search?q=app', '/r/alice/app', '/u/alice', '/login', '/signup']) {
      const res = await fetch(`${index.url}${page}`, { headers: { Accept: 'text/html' } });
      expect(res.status, page).to.equal(200);
      await res.arrayBuffer();
    }
    await alice.updateRepository(`${host}/alice/app`, { description: 'an app', private: true });
    await alice.setCollaborator(`${host}/alice/app`, 'bobby', true);
    await bob.setStar(`${host}/alice/app`, true);
    await alice.repositoryInfo(`${host}/alice/app`);
    await alice.createOrganization('acme');
    await alice.setOrganizationMember('acme', 'bobby', true);
    await alice.organization('acme');
    await alice.addWebhook(`${host}/alice/app`, { url: 'http://127.0.0.1:9/hook' });
    await alice.webhooks(`${host}/alice/app`);
    await alice.deleteRepository(`${host}/alice/app`);
    const after = await commandCalls(admin);
    const delta = (command: string) => (after.get(command) ?? 0) - (before.get(command) ?? 0);
    expect(delta('keys'), 'KEYS calls').to.equal(0);
    expect(delta('scan'), 'SCAN calls').to.equal(0);
    expect(delta('evalsha') + delta('hgetall'), 'the workflows did reach Redis').to.be.greaterThan(0);
  });

  it('answers a search of 3 characters or more from the search index, never listing the repositories', async () => {
    const many = createV1Client({ indexUrl: index.url, retry: { baseDelayMs: 10 } });
    await many.login({ username: 'carol', password: 'carol-pass', email: 'carol@example.com' });
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${index.url}/v1/repositories/carol/filler${i}/`, { method: 'PUT', headers: { Authorization: `Basic ${Buffer.from('carol:carol-pass').toString('base64')}`, 'Content-Type': 'application/json' }, body: '[]' });
      expect(res.status).to.equal(200);
    }
    const before = await commandCalls(admin);
    const found = await many.search('filler1');
    const after = await commandCalls(admin);
    expect(found.results.map((r) => r.name).sort()).to.deep.equal(['carol/filler1', 'carol/filler10', 'carol/filler11', 'carol/filler12', 'carol/filler13', 'carol/filler14', 'carol/filler15', 'carol/filler16', 'carol/filler17', 'carol/filler18', 'carol/filler19']);
    const delta = (command: string) => (after.get(command) ?? 0) - (before.get(command) ?? 0);
    expect(delta('zrange'), 'ZRANGE of the repository index').to.equal(0);
    expect(delta('hgetall'), 'records read: the 11 matches and the caller\'s account').to.be.at.most(12);
  });
});
