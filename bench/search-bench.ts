// Search latency at 100 and at 100 000 repositories, in one run, on Redis (the backend meant for scale).
//
//   npm run bench:search [-- --large 100000 --queries 300 --record]
//
// Two Indexes share one throwaway redis-server under two key prefixes: one holds 100 repositories, the other
// 100 000. Both hold the same ten "needle" repositories, and `GET /v1/search?q=needle` finds exactly those
// ten. The median latency of that query at 100 000 ÷ at 100 is the ratio (target ≤ 2): search must cost the
// matches, not the repositories. Beside it, the time to list every repository of the large store once (what
// each query cost before the search index). Rounds alternate between the two Indexes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import { redisServerAvailable, startRedisServer, REDIS_INSTALL_COMMAND } from '@v1hub/shared/testing';
import { parseMetadataUrl, type RedisTarget } from '../index-service/src/store/metadata-url.js';
import { openRedisMetadataStore } from '../index-service/src/store/redis/redis-metadata-store.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
};
const SMALL = 100;
const LARGE = Number(option('large', '100000'));
const QUERIES = Number(option('queries', '300'));
const ROUNDS = 3;
const NEEDLES = 10;
const WORDS = ['web', 'server', 'tool', 'base', 'image', 'node', 'python', 'alpine', 'debian', 'proxy', 'cache', 'queue', 'worker', 'build', 'test'];

async function populate(target: RedisTarget, keyPrefix: string, count: number): Promise<void> {
  const store = await openRedisMetadataStore(target, { keyPrefix });
  try {
    const now = Date.now();
    const create = (namespace: string, repository: string, description: string) =>
      store.repositories.create({ namespace, repository, owner: namespace, private: false, description, collaborators: [], deletePending: false, createdAt: now, updatedAt: now });
    for (let i = 0; i < NEEDLES; i++) await create('haystack', `needle${i}`, 'the one you are looking for');
    const batch = 500;
    for (let start = 0; start < count - NEEDLES; start += batch) {
      const jobs: Promise<unknown>[] = [];
      for (let i = start; i < Math.min(start + batch, count - NEEDLES); i++) {
        const description = `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} for team ${i % 997}`;
        jobs.push(create(`team${i % 997}`, `repo${i}`, description));
      }
      await Promise.all(jobs);
    }
  } finally {
    await store.close();
  }
}

async function medianLatencyMs(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const started = process.hrtime.bigint();
    const res = await fetch(url);
    const body = (await res.json()) as { num_results: number };
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (body.num_results !== NEEDLES) throw new Error(`${url}: ${body.num_results} results, expected ${NEEDLES}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);
const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] as number, median: sorted[Math.floor(sorted.length / 2)] as number, max: sorted[sorted.length - 1] as number };
};

async function main(): Promise<void> {
  if (!redisServerAvailable()) throw new Error(`redis-server is needed: ${REDIS_INSTALL_COMMAND}`);
  const redis = await startRedisServer();
  const parsed = parseMetadataUrl(redis.url);
  if (!parsed.ok || parsed.value.kind !== 'redis') throw new Error('bad Redis URL');
  const target = parsed.value;
  const indexes: RunningIndex[] = [];
  try {
    const fill = process.hrtime.bigint();
    await populate(target, 'bench-small:', SMALL);
    await populate(target, 'bench-large:', LARGE);
    process.stdout.write(`populated ${SMALL} + ${LARGE} repositories in ${fmt(Number(process.hrtime.bigint() - fill) / 1e9, 1)} s\n`);
    for (const keyPrefix of ['bench-small:', 'bench-large:']) {
      indexes.push(await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: redis.url, keyPrefix, adminPassword: 'bench-admin', logLevel: 'warn' } }), { kdf: { N: 1024, r: 8, p: 1 } }));
    }
    const [small, large] = indexes as [RunningIndex, RunningIndex];
    const query = '/v1/search?q=needle&n=25';
    await medianLatencyMs(`${small.url}${query}`);
    await medianLatencyMs(`${large.url}${query}`);
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const);
      for (const which of order) (which === 'small' ? smallMs : largeMs).push(await medianLatencyMs(`${(which === 'small' ? small : large).url}${query}`));
    }
    const listStore = await openRedisMetadataStore(target, { keyPrefix: 'bench-large:' });
    const listMs: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const started = process.hrtime.bigint();
        const all = await listStore.repositories.listAll();
        listMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (all.length !== LARGE) throw new Error(`listed ${all.length}, expected ${LARGE}`);
      }
    } finally {
      await listStore.close();
    }
    const ratio = spread(largeMs.map((ms, i) => ms / (smallMs[i] as number)));
    const table = [
      '| measure | figure (min / median / max) | target | met |',
      '|---|---|---|---|',
      `| search latency, ${SMALL} repositories (median of ${QUERIES} queries) | ${fmt(spread(smallMs).min)} / ${fmt(spread(smallMs).median)} / ${fmt(spread(smallMs).max)} ms | – | – |`,
      `| search latency, ${LARGE} repositories | ${fmt(spread(largeMs).min)} / ${fmt(spread(largeMs).median)} / ${fmt(spread(largeMs).max)} ms | – | – |`,
      `| ratio, ${LARGE} ÷ ${SMALL} | ${fmt(ratio.min)} / ${fmt(ratio.median)} / ${fmt(ratio.max)} | ≤ 2 | ${ratio.median <= 2 ? 'yes' : 'NO'} |`,
      `| listing all ${LARGE} repositories once (listAll, what every query read before) | ${fmt(spread(listMs).min, 0)} / ${fmt(spread(listMs).median, 0)} / ${fmt(spread(listMs).max, 0)} ms | – | – |`,
    ].join('\n');
    process.stdout.write(`\n${table}\n\n${ROUNDS} rounds, alternated; the query finds the same ${NEEDLES} repositories in both stores.\n`);
    if (process.argv.includes('--record')) {
      const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
      fs.appendFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), `\n## ${new Date().toISOString().slice(0, 10)} — \`npm run bench:search\` at ${commit}\n\nMachine: ${os.availableParallelism()} cores (\`nproc\`), ${cpu}; Redis ${redis.url.replace(/:\d+$/, '')} on loopback.\n\n${table}\n`);
    }
  } finally {
    for (const index of indexes) await index.close();
    await redis.stop();
  }
}

await main();
