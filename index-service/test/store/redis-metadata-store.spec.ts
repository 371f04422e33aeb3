// The Redis store against a real redis-server: the throwaway one the harness starts (or REDIS_URL when
// set), one key prefix per test so nothing is shared, and that prefix removed afterwards.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { freePort, requireRedisServer, startRedisCluster, startRedisServer, type RedisClusterTopology, type RedisServer } from '@v1hub/shared/testing';
import { StoreUnavailableError, type MetadataStore } from '../../src/store/metadata-store.js';
import { parseMetadataUrl, type RedisTarget } from '../../src/store/metadata-url.js';
import { openRedisMetadataStore, type RedisMetadataStoreOptions } from '../../src/store/redis/redis-metadata-store.js';
import { metadataStoreContract, repository, token, user } from '../contracts/metadata-store.contract.js';

const RUN = randomBytes(4).toString('hex');
let nextPrefix = 0;

function redisTarget(url: string): RedisTarget {
  const parsed = parseMetadataUrl(url);
  if (!parsed.ok || parsed.value.kind !== 'redis') throw new Error(`not a Redis URL: ${url}`);
  return parsed.value;
}

/** Deletes every key under `prefix` (SCAN is fine here: this is test cleanup, not the store). */
async function deletePrefix(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** `INFO commandstats` as command → calls. */
async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] ?? '', Number(match[2]));
  return calls;
}

async function eventually(check: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (err) {
      if (Date.now() - started > timeoutMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('RedisMetadataStore', function () {
  let server: RedisServer | undefined;
  let target: RedisTarget;
  let admin: Redis;

  before(async function () {
    const url = process.env.REDIS_URL;
    if (url === undefined || url === '') {
      requireRedisServer(this);
      server = await startRedisServer();
    }
    const serverUrl = url || (server as RedisServer).url;
    target = redisTarget(serverUrl);
    admin = new Redis(serverUrl, { lazyConnect: true });
    await admin.connect();
  });

  after(async function () {
    admin?.disconnect();
    await server?.stop();
  });

  async function openStore(options: RedisMetadataStoreOptions = {}) {
    const keyPrefix = `v1hub-test:${RUN}:${(nextPrefix += 1)}:`;
    const store = await openRedisMetadataStore(target, { ...options, keyPrefix });
    return {
      store,
      keyPrefix,
      dispose: async () => {
        await store.close();
        await deletePrefix(admin, keyPrefix);
      },
    };
  }

  metadataStoreContract('redis', (options) => openStore(options));

  describe('token path', function () {
    it('finds tokens by key: no KEYS or SCAN, one GET per lookup', async function () {
      const { store, dispose } = await openStore();
      try {
        await store.repositories.create(repository('alice', 'app'));
        const before = await commandCalls(admin);
        const signatures = Array.from({ length: 50 }, (_, i) => `sig-${i}`);
        for (const sig of signatures) await store.tokens.save(token('alice/app', sig));
        for (const sig of signatures) expect(await store.tokens.get('alice/app', sig)).to.not.equal(null);
        await store.tokens.delete('alice/app', 'sig-0');
        expect(await store.tokens.revokeAll('alice/app')).to.equal(49);
        await store.tokens.save(token('alice/app', 'sig-again'));
        await store.repositories.delete('alice', 'app');
        const after = await commandCalls(admin);
        const delta = (command: string) => (after.get(command) ?? 0) - (before.get(command) ?? 0);
        expect(delta('keys'), 'KEYS calls').to.equal(0);
        expect(delta('scan'), 'SCAN calls').to.equal(0);
        expect(delta('get'), 'GET calls').to.equal(signatures.length);
      } finally {
        await dispose();
      }
    });
  });

  describe('with --metadata-replicas and no replica to confirm', function () {
    it('refuses an acknowledged write (503 material), while an audit append, which nobody waits on, is not held', async function () {
      this.timeout(10_000);
      const { store, dispose } = await openStore({ replicas: 1 });
      try {
        const refused = await store.users.create(user('alice')).then(() => null, (err: unknown) => err);
        expect(refused, 'WAIT 1 finds no replica').to.be.instanceOf(StoreUnavailableError);
        const before = await commandCalls(admin);
        await store.audit.append({ time: 1, kind: 'token-issued', user: 'alice', repository: 'alice/app', access: 'read', result: 'granted', token: 'abc' });
        const waits = ((await commandCalls(admin)).get('wait') ?? 0) - (before.get('wait') ?? 0);
        expect(waits, 'WAIT calls after the audit append').to.equal(0);
        expect((await store.audit.list(10)).map((e) => e.token)).to.deep.equal(['abc']);
      } finally {
        await dispose();
      }
    });
  });

  describe('when Redis goes away', function () {
    let outage: RedisServer;
    let store: MetadataStore;

    before(async function () {
      requireRedisServer(this);
      outage = await startRedisServer();
      store = await openRedisMetadataStore(redisTarget(outage.url), { keyPrefix: `v1hub-test:${RUN}:outage:` });
    });

    after(async function () {
      await store?.close();
      await outage?.stop();
    });

    // The outage tests check which mechanism failed the call, not how long it took: a wall-clock bound
    // would be a timed assertion on a noisy machine, and a hang meets the suite timeout anyway.
    it('rejects StoreUnavailableError at once (nothing queued) and recovers by itself when Redis is back', async function () {
      await store.users.count();
      await outage.kill();
      let failure: unknown;
      try {
        await store.users.count();
      } catch (err) {
        failure = err;
      }
      expect(failure).to.be.instanceOf(StoreUnavailableError);
      expect((failure as Error).message, 'refused, not left to time out').not.to.match(/timed out/i);
      expect(await store.ping().then(() => 'up', (err: unknown) => err)).to.be.instanceOf(StoreUnavailableError);

      await outage.restart();
      await eventually(() => store.users.count(), 5_000);
      await store.repositories.create(repository('alice', 'app'));
      expect(await store.repositories.get('alice', 'app')).to.not.equal(null);
    });

    it('rejects StoreUnavailableError by the command timeout while Redis is frozen, then carries on', async function () {
      const probe = new Redis(outage.url);
      const info = await probe.info('server').finally(() => probe.disconnect());
      const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
      expect(pid).to.be.greaterThan(0);
      process.kill(pid, 'SIGSTOP');
      try {
        const failure = await store.users.count().then(
          () => null,
          (err: unknown) => err,
        );
        expect(failure).to.be.instanceOf(StoreUnavailableError);
        expect((failure as Error).message).to.equal('Redis: Command timed out');
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await eventually(() => store.users.count(), 5_000);
    });

    it('rejects StoreUnavailableError when opened while nothing answers', async function () {
      const port = await freePort();
      let failure: unknown;
      try {
        await openRedisMetadataStore(redisTarget(`redis://127.0.0.1:${port}`), { readyWaitMs: 500 });
      } catch (err) {
        failure = err;
      }
      expect(failure).to.be.instanceOf(StoreUnavailableError);
      expect((failure as Error).message).to.include('did not answer within 500 ms');
    });
  });
});

describe('RedisMetadataStore on a 3-master Redis Cluster', function () {
  let cluster: RedisClusterTopology | undefined;

  before(async function () {
    requireRedisServer(this);
    this.timeout(60_000);
    cluster = await startRedisCluster(3);
  });

  after(async function () {
    await cluster?.stop();
  });

  it('spreads the store over every master (keys hash-tagged per record, not all on one slot)', async function () {
    const { url, masters } = cluster as RedisClusterTopology;
    const store = await openRedisMetadataStore(redisTarget(url), { keyPrefix: `v1hub-test:${RUN}:spread:` });
    try {
      for (let i = 0; i < 30; i++) await store.repositories.create(repository('alice', `app${i}`));
    } finally {
      await store.close();
    }
    const sizes = await Promise.all(masters.map(async (m) => {
      const node = new Redis({ host: '127.0.0.1', port: m.port, lazyConnect: true });
      await node.connect();
      try {
        return await node.dbsize();
      } finally {
        node.disconnect();
      }
    }));
    for (const size of sizes) expect(size, `keys per master: ${sizes.join(', ')}`).to.be.greaterThan(0);
  });

  // Keys are not cleaned up one by one: the nodes and their directories go away in `after`.
  metadataStoreContract('redis+cluster', async (options) => {
    const store = await openRedisMetadataStore(redisTarget((cluster as RedisClusterTopology).url), { ...options, keyPrefix: `v1hub-test:${RUN}:${(nextPrefix += 1)}:` });
    return { store, dispose: () => store.close() };
  });
});
