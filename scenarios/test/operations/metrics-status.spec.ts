/**
 * Issue #15, metrics and health, against real services: `/metrics` scraped before and after a pull counts its
 * validations and its layer bytes, by route name (never a raw path); `/_status` names the failing dependency
 * with a 503 — Redis stopped under the Index, the Index stopped under a registry — and is 200 again once it is back.
 */
import { expect } from 'chai';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import { loadRegistryConfig, startRegistryService, type RunningRegistry } from '@v1hub/registry-service';
import { createV1Client, type V1Client } from '@v1hub/shared/client';
import { CENTOS_TAG, CENTOS_TAR, freePort, makeTempDir, requireRedisServer, startRedisServer, type RedisServer, type TempDir } from '@v1hub/shared/testing';

const TEST_KDF = { N: 1024, r: 8, p: 1 };

/** One sample's value from a Prometheus text exposition (0 when the series is absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).to.equal(200);
  expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('Operations: /metrics and /_status (real services)', function () {
  this.timeout(60_000);
  let index: RunningIndex;
  let registry: RunningRegistry;
  let alice: V1Client;
  let dir: TempDir;
  let host: string;

  before(async () => {
    dir = await makeTempDir('v1hub-ops-');
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}` } }), { kdf: TEST_KDF });
    registry = await startRegistryService(loadRegistryConfig({ flags: { port: registryPort, storage: 'memory', index: index.url } }));
    host = new URL(index.url).host;
    alice = createV1Client({ indexUrl: index.url, retry: { baseDelayMs: 10 } });
    await alice.login({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
    await alice.push(`${host}/alice/centos`, CENTOS_TAR);
  });
  after(async () => {
    alice?.close();
    await registry?.close(1000);
    await index?.close(1000);
    await dir?.remove();
  });

  it('counts a pull\'s validations, tokens and layer bytes, by route name', async () => {
    const [indexBefore, registryBefore] = [await scrape(index.url), await scrape(registry.url)];
    const pulled = await alice.pull(`${host}/alice/centos:${CENTOS_TAG}`, { to: `${dir.path}/centos.tar` });
    const [indexAfter, registryAfter] = [await scrape(index.url), await scrape(registry.url)];
    const delta = (before: string, after: string, name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    // Every registry request of the pull was validated with the Index, and every one said true.
    const registryRequests = delta(registryBefore, registryAfter, 'v1hub_http_requests_total', { service: 'registry' }) - 1; // the first scrape itself
    const validations = delta(indexBefore, indexAfter, 'v1hub_token_validations_total', { result: 'true' });
    expect(validations).to.be.at.least(registryRequests - 1).and.greaterThan(0);
    expect(delta(indexBefore, indexAfter, 'v1hub_token_validations_total', { result: 'false' })).to.equal(0);
    expect(delta(indexBefore, indexAfter, 'v1hub_tokens_issued_total', { access: 'read' })).to.equal(1);
    expect(delta(registryBefore, registryAfter, 'v1hub_index_validation_duration_seconds_count')).to.be.at.least(validations);
    // The layer bytes sent are the pulled image's layers, exactly.
    const layerBytes = pulled.images.reduce((sum, image) => sum + image.layerBytes, 0);
    expect(layerBytes).to.be.greaterThan(0);
    expect(delta(registryBefore, registryAfter, 'v1hub_layer_bytes_total', { direction: 'out' })).to.equal(layerBytes);
    expect(delta(registryBefore, registryAfter, 'v1hub_http_requests_total', { route: 'getImageLayer', method: 'GET', status: '200' })).to.equal(pulled.images.filter((i) => i.layerBytes > 0).length);
    expect(delta(indexBefore, indexAfter, 'v1hub_http_requests_total', { route: 'getRepositoryImages', status: '200' })).to.be.at.least(1);
    // Route names, never raw paths: no image id or repository name is a label value.
    for (const text of [indexAfter, registryAfter]) {
      expect(text).not.to.match(/route="[^"]*\//);
      expect(text).not.to.match(/[0-9a-f]{64}/);
      expect(text).to.include('process_cpu_seconds_total');
    }
    expect(sample(registryAfter, 'v1hub_layer_bytes_total', { direction: 'in' })).to.be.greaterThan(0);
  });

  it('a registry\'s /_status names the Index when it is down, and keeps docker-registry\'s keys', async () => {
    const ok = await fetch(`${registry.url}/_status`);
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.include({ status: 'ok', services: ['storage', 'index'], failures: {} });
    const lonely = await startRegistryService(loadRegistryConfig({ flags: { port: 0, storage: 'memory', index: `http://127.0.0.1:${await freePort()}`, indexTimeout: 500 } }));
    try {
      const down = await fetch(`${lonely.url}/_status`);
      expect(down.status).to.equal(503);
      const body = (await down.json()) as { status: string; checks: Record<string, { status: string; error?: string }>; failures: Record<string, string> };
      expect(body.status).to.equal('failing');
      expect(body.checks.storage?.status).to.equal('ok');
      expect(body.checks.index?.status).to.equal('failing');
      expect(Object.keys(body.failures)).to.deep.equal(['index']);
    } finally {
      await lonely.close(1000);
    }
  });

  describe('the Index on Redis', () => {
    let redis: RedisServer;
    let redisIndex: RunningIndex;

    before(async function () {
      requireRedisServer(this);
      redis = await startRedisServer({ persistence: true });
      redisIndex = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: redis.url, keyPrefix: `status-${process.pid}:`, adminPassword: 'admin-pass' } }), { kdf: TEST_KDF });
    });
    after(async () => {
      await redisIndex?.close(1000);
      await redis?.stop();
    });

    it('/_status is 503 naming the metadata store while Redis is stopped, and 200 once it is back; store errors are counted', async () => {
      const before = await fetch(`${redisIndex.url}/_status`);
      expect([before.status, ((await before.json()) as { status: string }).status]).to.deep.equal([200, 'ok']);
      const errorsBefore = sample(await scrape(redisIndex.url), 'v1hub_store_errors_total', { store: 'metadata' });
      await redis.kill();
      const down = await fetch(`${redisIndex.url}/_status`);
      expect(down.status).to.equal(503);
      const body = (await down.json()) as { checks: { metadata: { status: string; error: string } } };
      expect(body.checks.metadata.status).to.equal('failing');
      expect((await fetch(`${redisIndex.url}/v1/search?q=x`)).status).to.equal(503);
      expect(sample(await scrape(redisIndex.url), 'v1hub_store_errors_total', { store: 'metadata' })).to.equal(errorsBefore + 1);
      await redis.restart();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i += 1) {
        status = (await fetch(`${redisIndex.url}/_status`)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status).to.equal(200);
    });
  });
});
