// Mirror mode (§9 item 8) against real in-process servers: an upstream registry (standalone, or an Index +
// registry pair), a byte-level proxy in front of it (to count, cut and drop what passes), and the mirror.
// Ports of docker-registry's tests/test_mirrors.py name their peer test.
import { expect } from 'chai';
import { digestStream, formatBasic } from '@v1hub/shared';
import { buildImageChain, freePort, pseudoRandom, startTcpProxy, type TcpProxy } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import type { RunningRegistry } from '../../src/index.js';
import { errorOf, rawClient, startIndexedRegistry, startStandaloneRegistry } from '../support/test-registry.js';
import { buildTar } from '@v1hub/shared/testing';
import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';

type Raw = ReturnType<typeof rawClient>;

/** Pushes one image (json, layer, checksum) to a registry that checks nothing or takes `headers`. */
async function pushImage(reg: Raw, id: string, layer: Buffer, opts: { parent?: string; headers?: Record<string, string> } = {}): Promise<Buffer> {
  const json = Buffer.from(JSON.stringify({ id, ...(opts.parent ? { parent: opts.parent } : {}), created: '2014-02-03T16:47:06.615279788Z' }));
  const payload = (await digestStream([layer], { json, tarsumVersions: [] })).payload as string;
  const headers = opts.headers ?? {};
  expect((await reg('PUT', `/v1/images/${id}/json`, { headers, body: json })).status).to.equal(200);
  expect((await reg('PUT', `/v1/images/${id}/layer`, { headers, body: layer, chunked: true })).status).to.equal(200);
  expect((await reg('PUT', `/v1/images/${id}/checksum`, { headers: { ...headers, 'X-Docker-Checksum-Payload': payload } })).status).to.equal(200);
  return json;
}

async function startMirror(upstreamUrl: string, flags: Record<string, unknown> = {}): Promise<RunningRegistry> {
  const { startRegistryService, loadRegistryConfig } = await import('../../src/index.js');
  return startRegistryService(loadRegistryConfig({ flags: { port: 0, storage: 'memory', mirrorOf: upstreamUrl, indexTimeout: 2000, ...flags } }));
}

const layerRequests = (proxy: TcpProxy, id: string) => proxy.requests.filter((r) => r.line.startsWith(`GET /v1/images/${id}/layer `)).length;

describe('mirror of a standalone registry', function () {
  let upstream: RunningRegistry;
  let proxy: TcpProxy;
  let mirror: RunningRegistry;
  let up: Raw;
  let reg: Raw;
  const ID = 'cafebabe01451234';
  const LAYER = Buffer.from('abcdef0123456789xxxxxx=-//');

  before(async function () {
    upstream = await startStandaloneRegistry();
    proxy = await startTcpProxy(await freePort(), Number(new URL(upstream.url).port));
    mirror = await startMirror(`http://127.0.0.1:${proxy.port}`);
    up = rawClient(upstream.url);
    reg = rawClient(mirror.url);
    await pushImage(up, ID, LAYER);
    for (const tag of ['latest', '0.1.2']) expect((await up('PUT', `/v1/repositories/testing/test/tags/${tag}`, { body: JSON.stringify(ID) })).status).to.equal(200);
  });
  after(async function () {
    await mirror.close();
    await proxy.close();
    await upstream.close();
  });

  it('says "mirror" in its ping, so clients keep sending tokens (§9 item 8)', async function () {
    const r = await reg('GET', '/v1/_ping');
    expect(r.status).to.equal(200);
    expect(r.headers.get('x-docker-registry-standalone')).to.equal('mirror');
  });

  it('test_mirrors.test_source_lookup: layer, json and ancestry of an image held only upstream; an unknown id is a 404', async function () {
    const layer = await reg('GET', `/v1/images/${ID}/layer`);
    expect(layer.status).to.equal(200);
    expect(layer.text).to.equal('abcdef0123456789xxxxxx=-//');
    const json = await reg('GET', `/v1/images/${ID}/json`);
    expect(json.status).to.equal(200);
    expect(json.json).to.include({ id: ID, created: '2014-02-03T16:47:06.615279788Z' });
    const ancestry = await reg('GET', `/v1/images/${ID}/ancestry`);
    expect(ancestry.json).to.deep.equal([ID]);
    expect((await reg('GET', '/v1/images/doe587e8157/json')).status).to.equal(404);
    expect((await reg('GET', `/v1/images/${'d'.repeat(64)}/json`)).status).to.equal(404);
  });

  it('test_mirrors.test_source_lookup_tag: the tags of a repository held only upstream; an unknown repository is a 404', async function () {
    const tags = await reg('GET', '/v1/repositories/testing/test/tags');
    expect(tags.status).to.equal(200);
    expect(tags.json).to.deep.equal({ latest: ID, '0.1.2': ID });
    expect((await reg('GET', '/v1/repositories/testing/test/tags/0.1.2')).json).to.equal(ID);
    expect((await reg('GET', '/v1/repositories/testing/test/tags/nope')).status).to.equal(404);
    expect((await reg('GET', '/v1/repositories/testing/bogus/tags')).status).to.equal(404);
  });

  it('searches upstream, merged by name with what it holds', async function () {
    await up('PUT', `/v1/repositories/testing/upstream-only/tags/latest`, { body: JSON.stringify(ID) });
    await up('PUT', `/v1/repositories/testing/gone-upstream/tags/latest`, { body: JSON.stringify(ID) });
    expect((await reg('GET', '/v1/repositories/testing/gone-upstream/tags')).status).to.equal(200);
    expect((await up('DELETE', '/v1/repositories/testing/gone-upstream/')).status).to.equal(200);
    const names = (r: { json: unknown }) => (r.json as { results: Array<{ name: string }> }).results.map((x) => x.name);
    const found = await reg('GET', '/v1/search?q=testing');
    expect(found.status).to.equal(200);
    // Upstream lists the first two; the third is only held here (its tags were kept before upstream dropped it).
    expect(names(found)).to.have.members(['testing/test', 'testing/upstream-only', 'testing/gone-upstream']);
  });

  it('answers a tag asked with a trailing slash from the same kept tags', async function () {
    expect((await reg('GET', '/v1/repositories/testing/test/tags/latest/')).json).to.equal(ID);
  });

  it('refuses "." and ".." segments in a repository name (a proxy on the way could resolve them into another name)', async function () {
    // Sent with node:http, which (unlike fetch) sends the path as written, dot segments and all.
    const rawGet = (path: string) => new Promise<{ status: number; error: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: new URL(mirror.url).port, path }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, error: (JSON.parse(text) as { error: string }).error }));
      }).on('error', reject);
    });
    for (const path of ['/v1/repositories/evil/x/%2E%2E/%2E%2E/testing/test/tags', '/v1/repositories/evil/x/../../testing/test/tags', '/v1/repositories/evil/./test/tags', '/v1/repositories/evil/x/%2e%2e/json']) {
      const r = await rawGet(path);
      expect(r.status, path).to.equal(400);
      expect(r.error, path).to.match(/"\." and "\.\." segments are not mirrored$/);
    }
  });

  it('keeps what it fetched: with upstream gone, the image and the tags are still served; the rest is a 503 naming upstream', async function () {
    const before = layerRequests(proxy, ID);
    expect((await reg('GET', `/v1/images/${ID}/layer`)).text).to.equal(LAYER.toString());
    expect(layerRequests(proxy, ID), 'a held layer is not asked upstream').to.equal(before);
    await proxy.down();
    try {
      expect((await reg('GET', `/v1/images/${ID}/layer`)).text).to.equal(LAYER.toString());
      expect((await reg('GET', `/v1/images/${ID}/json`)).json).to.include({ id: ID });
      expect((await reg('GET', `/v1/images/${ID}/ancestry`)).json).to.deep.equal([ID]);
      expect((await reg('GET', '/v1/repositories/testing/test/tags')).json).to.deep.equal({ latest: ID, '0.1.2': ID });
      // Search falls back to what is held here: the repository whose tags were fetched.
      const held = (await reg('GET', '/v1/search?q=testing')).json as { num_results: number; results: Array<{ name: string }> };
      expect(held.num_results).to.equal(2);
      expect(held.results.map((r) => r.name)).to.have.members(['testing/test', 'testing/gone-upstream']);
      const missing = await reg('GET', `/v1/images/${'e'.repeat(64)}/json`);
      expect(missing.status).to.equal(503);
      expect(errorOf(missing)).to.match(new RegExp(`^Upstream http://127\\.0\\.0\\.1:${proxy.port} unavailable \\(ECONNREFUSED\\)`));
    } finally {
      proxy = await startTcpProxy(proxy.port, Number(new URL(upstream.url).port));
    }
  });

  it('refuses writes with a 405 naming the upstream', async function () {
    const r = await reg('PUT', `/v1/images/${'a'.repeat(64)}/json`, { body: '{}' });
    expect(r.status).to.equal(405);
    expect(errorOf(r)).to.equal(`This registry is a read-only mirror of http://127.0.0.1:${proxy.port}: push and delete there`);
    expect((await reg('DELETE', '/v1/repositories/testing/test/')).status).to.equal(405);
  });

  it('fetches a layer once for concurrent pulls, and streams it to the first while it is stored', async function () {
    const id = 'ab'.repeat(32);
    const layer = gzipSync(await buildTar([{ name: 'big.bin', content: pseudoRandom('big', 4 << 20) }]), { level: 0 });
    await pushImage(up, id, layer);
    const bodies = await Promise.all([1, 2, 3, 4].map(() => reg('GET', `/v1/images/${id}/layer`)));
    for (const b of bodies) {
      expect(b.status).to.equal(200);
      expect(b.body.equals(layer)).to.equal(true);
    }
    expect(layerRequests(proxy, id)).to.equal(1);
  });

  it('a client that goes away at any moment of a fetch blocks nobody: the next pull of the image completes', async function () {
    for (const [n, delayMs] of [0, 2, 10, 40].entries()) {
      const id = `${n}e`.repeat(32);
      const layer = gzipSync(await buildTar([{ name: 'big.bin', content: pseudoRandom(`leave-${n}`, 4 << 20) }]), { level: 0 });
      await pushImage(up, id, layer);
      const leaving = new AbortController();
      const left = fetch(`${mirror.url}/v1/images/${id}/layer`, { signal: leaving.signal }).then((r) => r.arrayBuffer()).catch(() => null);
      setTimeout(() => leaving.abort(), delayMs);
      await left;
      const next = await reg('GET', `/v1/images/${id}/layer`);
      expect(next.body.equals(layer), `abort after ${delayMs} ms`).to.equal(true);
    }
  });

  it('a client that stops reading slows nobody; it gets the rest from the stored copy when it reads again', async function () {
    const id = '5a'.repeat(32);
    const layer = gzipSync(await buildTar([{ name: 'big.bin', content: pseudoRandom('slow', 24 << 20) }]), { level: 0 });
    await pushImage(up, id, layer);
    const { port } = new URL(mirror.url);
    const slow = net.connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    const headSeen = new Promise<void>((resolve) => slow.once('data', (chunk: Buffer) => {
      received.push(chunk);
      slow.pause();
      resolve();
    }));
    slow.write(`GET /v1/images/${id}/layer HTTP/1.1\r\nHost: mirror\r\nConnection: close\r\n\r\n`);
    await headSeen;
    // Meanwhile another pull of the same image completes, though the first client reads nothing.
    const other = await reg('GET', `/v1/images/${id}/layer`);
    expect(other.body.equals(layer)).to.equal(true);
    const ended = new Promise<void>((resolve) => slow.once('end', () => resolve()));
    slow.on('data', (chunk: Buffer) => received.push(chunk));
    slow.resume();
    await ended;
    const whole = Buffer.concat(received);
    const body = whole.subarray(whole.indexOf('\r\n\r\n') + 4);
    expect(body.equals(layer)).to.equal(true);
  });

  it('upstream cut mid-layer: the client gets an error, nothing is kept; the next pull completes the cache', async function () {
    const id = 'cd'.repeat(32);
    const layer = gzipSync(await buildTar([{ name: 'big.bin', content: pseudoRandom('cut', 2 << 20) }]), { level: 0 });
    await pushImage(up, id, layer);
    const through = proxy.cutResponse(new RegExp(`^GET /v1/images/${id}/layer `), 1 << 20);
    const cut = await fetch(`${mirror.url}/v1/images/${id}/layer`).then(async (r) => ({ status: r.status, body: await r.arrayBuffer().then(() => 'complete', (e: Error) => `error: ${e.message}`) }));
    expect(await through).to.be.greaterThan(0).and.lessThan(layer.length);
    expect(cut.status).to.equal(200);
    expect(cut.body).to.match(/^error: /);
    // Nothing was kept: the next GET goes upstream again, and this time completes.
    const again = await reg('GET', `/v1/images/${id}/layer`);
    expect(again.body.equals(layer)).to.equal(true);
    expect(layerRequests(proxy, id)).to.equal(2);
    expect((await reg('GET', `/v1/images/${id}/layer`)).body.equals(layer)).to.equal(true);
    expect(layerRequests(proxy, id)).to.equal(2);
  });

  it('does not keep a layer that does not match the checksum upstream declared', async function () {
    const id = 'ef'.repeat(32);
    const layer = gzipSync(await buildTar([{ name: 'f', content: pseudoRandom('corrupt', 300_000) }]), { level: 0 });
    await pushImage(up, id, layer);
    proxy.corruptResponse(new RegExp(`^GET /v1/images/${id}/layer `), 1000);
    const corrupt = await fetch(`${mirror.url}/v1/images/${id}/layer`).then(async (r) => r.arrayBuffer().then(() => 'complete', () => 'error'));
    expect(corrupt).to.equal('error');
    expect((await reg('GET', `/v1/images/${id}/layer`)).body.equals(layer)).to.equal(true);
    expect(layerRequests(proxy, id)).to.equal(2);
  });
});

describe('mirror configuration', function () {
  it('refuses credentials in --mirror-of and --mirror-index, without echoing them', async function () {
    const { loadRegistryConfig } = await import('../../src/index.js');
    for (const flags of [{ mirrorOf: 'http://bob:s3cret@127.0.0.1:5001' }, { mirrorOf: 'http://127.0.0.1:5001', mirrorIndex: 'http://bob:s3cret@127.0.0.1:5000' }]) {
      let message = '';
      try {
        loadRegistryConfig({ flags: { storage: 'memory', ...flags } });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.include('must not carry credentials (user:password@)');
      expect(message).to.not.include('s3cret');
    }
  });
  it('takes exactly one of --index, --standalone and --mirror-of', async function () {
    const { loadRegistryConfig } = await import('../../src/index.js');
    expect(() => loadRegistryConfig({ flags: { storage: 'memory', standalone: true, mirrorOf: 'http://127.0.0.1:5001' } })).to.throw('--standalone and --mirror-of exclude each other: pick one');
    expect(() => loadRegistryConfig({ flags: { storage: 'memory', standalone: true, mirrorIndex: 'http://127.0.0.1:5000' } })).to.throw('--mirror-index needs --mirror-of URL');
  });
});

describe('mirror tags TTL (--mirror-tags-ttl)', function () {
  it('serves kept tags within the TTL, asks upstream after it, and serves kept tags past it while upstream is away', async function () {
    const upstream = await startStandaloneRegistry();
    const proxy = await startTcpProxy(await freePort(), Number(new URL(upstream.url).port));
    const up = rawClient(upstream.url);
    const [a, b] = ['1'.repeat(64), '2'.repeat(64)] as const;
    await pushImage(up, a, Buffer.from('a'));
    await pushImage(up, b, Buffer.from('b'));
    await up('PUT', '/v1/repositories/ttl/app/tags/latest', { body: JSON.stringify(a) });
    const kept = await startMirror(`http://127.0.0.1:${proxy.port}`, { mirrorTagsTtl: 3600 });
    const fresh = await startMirror(`http://127.0.0.1:${proxy.port}`, { mirrorTagsTtl: 0 });
    try {
      for (const m of [kept, fresh]) expect((await rawClient(m.url)('GET', '/v1/repositories/ttl/app/tags')).json).to.deep.equal({ latest: a });
      await up('PUT', '/v1/repositories/ttl/app/tags/latest', { body: JSON.stringify(b) });
      expect((await rawClient(kept.url)('GET', '/v1/repositories/ttl/app/tags')).json).to.deep.equal({ latest: a });
      expect((await rawClient(fresh.url)('GET', '/v1/repositories/ttl/app/tags')).json).to.deep.equal({ latest: b });
      await proxy.down();
      expect((await rawClient(fresh.url)('GET', '/v1/repositories/ttl/app/tags')).json).to.deep.equal({ latest: b });
      const never = await rawClient(fresh.url)('GET', '/v1/repositories/ttl/other/tags');
      expect(never.status).to.equal(503);
    } finally {
      await kept.close();
      await fresh.close();
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('mirror of an Index + registry pair (credentials forwarded, private content never kept)', function () {
  let index: RunningIndex;
  let upstream: RunningRegistry;
  let proxy: TcpProxy;
  let mirror: RunningRegistry;
  let idx: Raw;
  let reg: Raw;
  const ALICE = formatBasic('alice', 'password1');
  let publicId: string;
  let privateId: string;

  /** Pushes a one-image repository as alice and tags it latest; returns the image id. */
  async function pushRepository(name: string, seed: string): Promise<string> {
    const [image] = await buildImageChain(1, { seed });
    const id = image?.id as string;
    const allocated = await idx('PUT', `/v1/repositories/${name}/`, { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id }]) });
    expect(allocated.status, allocated.text).to.equal(200);
    const write = { Authorization: `Token ${allocated.headers.get('x-docker-token')}` };
    await pushImage(rawClient(upstream.url), id, image?.layer as Buffer, { headers: write });
    expect((await rawClient(upstream.url)('PUT', `/v1/repositories/${name}/tags/latest`, { headers: write, body: JSON.stringify(id) })).status).to.equal(200);
    expect((await idx('PUT', `/v1/repositories/${name}/images`, { headers: { Authorization: ALICE }, body: '[]' })).status).to.equal(204);
    return id;
  }

  /** A read token from the mirror's relayed I8, with the endpoints it names. */
  async function readToken(name: string, auth?: string): Promise<{ status: number; token: string | null; endpoints: string | null }> {
    const r = await reg('GET', `/v1/repositories/${name}/images`, { headers: { 'X-Docker-Token': 'true', ...(auth ? { Authorization: auth } : {}) } });
    return { status: r.status, token: r.headers.get('x-docker-token'), endpoints: r.headers.get('x-docker-endpoints') };
  }

  before(async function () {
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}` } }), { kdf: { N: 1024, r: 8, p: 1 } });
    upstream = await startIndexedRegistry(index.url, { port: registryPort });
    proxy = await startTcpProxy(await freePort(), registryPort);
    mirror = await startMirror(`http://127.0.0.1:${proxy.port}`, { mirrorIndex: index.url });
    idx = rawClient(index.url);
    reg = rawClient(mirror.url);
    await idx('POST', '/v1/users/', { body: JSON.stringify({ username: 'alice', password: 'password1', email: 'alice@example.com' }) });
    publicId = await pushRepository('alice/public', 'mirror-public');
    privateId = await pushRepository('alice/secret', 'mirror-secret');
    expect((await idx('PATCH', '/v1/repositories/alice/secret/info', { headers: { Authorization: ALICE }, body: JSON.stringify({ private: true }) })).status).to.equal(200);
  });
  after(async function () {
    await mirror.close();
    await proxy.close();
    await upstream.close();
    await index.close();
  });

  it('relays I8 from the upstream Index with X-Docker-Endpoints naming the mirror', async function () {
    const { status, token, endpoints } = await readToken('alice/public');
    expect(status).to.equal(200);
    expect(token).to.match(/^signature=/);
    expect(endpoints).to.equal(new URL(mirror.url).host);
  });

  it('pulls a public repository through the mirror with the client\'s token, and keeps it', async function () {
    const { token } = await readToken('alice/public');
    const auth = { Authorization: `Token ${token}` };
    expect((await reg('GET', '/v1/repositories/alice/public/tags', { headers: auth })).json).to.deep.equal({ latest: publicId });
    expect((await reg('GET', `/v1/images/${publicId}/ancestry`, { headers: auth })).json).to.deep.equal([publicId]);
    const layer = await reg('GET', `/v1/images/${publicId}/layer`, { headers: auth });
    expect(layer.status).to.equal(200);
    // Kept: served without any token now, and without asking upstream again.
    const asked = layerRequests(proxy, publicId);
    expect((await reg('GET', `/v1/images/${publicId}/layer`)).body.equals(layer.body)).to.equal(true);
    expect(layerRequests(proxy, publicId)).to.equal(asked);
  });

  it('relays a private repository to a client that may read it upstream, and keeps none of it', async function () {
    const { status, token } = await readToken('alice/secret', ALICE);
    expect(status).to.equal(200);
    const auth = { Authorization: `Token ${token}` };
    expect((await reg('GET', '/v1/repositories/alice/secret/tags', { headers: auth })).json).to.deep.equal({ latest: privateId });
    const layer = await reg('GET', `/v1/images/${privateId}/layer`, { headers: auth });
    expect(layer.status).to.equal(200);
    expect(layer.body.length).to.be.greaterThan(0);
    // Nothing kept: without credentials the mirror asks upstream, which refuses; the second pull is relayed again.
    const anonymous = await reg('GET', `/v1/images/${privateId}/layer`);
    expect(anonymous.status).to.equal(401);
    const before = layerRequests(proxy, privateId);
    expect((await reg('GET', `/v1/images/${privateId}/layer`, { headers: auth })).status).to.equal(200);
    expect(layerRequests(proxy, privateId)).to.equal(before + 1);
    expect((await reg('GET', '/v1/repositories/alice/secret/tags')).status).to.equal(401);
  });

  it('gives a client that may not read the private repository nothing: no token, and the images stay refused', async function () {
    expect((await readToken('alice/secret')).status).to.equal(401);
    const forged = { Authorization: 'Token signature=forged,repository="alice/secret",access=read' };
    expect((await reg('GET', `/v1/images/${privateId}/json`, { headers: forged })).status).to.equal(401);
    expect((await reg('GET', `/v1/images/${privateId}/layer`, { headers: forged })).status).to.equal(401);
    // A token for a public repository does not reach another repository's private image through the mirror.
    const { token } = await readToken('alice/public');
    const r = await reg('GET', `/v1/images/${privateId}/layer`, { headers: { Authorization: `Token ${token}` } });
    expect(r.status).to.equal(404);
  });
});
