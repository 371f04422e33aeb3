// docker-registry 0.9.1's own tests (docker/docker-registry tests/*.py), their wire-observable expectations
// restated in our words and replayed over HTTP against a real Index and registry. Each case names the peer
// test it comes from.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { digestStream, formatBasic } from '@v1hub/shared';
import { buildImageChain, freePort } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import type { RunningRegistry } from '../../src/index.js';
import { errorOf, rawClient, startIndexedRegistry, startStandaloneRegistry, type RawResult } from '../support/test-registry.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const VECTORS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'vectors', 'tarsum');

/** A tar of exactly these entries, in this order (no directories added). */
async function tarOf(entries: ReadonlyArray<{ name: string; type?: 'file' | 'directory'; body?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', mode: e.type === 'directory' ? 0o755 : 0o644, mtime: new Date(0) }, e.body ?? '');
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const ALICE = formatBasic('alice', 'password1');

describe('docker-registry 0.9.1 parity, Index + registry', function () {
  let index: RunningIndex;
  let registry: RunningRegistry;
  let reg: ReturnType<typeof rawClient>;
  let idx: ReturnType<typeof rawClient>;

  before(async function () {
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}` } }), { kdf: { N: 1024, r: 8, p: 1 } });
    registry = await startIndexedRegistry(index.url, { port: registryPort });
    reg = rawClient(registry.url);
    idx = rawClient(index.url);
    await idx('POST', '/v1/users/', { body: JSON.stringify({ username: 'alice', password: 'password1', email: 'alice@example.com' }) });
  });
  after(async function () {
    await registry.close();
    await index.close();
  });

  it('workflow.test_workflow: a push and pull with 16-hex image ids, which both services accept (§8)', async function () {
    const [fixture] = await buildImageChain(1, { seed: 'short-ids' });
    const id = (fixture?.id as string).slice(0, 16);
    const json = Buffer.from(JSON.stringify({ id, created: '2015-01-22T12:00:00Z' }));
    const layer = fixture?.layer as Buffer;
    const payload = (await digestStream([layer], { json, tarsumVersions: [] })).payload as string;

    const allocated = await idx('PUT', '/v1/repositories/alice/short/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id }]) });
    expect(allocated.status, allocated.text).to.equal(200);
    const write = { Authorization: `Token ${allocated.headers.get('x-docker-token')}` };
    expect((await reg('PUT', `/v1/images/${id}/json`, { headers: write, body: json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${id}/layer`, { headers: write, body: layer, chunked: true })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${id}/checksum`, { headers: { ...write, 'X-Docker-Checksum-Payload': payload } })).status).to.equal(200);
    expect((await reg('PUT', '/v1/repositories/alice/short/tags/latest', { headers: write, body: JSON.stringify(id) })).status).to.equal(200);
    const done = await idx('PUT', '/v1/repositories/alice/short/images', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id, Tag: 'latest' }]) });
    expect(done.status, done.text).to.equal(204);

    const images = await idx('GET', '/v1/repositories/alice/short/images', { headers: { 'X-Docker-Token': 'true' } });
    expect(images.status).to.equal(200);
    expect((images.json as Array<{ id: string }>).map((e) => e.id)).to.deep.equal([id]);
    const read = { Authorization: `Token ${images.headers.get('x-docker-token')}` };
    expect((await reg('GET', '/v1/repositories/alice/short/tags', { headers: read })).json).to.deep.equal({ latest: id });
    expect((await reg('GET', `/v1/images/${id}/ancestry`, { headers: read })).json).to.deep.equal([id]);
    expect((await reg('GET', `/v1/images/${id}/layer`, { headers: read })).body.equals(layer)).to.equal(true);
  });

  it('test_tags.test_special_chars, with an Index: the Index keeps its name rules, and a token never reaches a name the registry reads differently', async function () {
    const special = await idx('PUT', '/v1/repositories/alice/abcde%$_-test/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: '[]' });
    expect(special.status).to.equal(400);
    expect(errorOf(special)).to.equal('Invalid repository name (abcde%$_-test), only [a-z0-9-_.] are allowed');
    const threeParts = await idx('PUT', '/v1/repositories/alice/app/x/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: '[]' });
    expect(threeParts.status).to.equal(400);
    expect(errorOf(threeParts)).to.equal('Invalid repository name (alice/app/x): at most two parts, namespace/repository');

    const allocated = await idx('PUT', '/v1/repositories/alice/app/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: '[]' });
    const write = { Authorization: `Token ${allocated.headers.get('x-docker-token')}` };
    const id = 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc';
    for (const path of ['alice/app/x', 'alice/app%2Fx', 'alice/app%25', 'alice/App']) {
      const r = await reg('PUT', `/v1/repositories/${path}/tags/latest`, { headers: write, body: JSON.stringify(id) });
      expect(r.status, path).to.equal(401);
    }
    // The path is decoded before it is split, as werkzeug did: `alice%2Fapp` is alice/app itself, so the token
    // passes and the unknown image is what refuses the tag.
    const decoded = await reg('PUT', '/v1/repositories/alice%2Fapp/tags/latest', { headers: write, body: JSON.stringify(id) });
    expect([decoded.status, errorOf(decoded)]).to.deep.equal([404, 'Image not found']);
    // A forged token naming the quoted form is refused before the Index is asked: it is no valid name.
    const forged = { Authorization: 'Token signature=x,repository="alice/app%2Fx",access=write' };
    expect((await reg('PUT', '/v1/repositories/alice/app/x/tags/latest', { headers: forged, body: JSON.stringify(id) })).status).to.equal(401);
  });

  it('workflow.test_workflow: ids of other lengths are still refused by the Index, naming the rule', async function () {
    for (const id of ['a'.repeat(15), 'a'.repeat(17), 'a'.repeat(63), 'A'.repeat(16)]) {
      const r = await idx('PUT', '/v1/repositories/alice/bad/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id }]) });
      expect(r.status, id).to.equal(400);
      expect((r.json as { error: string }).error).to.equal('Image #0: "id" must be 16 or 64 lowercase hex characters');
    }
  });
});

describe('docker-registry 0.9.1 parity, standalone registry', function () {
  let registry: RunningRegistry;
  let reg: ReturnType<typeof rawClient>;

  before(async function () {
    registry = await startStandaloneRegistry();
    reg = rawClient(registry.url);
  });
  after(() => registry.close());

  /** Pushes `layer` under `id` with `json` (a minimal one by default) and answers its R10 GET files. */
  async function pushAndList(id: string, layer: Buffer, json: Buffer = Buffer.from(JSON.stringify({ id, created: '2015-01-22T12:00:00Z' }))): Promise<RawResult> {
    const payload = (await digestStream([layer], { json, tarsumVersions: [] })).payload as string;
    expect((await reg('PUT', `/v1/images/${id}/json`, { body: json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${id}/layer`, { body: layer, chunked: true })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${id}/checksum`, { headers: { 'X-Docker-Checksum-Payload': payload } })).status).to.equal(200);
    return reg('GET', `/v1/images/${id}/files`);
  }

  async function filesOf(id: string, layer: Buffer, json?: Buffer): Promise<unknown> {
    const r = await pushAndList(id, layer, json);
    expect(r.status, r.text).to.equal(200);
    return r.json;
  }

  async function expectUnsupported(id: string, layer: Buffer): Promise<void> {
    const r = await pushAndList(id, layer);
    expect(r.status).to.equal(400);
    expect(errorOf(r)).to.equal('Layer format not supported');
  }

  it('test_layers.test_info_serialization: names as serialize_tar_info lists them, union markers left out', async function () {
    const layer = await tarOf([
      { name: '.', type: 'directory' },
      { name: './', type: 'directory' },
      { name: './ab', body: 'x' },
      { name: 'plain-name', body: 'y' },
      { name: './.wh.gone' },
      { name: './.wh..wh.plnk', type: 'directory' },
      { name: './.wh..wh.aufs' },
      { name: './sub/', type: 'directory' },
      { name: './sub/.wh.old' },
      { name: './sub/.wh..wh..opq' },
    ]);
    const files = (await filesOf('0123456789abcdef', layer)) as Array<[string, string, boolean, number]>;
    expect(files.map((f) => [f[0], f[1], f[2], f[3]])).to.deep.equal([
      ['/', 'd', false, 0],
      ['/', 'd', false, 0],
      ['/ab', 'f', false, 1],
      ['plain-name', 'f', false, 1],
      ['/gone', 'f', true, 0],
      ['/sub', 'd', false, 0],
      ['/sub/old', 'f', true, 0],
    ]);
  });

  it('test_tarfile.test_headers: the 511136ea layer (one "./" directory) lists "/" with its header fields', async function () {
    const dir = join(VECTORS, '511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158');
    const files = await filesOf('511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158', readFileSync(join(dir, 'layer.tar')), readFileSync(join(dir, 'json')));
    // mtime 2013-06-13 21:03:25 UTC; mode as the header stores it, type bits included (0o40755), as Python's
    // tarfile reported it.
    expect(files).to.deep.equal([['/', 'd', false, 0, 1371157405, 0o40755, 0, 0]]);
  });

  // The fixtures are one tar (etc/, etc/motd, etc/blob.txt of 54 038 bytes) compressed by xz -6 and bzip2 -9.
  for (const [peer, file, id] of [
    ['test_layers.test_xz_archive', 'layer.tar.xz', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'],
    ['test_layers (bzip2, as docker-registry\'s Archive read it)', 'layer.tar.bz2', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2'],
  ] as const) {
    it(`${peer}: R10 lists the files of a ${file.split('.').pop()} layer, and R11 diffs it`, async function () {
      const files = (await filesOf(id, readFileSync(join(FIXTURES, file)))) as Array<[string, string, boolean, number]>;
      expect(files.map((f) => [f[0], f[1], f[2], f[3]])).to.deep.equal([
        ['etc', 'd', false, 0],
        ['etc/motd', 'f', false, 9],
        ['etc/blob.txt', 'f', false, 54038],
      ]);
      const diff = (await reg('GET', `/v1/images/${id}/diff`)).json as { created: Record<string, unknown> };
      expect(Object.keys(diff.created)).to.have.members(['etc', 'etc/motd', 'etc/blob.txt']);
    });
  }

  // Cut inside an entry's body: the decoder fails while tar-stream is streaming that entry. This once took the
  // whole registry down (an error event on the entry nobody listened to), so it is tried for every format.
  for (const [format, bytes, id] of [
    ['xz', async () => readFileSync(join(FIXTURES, 'layer.tar.xz')), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3'],
    ['bzip2', async () => readFileSync(join(FIXTURES, 'layer.tar.bz2')), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4'],
    ['gzip', async () => gzipSync(await tarOf([{ name: 'etc/big', body: 'x'.repeat(200_000) }]), { level: 0 }), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa5'],
  ] as const) {
    it(`test_layers: a truncated ${format} layer is 400 Layer format not supported, and the registry stays up`, async function () {
      const whole = await bytes();
      await expectUnsupported(id, whole.subarray(0, whole.length >> 1));
      expect((await reg('GET', '/v1/_ping')).status).to.equal(200);
    });
  }

  it('an xz layer whose decoder would need more than 80 MiB (a 192 MiB dictionary) is 400, not a memory spike', async function () {
    await expectUnsupported('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa6', readFileSync(join(FIXTURES, 'layer-192mib-dict.tar.xz')));
  });

  /**
   * test_tags.test_simple, step by step, for the repository `foo/<name>`: tags set with a User-Agent, read back,
   * the repository json and tag json parsed from that agent, a tag update, the list, a tag delete, the whole
   * delete. `path` is how the name is written in the URL.
   */
  async function tagsLifecycle(path: string, imageId: string): Promise<void> {
    await pushAndList(imageId, await tarOf([{ name: 'f', body: 'x' }]));
    const base = `/v1/repositories/foo/${path}`;
    const agent = (arch: string) => ({ 'User-Agent': `docker/0.7.2-dev go/go1.2 os/ostest arch/${arch}` });
    expect((await reg('PUT', `${base}/tags/latest`, { headers: agent('archtest'), body: JSON.stringify(imageId) })).status).to.equal(200);
    expect((await reg('PUT', `${base}/tags/test`, { body: JSON.stringify(imageId) })).status).to.equal(200);
    const latest = await reg('GET', `${base}/tags/latest`);
    expect(latest.status, latest.text).to.equal(200);
    expect(latest.json).to.equal(imageId);
    expect((await reg('GET', `${base}/json`)).json).to.include({ docker_version: '0.7.2-dev', docker_go_version: 'go1.2', os: 'ostest', arch: 'archtest' });
    expect((await reg('GET', `${base}/tags/latest/json`)).json).to.include({ arch: 'archtest' });
    expect((await reg('PUT', `${base}/tags/latest`, { headers: agent('changedarch'), body: JSON.stringify(imageId) })).status).to.equal(200);
    expect((await reg('PUT', `${base}/tags/test`, { headers: agent('changedarch'), body: JSON.stringify(imageId) })).status).to.equal(200);
    expect((await reg('GET', `${base}/tags/latest/json`)).json).to.include({ arch: 'changedarch' });
    expect((await reg('GET', `${base}/tags/test/json`)).json).to.include({ arch: 'changedarch' });
    expect(Object.keys((await reg('GET', `${base}/tags`)).json as object)).to.have.length(2);
    expect((await reg('DELETE', `${base}/tags/latest`)).status).to.equal(200);
    expect((await reg('GET', `${base}/tags`)).status).to.equal(200);
    expect((await reg('GET', `${base}/tags/latest`)).status).to.equal(404);
    expect((await reg('DELETE', `${base}/`)).status).to.equal(200);
    expect((await reg('GET', `${base}/tags`)).status).to.equal(404);
  }

  it('test_tags.test_simple: the tag lifecycle of an ordinary name', async function () {
    await tagsLifecycle('plainname', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1');
  });

  it('test_tags.test_special_chars: the registry applies no name rules, so "<5 chars>%$_-test" has the whole tag lifecycle', async function () {
    await tagsLifecycle('abcde%$_-test', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2');
  });

  it('test_tags.test_special_chars: a literal "%$" in the path and its percent-encoded form name the same repository', async function () {
    const id = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb3';
    await pushAndList(id, await tarOf([{ name: 'f', body: 'y' }]));
    expect((await reg('PUT', '/v1/repositories/foo/fghij%$_-test/tags/v1', { body: JSON.stringify(id) })).status).to.equal(200);
    const encoded = await reg('GET', '/v1/repositories/foo/fghij%25%24_-test/tags');
    expect(encoded.status, encoded.text).to.equal(200);
    expect(encoded.json).to.deep.equal({ v1: id });
    // A name the Docker client allows is untouched: upper case and all, nothing is refused for its characters.
    expect((await reg('PUT', '/v1/repositories/Foo/Bar~1/tags/v1', { body: JSON.stringify(id) })).status).to.equal(200);
    expect((await reg('GET', '/v1/repositories/Foo/Bar~1/tags/v1')).json).to.equal(id);
  });

  it('three-part names read as docker-registry read them: a/b/c is namespace a, repository b%2Fc', async function () {
    const id = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb4';
    await pushAndList(id, await tarOf([{ name: 'f', body: 'z' }]));
    expect((await reg('PUT', '/v1/repositories/a/b/c/tags/latest', { body: JSON.stringify(id) })).status).to.equal(200);
    expect((await reg('GET', '/v1/repositories/a/b%2Fc/tags')).json).to.deep.equal({ latest: id });
    expect((await reg('GET', '/v1/repositories/a/b/c/tags/latest')).json).to.equal(id);
    // Not the repository a/b, nor a/c.
    expect((await reg('GET', '/v1/repositories/a/b/tags')).status).to.equal(404);
    const search = await reg('GET', '/v1/search?q=b');
    expect((search.json as { results: Array<{ name: string }> }).results.map((r) => r.name)).to.include('a/b%2Fc');
    expect((await reg('DELETE', '/v1/repositories/a/b/c/')).status).to.equal(200);
    expect((await reg('GET', '/v1/repositories/a/b/c/tags')).status).to.equal(404);
  });

  it('an empty namespace is a 400 naming the rule, not a storage error', async function () {
    const r = await reg('GET', '/v1/repositories//x/tags');
    expect(r.status).to.equal(400);
    expect(errorOf(r)).to.equal('Invalid repository name (/x): the namespace and the repository must not be empty');
  });
});
