// Token store throughput with few and with many live tokens, on every metadata backend.
//
//   node --import tsx --conditions=@v1hub/source bench/token-store-bench.ts
//
// A token lookup must cost the same whether 10 or 20 000 tokens are live (it is one key lookup, never a
// scan; a peer index slowed tenfold at 20k tokens by walking its keyspace). For each backend this saves
// and looks up tokens for a fixed time with 10 and then 20 000 live tokens and prints ops/s side by side;
// "vs 10" is the ratio to the 10-token run in this process, so ~1.0x means the cost does not grow.
// Redis runs against a throwaway redis-server started through the test harness (skipped if missing).
import { randomBytes } from 'node:crypto';
import { makeTempDir, redisServerAvailable, startRedisServer, REDIS_INSTALL_COMMAND, type RedisServer } from '@v1hub/shared/testing';
import { openFileMetadataStore } from '../index-service/src/store/file/file-metadata-store.js';
import { MemoryMetadataStore } from '../index-service/src/store/memory/memory-metadata-store.js';
import type { MetadataStore, TokenRecord } from '../index-service/src/store/metadata-store.js';
import { parseMetadataUrl } from '../index-service/src/store/metadata-url.js';
import { openRedisMetadataStore } from '../index-service/src/store/redis/redis-metadata-store.js';

const LIVE_COUNTS = [10, 20_000] as const;
const REPOSITORIES = 10;
const WINDOW_MS = 1_000;
/** Requests in flight at once, like a registry validating tokens for parallel layer pulls. */
const CONCURRENCY = 16;
const PRELOAD_CONCURRENCY = 64;

interface Opened {
  readonly store: MetadataStore;
  dispose(): Promise<void>;
}

interface Backend {
  readonly name: string;
  open(): Promise<Opened>;
}

interface Result {
  readonly backend: string;
  readonly live: number;
  readonly preloadMs: number;
  readonly savePerSecond: number;
  readonly getPerSecond: number;
}

function tokenFor(index: number): TokenRecord {
  const now = Date.now();
  return {
    signature: `${index.toString(16).padStart(8, '0')}${randomBytes(12).toString('hex')}`,
    repository: `bench/repo${index % REPOSITORIES}`,
    access: 'read',
    user: 'bench',
    issuedAt: now,
    expiresAt: now + 3_600_000,
  };
}

/** Runs `op` from `workers` loops until `ms` have passed; returns completed ops per second. */
async function rate(ms: number, workers: number, op: (i: number) => Promise<void>): Promise<number> {
  let done = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        await op(done);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1_000);
}

async function forEachConcurrently<T>(items: readonly T[], workers: number, op: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await op(item);
      }
    }),
  );
}

async function measure(backend: Backend, live: number): Promise<Result> {
  const { store, dispose } = await backend.open();
  try {
    for (let r = 0; r < REPOSITORIES; r += 1) {
      await store.repositories.create({
        namespace: 'bench',
        repository: `repo${r}`,
        owner: 'bench',
        private: false,
        description: '',
        collaborators: [],
        deletePending: false,
        createdAt: 0,
        updatedAt: 0,
      });
    }
    const tokens = Array.from({ length: live }, (_, i) => tokenFor(i));
    const preloadStarted = performance.now();
    await forEachConcurrently(tokens, PRELOAD_CONCURRENCY, (token) => store.tokens.save(token));
    const preloadMs = performance.now() - preloadStarted;
    const pick = () => tokens[Math.floor(Math.random() * tokens.length)] as TokenRecord;
    // Re-saving live tokens keeps the live count fixed while measuring saves.
    const savePerSecond = await rate(WINDOW_MS, CONCURRENCY, async () => {
      await store.tokens.save({ ...pick(), expiresAt: Date.now() + 3_600_000 });
    });
    const getPerSecond = await rate(WINDOW_MS, CONCURRENCY, async () => {
      const token = pick();
      if ((await store.tokens.get(token.repository, token.signature)) === null) throw new Error(`token ${token.signature} went missing`);
    });
    return { backend: backend.name, live, preloadMs, savePerSecond, getPerSecond };
  } finally {
    await dispose();
  }
}

function backends(redis: RedisServer | null): Backend[] {
  const list: Backend[] = [
    {
      name: 'memory',
      open: async () => {
        const store = new MemoryMetadataStore();
        return { store, dispose: () => store.close() };
      },
    },
    {
      name: 'file',
      open: async () => {
        const dir = await makeTempDir('v1hub-bench-file');
        const store = await openFileMetadataStore(dir.path);
        return {
          store,
          dispose: async () => {
            await store.close();
            await dir.remove();
          },
        };
      },
    },
  ];
  if (redis !== null) {
    const parsed = parseMetadataUrl(redis.url);
    if (!parsed.ok || parsed.value.kind !== 'redis') throw new Error(`unexpected harness URL ${redis.url}`);
    const target = parsed.value;
    let run = 0;
    list.push({
      name: 'redis',
      open: async () => {
        const store = await openRedisMetadataStore(target, { keyPrefix: `bench:${(run += 1)}:` });
        return { store, dispose: () => store.close() };
      },
    });
  }
  return list;
}

function print(results: readonly Result[]): void {
  const header = ['backend', 'live tokens', 'preload', 'save ops/s', 'vs 10', 'get ops/s', 'vs 10'];
  const rows = results.map((result) => {
    const baseline = results.find((r) => r.backend === result.backend && r.live === LIVE_COUNTS[0]) ?? result;
    return [
      result.backend,
      result.live.toLocaleString('en-US'),
      `${Math.round(result.preloadMs)} ms`,
      Math.round(result.savePerSecond).toLocaleString('en-US'),
      `${(result.savePerSecond / baseline.savePerSecond).toFixed(2)}x`,
      Math.round(result.getPerSecond).toLocaleString('en-US'),
      `${(result.getPerSecond / baseline.getPerSecond).toFixed(2)}x`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  let redis: RedisServer | null = null;
  if (redisServerAvailable()) redis = await startRedisServer();
  else console.warn(`redis-server not found; skipping the Redis rows (install it with \`${REDIS_INSTALL_COMMAND}\`)`);
  try {
    const results: Result[] = [];
    for (const backend of backends(redis)) {
      for (const live of LIVE_COUNTS) {
        const result = await measure(backend, live);
        console.log(`  measured ${backend.name} with ${live} live tokens`);
        results.push(result);
      }
    }
    console.log(`\nToken store: ${CONCURRENCY} concurrent callers, ${WINDOW_MS} ms per measurement, tokens over ${REPOSITORIES} repositories\n`);
    print(results);
  } finally {
    await redis?.stop();
  }
}

await main();
