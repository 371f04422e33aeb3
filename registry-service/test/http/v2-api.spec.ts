// The Registry HTTP API V2 (--v2) against a real Index (--v2, its token server), tried as an attacker would:
// tokens for another repository, another service, another key, unsigned or out of date; digests claimed for other
// content; blobs reached through a repository that does not hold them; uploads of another repository.
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { SignJWT, exportPKCS8, generateKeyPair } from 'jose';
import { formatBasic, v1ChainFromConfig } from '@v1hub/shared';
import { buildImageChain, freePort, makeTempDir, writeFixtureSave } from '@v1hub/shared/testing';
import { createV1Client } from '@v1hub/shared/client';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import type { RunningRegistry } from '../../src/index.js';
import { rawClient, startIndexedRegistry, startStandaloneRegistry, type RawResult } from '../support/test-registry.js';

const TEST_KDF = { N: 1024, r: 8, p: 1 };
const digestOf = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const codeOf = (r: RawResult) => (r.json as { errors?: Array<{ code: string }> } | undefined)?.errors?.[0]?.code;

describe('Registry API V2 (--v2) with the Index as token server', function () {
  this.timeout(30_000);
  let index: RunningIndex;
  let registry: RunningRegistry;
  let reg: ReturnType<typeof rawClient>;

  async function token(scopes: string[], user?: [string, string], service = 'v1hub-registry'): Promise<string> {
    const query = new URLSearchParams([['service', service], ...scopes.map((s) => ['scope', s] as [string, string])]);
    const res = await fetch(`${index.url}/v2/token?${query}`, { headers: user ? { Authorization: formatBasic(...user) } : {} });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    expect(body.access_token).to.equal(body.token);
    return body.token;
  }
  const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });

  /** A monolithic blob upload (POST ?digest=) with `jwt`. */
  async function pushBlob(name: string, bytes: Buffer, jwt: string): Promise<RawResult> {
    return reg('POST', `/v2/${name}/blobs/uploads/?digest=${digestOf(bytes)}`, { headers: { ...bearer(jwt), 'Content-Type': 'application/octet-stream' }, body: bytes });
  }
  async function pushImage(name: string, tag: string, jwt: string, layer = Buffer.from(`layer of ${name}`)): Promise<{ manifest: string; layer: Buffer }> {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } }));
    expect((await pushBlob(name, layer, jwt)).status).to.equal(201);
    expect((await pushBlob(name, config, jwt)).status).to.equal(201);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: digestOf(layer) }] });
    const put = await reg('PUT', `/v2/${name}/manifests/${tag}`, { headers: { ...bearer(jwt), 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest });
    expect(put.status, put.text).to.equal(201);
    expect(put.headers.get('docker-content-digest')).to.equal(digestOf(manifest));
    return { manifest, layer };
  }

  before(async () => {
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}`, v2: true } }), { kdf: TEST_KDF });
    registry = await startIndexedRegistry(index.url, { port: registryPort, v2: true });
    reg = rawClient(registry.url);
    for (const username of ['alice', 'bobby']) {
      await fetch(`${index.url}/v1/users/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: 'password1', email: `${username}@example.com` }) });
    }
  });
  after(async () => {
    await registry.close();
    await index.close();
  });

  it('GET /v2/ says registry/2.0 and challenges with the Index as realm; a valid token passes', async () => {
    const r = await reg('GET', '/v2/');
    expect(r.status).to.equal(401);
    expect(r.headers.get('docker-distribution-api-version')).to.equal('registry/2.0');
    expect(r.headers.get('www-authenticate')).to.equal(`Bearer realm="${index.url}/v2/token",service="v1hub-registry"`);
    expect(codeOf(r)).to.equal('UNAUTHORIZED');
    expect((await reg('GET', '/v2/', { headers: bearer(await token([], ['alice', 'password1'])) })).status).to.equal(200);
  });

  it('the token server refuses a wrong password, and grants a stranger nothing of another namespace', async () => {
    const wrong = await fetch(`${index.url}/v2/token?service=v1hub-registry`, { headers: { Authorization: formatBasic('alice', 'nope-nope') } });
    expect(wrong.status).to.equal(401);
    expect(((await wrong.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).to.equal('UNAUTHORIZED');
    const jwt = await token(['repository:alice/app:pull,push'], ['bobby', 'password1']);
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { access: unknown[]; sub: string; aud: string; iss: string };
    expect(claims).to.include({ sub: 'bobby', aud: 'v1hub-registry', iss: 'v1hub-index' });
    expect(claims.access, 'push on alice/ is not bobby\'s, and alice/app does not exist yet').to.deep.equal([]);
  });

  it('pushes and pulls an image; pull is byte-exact, HEAD and Range agree', async () => {
    const jwt = await token(['repository:alice/app:pull,push'], ['alice', 'password1']);
    const { manifest, layer } = await pushImage('alice/app', 'latest', jwt);
    const got = await reg('GET', '/v2/alice/app/manifests/latest', { headers: { ...bearer(jwt), Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(got.status).to.equal(200);
    expect(got.text).to.equal(manifest);
    expect(got.headers.get('content-type')).to.equal('application/vnd.docker.distribution.manifest.v2+json');
    const head = await reg('HEAD', `/v2/alice/app/manifests/${digestOf(manifest)}`, { headers: bearer(jwt) });
    expect(head.status).to.equal(200);
    expect(head.headers.get('content-length')).to.equal(String(Buffer.byteLength(manifest)));
    const blob = await reg('GET', `/v2/alice/app/blobs/${digestOf(layer)}`, { headers: bearer(jwt) });
    expect(blob.body.equals(layer)).to.equal(true);
    const part = await reg('GET', `/v2/alice/app/blobs/${digestOf(layer)}`, { headers: { ...bearer(jwt), Range: 'bytes=2-5' } });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-range')).to.equal(`bytes 2-5/${layer.length}`);
    expect(part.body.equals(layer.subarray(2, 6))).to.equal(true);
    expect((await reg('GET', `/v2/alice/app/blobs/${digestOf(layer)}`, { headers: { ...bearer(jwt), Range: `bytes=${layer.length}-` } })).status).to.equal(416);
    const tags = await reg('GET', '/v2/alice/app/tags/list', { headers: bearer(jwt) });
    expect(tags.json).to.deep.equal({ name: 'alice/app', tags: ['latest'] });
  });

  it('refuses a token for another repository, another service, another key, or unsigned', async () => {
    const other = await token(['repository:bobby/tools:pull,push'], ['bobby', 'password1']);
    const r = await reg('GET', '/v2/alice/app/tags/list', { headers: bearer(other) });
    expect(r.status).to.equal(401);
    expect(codeOf(r)).to.equal('DENIED');
    expect(r.headers.get('www-authenticate')).to.include('error="insufficient_scope"').and.include('scope="repository:alice/app:pull"');
    const elsewhere = await token(['repository:alice/app:pull'], ['alice', 'password1'], 'another-registry');
    expect((await reg('GET', '/v2/alice/app/tags/list', { headers: bearer(elsewhere) })).status).to.equal(401);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ access: [{ type: 'repository', name: 'alice/app', actions: ['pull', 'push'] }] }).setProtectedHeader({ alg: 'ES256', kid: 'forged' }).setIssuer('v1hub-index').setAudience('v1hub-registry').setExpirationTime('5m').sign(privateKey);
    const f = await reg('GET', '/v2/alice/app/tags/list', { headers: bearer(forged) });
    expect(f.status).to.equal(401);
    expect(f.headers.get('www-authenticate')).to.include('error="invalid_token"');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'v1hub-index', aud: 'v1hub-registry', access: [{ type: 'repository', name: 'alice/app', actions: ['pull'] }] })).toString('base64url')}.`;
    expect((await reg('GET', '/v2/alice/app/tags/list', { headers: bearer(unsigned) })).status).to.equal(401);
  });

  it('a pull token cannot push, and a push cannot plant bytes under a digest they do not hash to', async () => {
    const pull = await token(['repository:alice/app:pull']);
    const denied = await pushBlob('alice/app', Buffer.from('x'), pull);
    expect(denied.status).to.equal(401);
    expect(codeOf(denied)).to.equal('DENIED');
    const jwt = await token(['repository:alice/app:pull,push'], ['alice', 'password1']);
    const layer = Buffer.from('layer of alice/app');
    const liar = await reg('POST', `/v2/alice/app/blobs/uploads/?digest=${digestOf(layer)}`, { headers: bearer(jwt), body: Buffer.from('something else entirely') });
    expect(liar.status).to.equal(400);
    expect(codeOf(liar)).to.equal('DIGEST_INVALID');
    const blob = await reg('GET', `/v2/alice/app/blobs/${digestOf(layer)}`, { headers: bearer(jwt) });
    expect(blob.body.equals(layer), 'the real blob is untouched').to.equal(true);
  });

  it('a blob is reached only through a repository that holds it; a mount needs pull on the source', async () => {
    const bob = await token(['repository:bobby/tools:pull,push'], ['bobby', 'password1']);
    const layer = Buffer.from('layer of alice/app');
    const through = await reg('HEAD', `/v2/bobby/tools/blobs/${digestOf(layer)}`, { headers: bearer(bob) });
    expect(through.status, 'alice\'s layer through bob\'s repository').to.equal(404);
    await fetch(`${index.url}/v1/repositories/alice/app/info`, { method: 'PATCH', headers: { Authorization: formatBasic('alice', 'password1'), 'Content-Type': 'application/json' }, body: '{"private": true}' });
    const bobAll = await token(['repository:bobby/tools:pull,push', 'repository:alice/app:pull'], ['bobby', 'password1']);
    const mount = await reg('POST', `/v2/bobby/tools/blobs/uploads/?mount=${digestOf(layer)}&from=alice/app`, { headers: bearer(bobAll) });
    expect(mount.status, 'without pull on a private source a mount is a plain upload').to.equal(202);
    expect((await reg('HEAD', `/v2/bobby/tools/blobs/${digestOf(layer)}`, { headers: bearer(bobAll) })).status).to.equal(404);
    const alice = await token(['repository:alice/copy:pull,push', 'repository:alice/app:pull'], ['alice', 'password1']);
    const own = await reg('POST', `/v2/alice/copy/blobs/uploads/?mount=${digestOf(layer)}&from=alice/app`, { headers: bearer(alice) });
    expect(own.status).to.equal(201);
    expect((await reg('GET', `/v2/alice/copy/blobs/${digestOf(layer)}`, { headers: bearer(alice) })).body.equals(layer)).to.equal(true);
  });

  it('a manifest naming a blob its repository does not hold is refused', async () => {
    const jwt = await token(['repository:bobby/tools:pull,push'], ['bobby', 'password1']);
    const stranger = digestOf('layer of alice/app');
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: stranger }, layers: [] });
    const r = await reg('PUT', '/v2/bobby/tools/manifests/latest', { headers: { ...bearer(jwt), 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest });
    expect(r.status).to.equal(400);
    expect(codeOf(r)).to.equal('MANIFEST_BLOB_UNKNOWN');
    const bad = await reg('PUT', '/v2/bobby/tools/manifests/latest', { headers: { ...bearer(jwt), 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: 'not json' });
    expect(codeOf(bad)).to.equal('MANIFEST_INVALID');
  });

  it('chunked uploads: PATCH in order (416 out of order), status in between, PUT with the digest; uploads are per repository', async () => {
    const jwt = await token(['repository:bobby/tools:pull,push'], ['bobby', 'password1']);
    const start = await reg('POST', '/v2/bobby/tools/blobs/uploads/', { headers: bearer(jwt) });
    expect(start.status).to.equal(202);
    expect(start.headers.get('range')).to.equal('0-0');
    const location = start.headers.get('location') as string;
    expect(location).to.match(/^\/v2\/bobby\/tools\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const first = await reg('PATCH', location, { headers: { ...bearer(jwt), 'Content-Range': '0-4' }, body: 'hello' });
    expect(first.status).to.equal(202);
    expect(first.headers.get('range')).to.equal('0-4');
    const gap = await reg('PATCH', location, { headers: { ...bearer(jwt), 'Content-Range': '9-12' }, body: 'oops' });
    expect(gap.status).to.equal(416);
    expect((await reg('GET', location, { headers: bearer(jwt) })).headers.get('range')).to.equal('0-4');
    const alice = await token(['repository:alice/copy:pull,push'], ['alice', 'password1']);
    const hijack = await reg('PATCH', location.replace('bobby/tools', 'alice/copy'), { headers: bearer(alice), body: 'mine' });
    expect(hijack.status, 'another repository\'s upload is unknown here').to.equal(404);
    expect(codeOf(hijack)).to.equal('BLOB_UPLOAD_UNKNOWN');
    expect((await reg('PATCH', location, { headers: { ...bearer(jwt), 'Content-Range': '5-10' }, body: ' world' })).status).to.equal(202);
    const done = await reg('PUT', `${location}?digest=${digestOf('hello world')}`, { headers: bearer(jwt) });
    expect(done.status, done.text).to.equal(201);
    expect((await reg('GET', `/v2/bobby/tools/blobs/${digestOf('hello world')}`, { headers: bearer(jwt) })).text).to.equal('hello world');
    expect((await reg('GET', location, { headers: bearer(jwt) })).status, 'a completed upload is gone').to.equal(404);
  });

  it('tags and the catalog page with n and last, with a Link to the next page; the catalog is for administrators', async () => {
    const jwt = await token(['repository:alice/paged:pull,push'], ['alice', 'password1']);
    for (const tag of ['a', 'b', 'c']) await pushImage('alice/paged', tag, jwt, Buffer.from(`paged ${tag}`));
    const page = await reg('GET', '/v2/alice/paged/tags/list?n=2', { headers: bearer(jwt) });
    expect(page.json).to.deep.equal({ name: 'alice/paged', tags: ['a', 'b'] });
    expect(page.headers.get('link')).to.equal('</v2/alice/paged/tags/list?n=2&last=b>; rel="next"');
    expect((await reg('GET', '/v2/alice/paged/tags/list?n=2&last=b', { headers: bearer(jwt) })).json).to.deep.equal({ name: 'alice/paged', tags: ['c'] });
    const mine = await token(['registry:catalog:*'], ['alice', 'password1']);
    expect((await reg('GET', '/v2/_catalog', { headers: bearer(mine) })).status, 'alice is no administrator').to.equal(401);
    const admin = await token(['registry:catalog:*'], ['admin', 'admin-pass']);
    const catalog = await reg('GET', '/v2/_catalog', { headers: bearer(admin) });
    expect((catalog.json as { repositories: string[] }).repositories).to.include.members(['alice/app', 'alice/paged', 'bobby/tools']);
  });

  it('one store, two protocols: a v1 push is a v2 manifest (diff ids of the layers uncompressed), a v2 push a v1 chain', async () => {
    const alice = createV1Client({ indexUrl: index.url, retry: { baseDelayMs: 10 } });
    await alice.login({ username: 'alice', password: 'password1' });
    const chain = await buildImageChain(2, { seed: 'v1-to-v2' });
    const dir = await makeTempDir('v1hub-v2-bridge-');
    try {
      const file = path.join(dir.path, 'v1.tar');
      await writeFixtureSave(file, chain, 'alice/v1app', 'latest');
      await alice.push(`${new URL(index.url).host}/alice/v1app`, file);
    } finally {
      await dir.remove();
    }
    const jwt = await token(['repository:alice/v1app:pull'], ['alice', 'password1']);
    const manifest = await reg('GET', '/v2/alice/v1app/manifests/latest', { headers: bearer(jwt) });
    expect(manifest.status, manifest.text).to.equal(200);
    const doc = manifest.json as { config: { digest: string }; layers: Array<{ digest: string; size: number }> };
    expect(doc.layers.map((l) => l.digest)).to.deep.equal(chain.map((image) => digestOf(image.layer)));
    const config = JSON.parse((await reg('GET', `/v2/alice/v1app/blobs/${doc.config.digest}`, { headers: bearer(jwt) })).text) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).to.deep.equal(chain.map((image) => digestOf(gunzipSync(image.layer))));
    const layer = await reg('GET', `/v2/alice/v1app/blobs/${doc.layers[1]?.digest}`, { headers: bearer(jwt) });
    expect(layer.body.equals(chain[1]?.layer as Buffer), 'the v1 layer itself, served without a copy').to.equal(true);
    expect((await reg('GET', '/v2/alice/v1app/tags/list', { headers: bearer(jwt) })).json).to.deep.equal({ name: 'alice/v1app', tags: ['latest'] });

    // And back: the manifest pushed with v2 (here the one just derived, under a new tag) has a v1 chain.
    const push = await token(['repository:alice/v1app:pull,push'], ['alice', 'password1']);
    expect((await reg('PUT', '/v2/alice/v1app/manifests/again', { headers: { ...bearer(push), 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest.body })).status).to.equal(201);
    const v1 = await fetch(`${index.url}/v1/repositories/alice/v1app/images`, { headers: { Authorization: formatBasic('alice', 'password1'), 'X-Docker-Token': 'true' } });
    const v1Token = v1.headers.get('x-docker-token') as string;
    const tags = await reg('GET', '/v1/repositories/alice/v1app/tags', { headers: { Authorization: `Token ${v1Token}` } });
    const again = (tags.json as Record<string, string>).again as string;
    expect(again, 'the v1 tag of the v2 push').to.match(/^[0-9a-f]{64}$/);
    const ancestry = await reg('GET', `/v1/images/${again}/ancestry`, { headers: { Authorization: `Token ${v1Token}` } });
    expect(ancestry.json).to.have.length(2);
    const top = await reg('GET', `/v1/images/${again}/layer`, { headers: { Authorization: `Token ${v1Token}` } });
    expect(top.body.equals(chain[1]?.layer as Buffer)).to.equal(true);
  });

  it('a v2 push whose layer does not match its config\'s diff id gets no v1 chain (no bytes planted under derived v1 ids)', async () => {
    const jwt = await token(['repository:bobby/liar:pull,push'], ['bobby', 'password1']);
    const real = Buffer.from('the real layer');
    const fake = Buffer.from('a different layer');
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2015-01-01T00:00:00Z', rootfs: { type: 'layers', diff_ids: [digestOf(real)] } }));
    expect((await pushBlob('bobby/liar', fake, jwt)).status).to.equal(201);
    expect((await pushBlob('bobby/liar', config, jwt)).status).to.equal(201);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: fake.length, digest: digestOf(fake) }] });
    expect((await reg('PUT', '/v2/bobby/liar/manifests/latest', { headers: { ...bearer(jwt), 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest })).status).to.equal(201);
    const v1 = await fetch(`${index.url}/v1/repositories/bobby/liar/images`, { headers: { Authorization: formatBasic('bobby', 'password1'), 'X-Docker-Token': 'true' } });
    const tags = await reg('GET', '/v1/repositories/bobby/liar/tags', { headers: { Authorization: `Token ${v1.headers.get('x-docker-token') as string}` } });
    expect(tags.json ?? {}, 'no v1 tag').not.to.have.property('latest');
  });

  it('two PATCHes racing for the same place spoil the upload: completing it is refused and nothing is stored', async () => {
    const jwt = await token(['repository:bobby/race:pull,push'], ['bobby', 'password1']);
    const start = await reg('POST', '/v2/bobby/race/blobs/uploads/', { headers: bearer(jwt) });
    const location = start.headers.get('location') as string;
    // Both PATCHes see an empty upload and write chunk 1 (the second could be an attacker's slow one).
    const [a, b] = await Promise.all([
      reg('PATCH', location, { headers: bearer(jwt), body: 'genuine bytes' }),
      reg('PATCH', location, { headers: bearer(jwt), body: 'planted bytes' }),
    ]);
    expect([a.status, b.status]).to.deep.equal([202, 202]);
    const done = await reg('PUT', `${location}?digest=${digestOf('genuine bytes')}`, { headers: bearer(jwt) });
    if (done.status === 201) {
      // The PATCHes did not overlap after all (one saw the other's chunk): then the blob is exactly what was hashed.
      expect((await reg('GET', `/v2/bobby/race/blobs/${digestOf('genuine bytes')}`, { headers: bearer(jwt) })).text).to.equal('genuine bytes');
    } else {
      expect(done.status).to.equal(400);
      expect(codeOf(done)).to.be.oneOf(['BLOB_UPLOAD_INVALID', 'DIGEST_INVALID']);
      expect((await reg('HEAD', `/v2/bobby/race/blobs/${digestOf('genuine bytes')}`, { headers: bearer(jwt) })).status).to.equal(404);
    }
  });

  it('a chunk out of place is 416 with the upload\'s Range and Location, so the client can resume', async () => {
    const jwt = await token(['repository:bobby/race:pull,push'], ['bobby', 'password1']);
    const start = await reg('POST', '/v2/bobby/race/blobs/uploads/', { headers: bearer(jwt) });
    const location = start.headers.get('location') as string;
    await reg('PATCH', location, { headers: { ...bearer(jwt), 'Content-Range': '0-2' }, body: 'abc' });
    const late = await reg('PATCH', location, { headers: { ...bearer(jwt), 'Content-Range': '7-9' }, body: 'xyz' });
    expect(late.status).to.equal(416);
    expect(late.headers.get('range')).to.equal('0-2');
    expect(late.headers.get('location')).to.equal(location);
  });

  it('a v2 push whose derived v1 ids were planted with other bytes gets no v1 chain; the same image is shared', async () => {
    const layer = gzipSync(Buffer.from('a base layer everyone builds on'));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2015-01-01T00:00:00Z', config: {}, rootfs: { type: 'layers', diff_ids: [digestOf(gunzipSync(layer))] }, history: [{ created: '2015-01-01T00:00:00Z' }] }));
    const [derived] = v1ChainFromConfig(config.toString());
    const id = (derived as { id: string }).id;
    // bobby computes the v1 id alice's push will have and uploads it first with v1, with his own bytes.
    const evil = gzipSync(Buffer.from('planted'));
    const allocate = await fetch(`${index.url}/v1/repositories/bobby/evil/`, { method: 'PUT', headers: { Authorization: formatBasic('bobby', 'password1'), 'X-Docker-Token': 'true', 'Content-Type': 'application/json' }, body: JSON.stringify([{ id }]) });
    const v1Auth = { Authorization: `Token ${allocate.headers.get('x-docker-token') as string}` };
    expect((await reg('PUT', `/v1/images/${id}/json`, { headers: v1Auth, body: (derived as { json: Buffer }).json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${id}/layer`, { headers: v1Auth, body: evil })).status).to.equal(200);
    const payload = digestOf(Buffer.concat([(derived as { json: Buffer }).json, Buffer.from('\n'), evil]));
    expect((await reg('PUT', `/v1/images/${id}/checksum`, { headers: { ...v1Auth, 'X-Docker-Checksum-Payload': payload } })).status).to.equal(200);

    const push = async (name: string, user: [string, string]) => {
      const jwt = await token([`repository:${name}:pull,push`], user);
      expect((await pushBlob(name, layer, jwt)).status).to.equal(201);
      expect((await pushBlob(name, config, jwt)).status).to.equal(201);
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: digestOf(layer) }] });
      expect((await reg('PUT', `/v2/${name}/manifests/latest`, { headers: { ...bearer(jwt), 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest })).status).to.equal(201);
      const v1 = await fetch(`${index.url}/v1/repositories/${name}/images`, { headers: { Authorization: formatBasic(...user), 'X-Docker-Token': 'true' } });
      const tags = await reg('GET', `/v1/repositories/${name}/tags`, { headers: { Authorization: `Token ${v1.headers.get('x-docker-token') as string}` } });
      return tags.status === 200 ? (tags.json as Record<string, string>) : {};
    };
    expect(await push('alice/victim', ['alice', 'password1']), 'no v1 tag naming bobby\'s planted layer').not.to.have.property('latest');
    const victimLayer = await reg('GET', `/v2/alice/victim/blobs/${digestOf(layer)}`, { headers: bearer(await token(['repository:alice/victim:pull'], ['alice', 'password1'])) });
    expect(victimLayer.body.equals(layer), 'over v2 the image is alice\'s own').to.equal(true);
  });

  it('deletes a tag, then a manifest by digest (its tags go with it)', async () => {
    const jwt = await token(['repository:alice/paged:pull,push,delete'], ['alice', 'password1']);
    expect((await reg('DELETE', '/v2/alice/paged/manifests/a', { headers: bearer(jwt) })).status).to.equal(202);
    expect(codeOf(await reg('GET', '/v2/alice/paged/manifests/a', { headers: bearer(jwt) }))).to.equal('MANIFEST_UNKNOWN');
    const b = await reg('HEAD', '/v2/alice/paged/manifests/b', { headers: bearer(jwt) });
    expect((await reg('DELETE', `/v2/alice/paged/manifests/${b.headers.get('docker-content-digest')}`, { headers: bearer(jwt) })).status).to.equal(202);
    expect((await reg('GET', '/v2/alice/paged/tags/list', { headers: bearer(jwt) })).json).to.deep.equal({ name: 'alice/paged', tags: ['c'] });
    const pullOnly = await token(['repository:alice/paged:pull'], ['alice', 'password1']);
    expect((await reg('DELETE', '/v2/alice/paged/manifests/c', { headers: bearer(pullOnly) })).status).to.equal(401);
  });
});

describe('Registry API V2: tokens out of date, and Indexes sharing one key', function () {
  this.timeout(30_000);

  it('a token signed with the shared key by another Index is good; once expired it is refused', async () => {
    const dir = await makeTempDir('v1hub-v2-key-');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const keyFile = path.join(dir.path, 'v2-key.pem');
    await writeFile(keyFile, await exportPKCS8(privateKey));
    const flags = { port: 0, metadata: 'memory', adminPassword: 'admin-pass', v2: true, v2Key: keyFile, tokenTtl: 60 };
    const first = await startIndexService(loadIndexConfig({ flags }), { kdf: TEST_KDF });
    // The same key, a clock two minutes behind: its tokens are already out of date.
    const late = await startIndexService(loadIndexConfig({ flags }), { kdf: TEST_KDF, now: () => Date.now() - 120_000 });
    const registry = await startIndexedRegistry(first.url, { v2: true });
    try {
      const get = async (index: RunningIndex) => {
        const { token } = (await (await fetch(`${index.url}/v2/token?service=v1hub-registry`)).json()) as { token: string };
        return rawClient(registry.url)('GET', '/v2/', { headers: { Authorization: `Bearer ${token}` } });
      };
      expect((await get(first)).status).to.equal(200);
      const expired = await get(late);
      expect(expired.status).to.equal(401);
      expect(expired.headers.get('www-authenticate')).to.include('error="invalid_token"');
    } finally {
      await registry.close();
      await late.close();
      await first.close();
      await dir.remove();
    }
  });
});

describe('Registry API V2: off by default, open when standalone', function () {
  it('without --v2, /v2/ is the v1 404 (Docker 1.6–1.8 then stay on v1)', async () => {
    const registry = await startStandaloneRegistry();
    try {
      const r = await rawClient(registry.url)('GET', '/v2/');
      expect(r.status).to.equal(404);
      expect(r.headers.get('docker-distribution-api-version')).to.equal(null);
    } finally {
      await registry.close();
    }
  });

  it('standalone with --v2 lets anyone push and pull, like `docker run registry`', async () => {
    const registry = await startStandaloneRegistry({ v2: true });
    try {
      const reg = rawClient(registry.url);
      expect((await reg('GET', '/v2/')).status).to.equal(200);
      const bytes = Buffer.from('open blob');
      expect((await reg('POST', `/v2/library/busybox/blobs/uploads/?digest=${digestOf(bytes)}`, { body: bytes })).status).to.equal(201);
      expect((await reg('GET', `/v2/busybox/blobs/${digestOf(bytes)}`)).text, 'busybox is library/busybox').to.equal('open blob');
    } finally {
      await registry.close();
    }
  });

  it('a v1 tag whose chain is being deleted is an unknown manifest, not a server error', async () => {
    const dir = await makeTempDir('v1hub-v2-gone-');
    const registry = await startStandaloneRegistry({ v2: true, storage: `local:${dir.path}` });
    try {
      const reg = rawClient(registry.url);
      const layer = gzipSync(Buffer.from('a layer'));
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(gunzipSync(layer))] } }));
      for (const blob of [layer, config]) expect((await reg('POST', `/v2/library/app/blobs/uploads/?digest=${digestOf(blob)}`, { body: blob })).status).to.equal(201);
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: digestOf(layer) }] });
      expect((await reg('PUT', '/v2/library/app/manifests/latest', { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest })).status).to.equal(201);
      const top = (await reg('GET', '/v1/repositories/library/app/tags/latest')).json as string;
      // A v1-only tag on the same image: its v2 manifest is derived from the v1 chain on every read.
      expect((await reg('PUT', '/v1/repositories/library/app/tags/v1only', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(top) })).status).to.equal(200);
      expect((await reg('GET', '/v2/library/app/manifests/v1only')).status).to.equal(200);
      // A deletion half done (S3 removes an image's objects one by one): the json is there, the ancestry gone.
      await rm(path.join(dir.path, 'images', top, 'ancestry'));
      const gone = await reg('GET', '/v2/library/app/manifests/v1only');
      expect(gone.status, gone.text).to.equal(404);
      expect(codeOf(gone)).to.equal('MANIFEST_UNKNOWN');
    } finally {
      await registry.close();
      await dir.remove();
    }
  });

  it('a v2 delete takes the v1 twin along while it still names the image, deletes a v1-only tag in v1, and is 404 for a tag neither has', async () => {
    const registry = await startStandaloneRegistry({ v2: true });
    try {
      const reg = rawClient(registry.url);
      async function pushV2(tag: string, text: string): Promise<string> {
        const layer = gzipSync(Buffer.from(text));
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(gunzipSync(layer))] } }));
        for (const blob of [layer, config]) expect((await reg('POST', `/v2/library/app/blobs/uploads/?digest=${digestOf(blob)}`, { body: blob })).status).to.equal(201);
        const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: digestOf(layer) }] });
        expect((await reg('PUT', `/v2/library/app/manifests/${tag}`, { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest })).status).to.equal(201);
        return (await reg('GET', `/v1/repositories/library/app/tags/${tag}`)).json as string;
      }
      const v1Tag = async (tag: string) => (await reg('GET', `/v1/repositories/library/app/tags/${tag}`)).status;
      const putV1Tag = async (tag: string, id: string) => expect((await reg('PUT', `/v1/repositories/library/app/tags/${tag}`, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(id) })).status).to.equal(200);

      const first = await pushV2('latest', 'first');
      const second = await pushV2('moved', 'second');
      await putV1Tag('v1only', first);
      await putV1Tag('moved', first);

      expect((await reg('DELETE', '/v2/library/app/manifests/latest')).status).to.equal(202);
      expect(await v1Tag('latest'), 'the twin went with the v2 tag').to.equal(404);
      expect((await reg('DELETE', '/v2/library/app/manifests/moved')).status).to.equal(202);
      expect(await v1Tag('moved'), 'a v1 push re-pointed it since: it is no longer the twin').to.equal(200);
      expect((await reg('GET', '/v1/repositories/library/app/tags/moved')).json).to.equal(first);
      expect(second).to.not.equal(first);
      expect((await reg('DELETE', '/v2/library/app/manifests/moved')).status).to.equal(202);
      expect(await v1Tag('moved'), 'a second v2 delete finds it in v1 only, and deletes it there').to.equal(404);
      expect((await reg('DELETE', '/v2/library/app/manifests/v1only')).status).to.equal(202);
      expect(await v1Tag('v1only'), 'a tag only v1 had is deleted in v1').to.equal(404);

      const unknown = await reg('DELETE', '/v2/library/app/manifests/never');
      expect(unknown.status).to.equal(404);
      expect(codeOf(unknown)).to.equal('MANIFEST_UNKNOWN');
      const malformed = await reg('DELETE', '/v2/library/app/manifests/sha256:not-a-digest');
      expect(malformed.status).to.equal(400);
      expect(codeOf(malformed)).to.equal('DIGEST_INVALID');
    } finally {
      await registry.close();
    }
  });
});
