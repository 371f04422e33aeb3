/**
 * The true/false exchange over HTTP (issue #4: issuing and validating stay as fast with tens of thousands of
 * live tokens as with ten). A real Index (in-process, on a free port) is asked `GET …/images` with a forwarded
 * `Authorization: Token …` by 16 concurrent callers, first with 10 live tokens (the baseline), then with 20 000.
 *
 * Then the count that matters for issue 10: how many Index calls (validations, I12) a registry makes per
 * pulled image, for a 3-image chain pushed and pulled through a real registry in index mode.
 *
 *   node --import tsx --conditions=@v1hub/source bench/token-validation-bench.ts [memory|file:DIR|redis://…]
 */
import { formatBasic, formatToken } from '@v1hub/shared';
import { buildImageChain } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService } from '@v1hub/index-service';
import { loadRegistryConfig, startRegistryService, type IndexCall } from '@v1hub/registry-service';

const metadata = process.argv[2] ?? 'memory';
const CONCURRENCY = 16;
const SECONDS = 3;

const index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata, adminPassword: 'bench-admin', keyPrefix: `bench${process.pid}:` } }), { kdf: { N: 1024, r: 8, p: 1 } });
const base = index.url;
await fetch(`${base}/v1/users/`, { method: 'POST', body: JSON.stringify({ username: 'bench', password: 'password1', email: 'bench@example.com' }) });
await fetch(`${base}/v1/repositories/bench/app/`, { method: 'PUT', headers: { Authorization: formatBasic('bench', 'password1') }, body: '[]' });

async function issue(n: number): Promise<string[]> {
  const values: string[] = [];
  for (let i = 0; i < n; i++) values.push((await index.deps.tokens.issue({ user: 'bench', repo: { namespace: 'bench', repository: 'app' }, access: 'read' })).value);
  return values;
}

async function measure(tokens: readonly string[], valid: boolean): Promise<{ rps: number; p50: number; p99: number }> {
  const deadline = performance.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let i = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const value = tokens[i++ % tokens.length] as string;
      // An unknown signature: the real one with its first hex digit changed.
      const auth = valid ? value : formatToken({ signature: `${value[10] === '0' ? '1' : '0'}${value.slice(11, 50)}`, repository: 'bench/app', access: 'read' });
      const t0 = performance.now();
      const res = await fetch(`${base}/v1/repositories/bench/app/images`, { headers: { Authorization: `Token ${auth}` } });
      await res.arrayBuffer();
      if ((res.status === 200) !== valid) throw new Error(`unexpected ${res.status}`);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (f: number) => latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))] as number;
  return { rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99) };
}

const rows: [string, Awaited<ReturnType<typeof measure>>][] = [];
const few = await issue(10);
// Warm-up (JIT, connection pool) so the baseline is not penalised for going first.
await measure(few, true);
rows.push(['10 live tokens, valid (baseline)', await measure(few, true)]);
rows.push(['10 live tokens, invalid', await measure(few, false)]);
const many = [...few, ...(await issue(20_000 - 10))];
rows.push(['20 000 live tokens, valid', await measure(many, true)]);
rows.push(['20 000 live tokens, invalid', await measure(many, false)]);

/** Pushes a chain through a registry, then pulls it as Docker 1.x does; counts the registry's Index calls. */
async function indexCallsPerPull(): Promise<{ images: number; validations: number; layerAccess: number }> {
  const calls: IndexCall[] = [];
  const registry = await startRegistryService(loadRegistryConfig({ flags: { port: 0, storage: 'memory', index: base } }), { onIndexCall: (c) => calls.push(c) });
  try {
    const chain = await buildImageChain(3, { seed: `bench-pull-${process.pid}` });
    const basic = formatBasic('bench', 'password1');
    const allocated = await fetch(`${base}/v1/repositories/bench/pulled/`, { method: 'PUT', headers: { Authorization: basic, 'X-Docker-Token': 'true' }, body: JSON.stringify(chain.map((i) => ({ id: i.id }))) });
    const write = { Authorization: `Token ${allocated.headers.get('x-docker-token')}` };
    for (const img of chain) {
      await (await fetch(`${registry.url}/v1/images/${img.id}/json`, { method: 'PUT', headers: write, body: img.json })).arrayBuffer();
      await (await fetch(`${registry.url}/v1/images/${img.id}/layer`, { method: 'PUT', headers: write, body: img.layer })).arrayBuffer();
      await (await fetch(`${registry.url}/v1/images/${img.id}/checksum`, { method: 'PUT', headers: { ...write, 'X-Docker-Checksum-Payload': img.payload } })).arrayBuffer();
    }
    const top = chain.at(-1)?.id as string;
    await (await fetch(`${registry.url}/v1/repositories/bench/pulled/tags/latest`, { method: 'PUT', headers: write, body: JSON.stringify(top) })).arrayBuffer();
    await (await fetch(`${base}/v1/repositories/bench/pulled/images`, { method: 'PUT', headers: { Authorization: basic }, body: '[]' })).arrayBuffer();
    const issued = await fetch(`${base}/v1/repositories/bench/pulled/images`, { headers: { 'X-Docker-Token': 'true' } });
    const read = { Authorization: `Token ${issued.headers.get('x-docker-token')}` };
    calls.length = 0;
    // §6.2: tags, ancestry, then json and layer of every ancestor.
    const paths = ['/v1/repositories/bench/pulled/tags', `/v1/images/${top}/ancestry`, ...chain.flatMap((i) => [`/v1/images/${i.id}/json`, `/v1/images/${i.id}/layer`])];
    for (const path of paths) {
      const res = await fetch(`${registry.url}${path}`, { headers: read });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`pull ${path}: ${res.status}`);
    }
    return { images: chain.length, validations: calls.filter((c) => c.route === 'getRepositoryImages').length, layerAccess: calls.filter((c) => c.route === 'getLayerAccess').length };
  } finally {
    await registry.close();
  }
}
const pull = await indexCallsPerPull();
await index.close();

const baseline = rows[0]?.[1].rps ?? 1;
process.stdout.write(`Index token validation over HTTP, metadata ${metadata}, ${CONCURRENCY} concurrent callers, ${SECONDS} s each\n`);
process.stdout.write(`${'case'.padEnd(36)} ${'req/s'.padStart(8)} ${'vs base'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`);
for (const [name, r] of rows) {
  process.stdout.write(`${name.padEnd(36)} ${r.rps.toFixed(0).padStart(8)} ${`${(r.rps / baseline).toFixed(2)}x`.padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}\n`);
}
process.stdout.write(`\nPull of a ${pull.images}-image chain through a registry (tags, ancestry, json and layer of each image):\n`);
process.stdout.write(`  registry → Index validations: ${pull.validations} (${(pull.validations / pull.images).toFixed(2)} per image); I12 layer-access calls: ${pull.layerAccess}\n`);
