import { expect } from 'chai';
import { REGISTRY_ROUTE_NAMES, ROUTES, type RouteSpec } from '@v1hub/shared';
import { buildImageChain, type FixtureImage } from '@v1hub/shared/testing';
import { buildRegistryRouter } from '../../src/http/routes.js';
import type { RunningRegistry } from '../../src/index.js';
import { errorOf, rawClient, startStandaloneRegistry } from '../support/test-registry.js';

describe('Registry images (R1–R12) and the upload state machine (§4.2), standalone', () => {
  let registry: RunningRegistry;
  let call: ReturnType<typeof rawClient>;
  let chain: FixtureImage[];
  let base: FixtureImage;
  let child: FixtureImage;

  before(async () => {
    registry = await startStandaloneRegistry();
    call = rawClient(registry.url);
    chain = await buildImageChain(3, { seed: 'images-spec', extraBytes: 4096 });
    [base, child] = chain as [FixtureImage, FixtureImage];
  });
  after(() => registry.close());

  const putJson = (img: FixtureImage) => call('PUT', `/v1/images/${img.id}/json`, { body: img.json, headers: { 'Content-Type': 'application/json' } });
  const putLayer = (img: FixtureImage, body: Buffer = img.layer) => call('PUT', `/v1/images/${img.id}/layer`, { body, chunked: true, headers: { 'Content-Type': 'application/octet-stream' } });
  const putChecksum = (img: FixtureImage, payload: string | null = img.payload) =>
    call('PUT', `/v1/images/${img.id}/checksum`, { headers: { 'X-Docker-Checksum': img.tarsum, ...(payload === null ? {} : { 'X-Docker-Checksum-Payload': payload }) } });

  it('mounts every Registry route of the shared table, the fake index included (the mirror\'s own routes only in mirror mode)', () => {
    const { mounted } = buildRegistryRouter(registry.deps);
    expect(new Set(mounted.map((m) => m.name))).to.deep.equal(new Set(REGISTRY_ROUTE_NAMES.filter((n) => !(ROUTES[n] as RouteSpec).mirrorOnly)));
  });

  it('R1 answers /_ping and /v1/_ping with {} and X-Docker-Registry-Standalone: True', async () => {
    for (const path of ['/_ping', '/v1/_ping']) {
      const r = await call('GET', path);
      expect(r.status).to.equal(200);
      expect(r.text).to.equal('{}');
      expect(r.headers.get('x-docker-registry-standalone')).to.equal('True');
      expect(r.headers.get('cache-control')).to.equal('no-cache');
      expect(r.headers.get('pragma')).to.equal('no-cache');
      expect(r.headers.get('expires')).to.equal('-1');
    }
  });

  it('R2 and R3 answer the banner and the storage probe', async () => {
    expect((await call('GET', '/')).text).to.equal('"v1hub registry server"');
    const status = await call('GET', '/_status');
    expect(status.status).to.equal(200);
    expect(status.json).to.deep.include({ services: ['storage'], failures: {} });
  });

  it('absent: GET json/layer/ancestry 404, PUT layer 404, PUT checksum 404', async () => {
    for (const part of ['json', 'layer', 'ancestry']) {
      const r = await call('GET', `/v1/images/${base.id}/${part}`);
      expect(r.status, part).to.equal(404);
      expect(errorOf(r)).to.equal('Image not found');
    }
    expect((await putLayer(base)).status).to.equal(404);
    expect((await putChecksum(base)).status).to.equal(404);
  });

  it('refuses ids that are not 16 or 64 lowercase hex with 404 Invalid image ID', async () => {
    for (const id of ['ABC', 'a'.repeat(63), 'g'.repeat(64), '0123456789abcde']) {
      const r = await call('GET', `/v1/images/${id}/json`);
      expect(r.status, id).to.equal(404);
      expect(errorOf(r)).to.equal('Invalid image ID');
    }
  });

  describe('PUT json validation (R5)', () => {
    const bad = async (body: string, id = base.id) => call('PUT', `/v1/images/${id}/json`, { body });
    it('400 Invalid JSON for non-JSON, arrays and empty objects', async () => {
      for (const body of ['{nope', '[1]', '{}', '"x"', 'null']) expect(errorOf(await bad(body)), body).to.equal('Invalid JSON');
    });
    it('400 Missing key `id\' in JSON', async () => {
      expect(errorOf(await bad('{"parent": "x"}'))).to.equal("Missing key `id' in JSON");
    });
    it('400 JSON data contains invalid id', async () => {
      expect(errorOf(await bad(JSON.stringify({ id: child.id })))).to.equal('JSON data contains invalid id');
    });
    it('400 Image depends on a non existing parent', async () => {
      const orphan = (await buildImageChain(2, { seed: 'orphan' }))[1] as FixtureImage;
      const r = await bad(orphan.json.toString(), orphan.id);
      expect(r.status).to.equal(400);
      expect(errorOf(r)).to.equal('Image depends on a non existing parent');
    });
    it('400 for a parent that is truthy but not an image id string (docker-registry looked it up as a path)', async () => {
      const lone = (await buildImageChain(1, { seed: 'lone-parent' }))[0] as FixtureImage;
      for (const parent of [5, true, [base.id], { id: base.id }]) {
        const body = JSON.stringify({ ...(JSON.parse(lone.json.toString()) as object), parent });
        expect(errorOf(await bad(body, lone.id)), JSON.stringify(parent)).to.equal('Image depends on a non existing parent');
      }
    });
  });

  it('uploading: json stored (200 true), reads say 400 being uploaded, PUT checksum before the layer is a clear 400', async () => {
    const r = await putJson(base);
    expect(r.status).to.equal(200);
    expect(r.text).to.equal('true');
    for (const part of ['json', 'layer', 'ancestry']) {
      const g = await call('GET', `/v1/images/${base.id}/${part}`);
      expect(g.status, part).to.equal(400);
      expect(errorOf(g)).to.equal('Image is being uploaded, retry later');
    }
    const c = await putChecksum(base);
    expect(c.status).to.equal(400);
    expect(errorOf(c)).to.equal("Image's layer has not been uploaded");
    expect((await putJson(base)).status, 'retry of PUT json is allowed').to.equal(200);
  });

  it('layered: PUT layer streams (200 true); checksum header rules: 412, 400, mismatch keeps it unreadable', async () => {
    const r = await putLayer(base);
    expect(r.status, r.text).to.equal(200);
    expect(r.text).to.equal('true');
    const missing = await putChecksum(base, null);
    expect(missing.status).to.equal(412);
    expect(errorOf(missing)).to.equal('X-Docker-Checksum-Payload not set.  If you are using the Docker daemon, you should upgrade to version 0.10 or later');
    expect(errorOf(await putChecksum(base, ''))).to.equal("Missing Image's checksum");
    const mismatch = await putChecksum(base, `sha256:${'0'.repeat(64)}`);
    expect(mismatch.status).to.equal(400);
    expect(errorOf(mismatch)).to.equal('Checksum mismatch');
    expect((await call('GET', `/v1/images/${base.id}/layer`)).status).to.equal(400);
    expect((await putLayer(base)).status, 'overwrite allowed while in progress').to.equal(200);
  });

  it('complete: PUT checksum with the payload checksum (200 true); reads serve exact bytes with headers', async () => {
    const c = await putChecksum(base);
    expect(c.status, c.text).to.equal(200);
    const json = await call('GET', `/v1/images/${base.id}/json`);
    expect(json.status).to.equal(200);
    expect(json.body.equals(base.json)).to.equal(true);
    expect(json.headers.get('x-docker-size')).to.equal(String(base.layer.length));
    expect(json.headers.get('x-docker-checksum-payload')).to.equal(base.payload);
    expect(json.headers.get('cache-control')).to.equal('public, max-age=31536000');
    expect(json.headers.get('last-modified')).to.equal('Thu, 01 Jan 1970 00:00:00 GMT');
    const layer = await call('GET', `/v1/images/${base.id}/layer`);
    expect(layer.status).to.equal(200);
    expect(layer.body.equals(base.layer)).to.equal(true);
    expect(layer.headers.get('content-type')).to.equal('application/octet-stream');
    expect(layer.headers.get('accept-ranges')).to.equal('bytes');
    const ancestry = await call('GET', `/v1/images/${base.id}/ancestry`);
    expect(ancestry.json).to.deep.equal([base.id]);
    // Cacheable reads carry the cache set only: docker-registry sent Pragma: no-cache with Cache-Control: no-cache alone.
    for (const r of [json, layer, ancestry]) {
      expect(r.headers.get('cache-control')).to.equal('public, max-age=31536000');
      expect(r.headers.get('pragma')).to.equal(null);
    }
  });

  it('complete: PUT json, layer and checksum are 409s with the exact strings', async () => {
    expect(errorOf(await putJson(base))).to.equal('Image already exists');
    expect((await putJson(base)).status).to.equal(409);
    expect((await putLayer(base)).status).to.equal(409);
    const c = await putChecksum(base);
    expect(c.status).to.equal(409);
    expect(errorOf(c)).to.equal('Cannot set this image checksum');
  });

  it('also accepts the TarSum as the checksum, as docker-registry kept both', async () => {
    await putJson(child);
    await putLayer(child);
    const c = await putChecksum(child, child.tarsum);
    expect(c.status, c.text).to.equal(200);
    expect((await call('GET', `/v1/images/${child.id}/ancestry`)).json).to.deep.equal([child.id, base.id]);
  });

  it('answers any If-Modified-Since with 304 on cacheable reads (§10 Q13)', async () => {
    for (const part of ['json', 'layer', 'ancestry', 'files']) {
      const r = await call('GET', `/v1/images/${base.id}/${part}`, { headers: { 'If-Modified-Since': 'Sat, 01 Jan 2000 00:00:00 GMT' } });
      expect(r.status, part).to.equal(304);
      expect(r.body.length).to.equal(0);
    }
  });

  describe('Range and HEAD on layers (R6, §10 Q12)', () => {
    it('206 with Content-Range a-b/size (no "bytes " unit) for the client\'s resume form bytes=n-size', async () => {
      const size = base.layer.length;
      const r = await call('GET', `/v1/images/${base.id}/layer`, { headers: { Range: `bytes=100-${size}` } });
      expect(r.status).to.equal(206);
      expect(r.headers.get('content-range')).to.equal(`100-${size}/${size}`);
      expect(r.body.equals(base.layer.subarray(100))).to.equal(true);
      expect(r.headers.get('content-length')).to.equal(String(size - 100));
    });
    it('206 for an inclusive middle range and an open-ended one', async () => {
      const r = await call('GET', `/v1/images/${base.id}/layer`, { headers: { Range: 'bytes=10-19' } });
      expect(r.body.equals(base.layer.subarray(10, 20))).to.equal(true);
      const open = await call('GET', `/v1/images/${base.id}/layer`, { headers: { Range: 'bytes=5-' } });
      expect(open.body.equals(base.layer.subarray(5))).to.equal(true);
    });
    it('416 for ranges docker-registry refused: length end − start + 1 below 2, end < 1, past the end', async () => {
      const size = base.layer.length;
      for (const range of [`bytes=${size}-${size}`, 'bytes=0-0', 'bytes=10-10', 'bytes=12-10', `bytes=${size + 5}-${size + 9}`]) {
        const r = await call('GET', `/v1/images/${base.id}/layer`, { headers: { Range: range } });
        expect(r.status, range).to.equal(416);
        expect(r.headers.get('content-range'), range).to.equal(`*/${size}`);
        expect(errorOf(r)).to.equal('Requested range not satisfiable');
      }
    });
    it('206 for two-byte ranges, the last byte through the client\'s one-past-the-end form included', async () => {
      const size = base.layer.length;
      const pair = await call('GET', `/v1/images/${base.id}/layer`, { headers: { Range: 'bytes=10-11' } });
      expect(pair.status).to.equal(206);
      expect(pair.body.equals(base.layer.subarray(10, 12))).to.equal(true);
      // A resume with one byte left: Docker asks for bytes=<size-1>-<size> and must get that byte.
      const tail = await call('GET', `/v1/images/${base.id}/layer`, { headers: { Range: `bytes=${size - 1}-${size}` } });
      expect(tail.status).to.equal(206);
      expect(tail.headers.get('content-range')).to.equal(`${size - 1}-${size}/${size}`);
      expect(tail.body.equals(base.layer.subarray(size - 1))).to.equal(true);
    });
    it('ignores a Range header docker-registry could not parse and sends the whole layer (200)', async () => {
      for (const range of ['bytes=abc', 'items=0-10', 'bytes=-100', 'bytes=0-1,5-9']) {
        const r = await call('GET', `/v1/images/${base.id}/layer`, { headers: { Range: range } });
        expect(r.status, range).to.equal(200);
        expect(r.headers.get('content-range'), range).to.equal(null);
        expect(r.body.equals(base.layer), range).to.equal(true);
      }
    });
    it('HEAD gives the length without a body', async () => {
      const r = await call('HEAD', `/v1/images/${base.id}/layer`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-length')).to.equal(String(base.layer.length));
      expect(r.body.length).to.equal(0);
    });
  });

  it('R10 lists the files of the layer; R11 diffs against the parent', async () => {
    const listing = await call('GET', `/v1/images/${child.id}/files`);
    expect(listing.status, listing.text).to.equal(200);
    expect(listing.headers.get('pragma')).to.equal(null);
    const files = listing.json as [string, string, boolean, number][];
    expect(files.map((f) => [f[0], f[1], f[2]])).to.deep.include.members([['etc', 'd', false], ['etc/images-spec-1.txt', 'f', false]]);
    const diff = (await call('GET', `/v1/images/${child.id}/diff`)).json as { created: Record<string, unknown>; changed: Record<string, unknown>; deleted: Record<string, unknown> };
    expect(Object.keys(diff.created)).to.include('etc/images-spec-1.txt');
    expect(Object.keys(diff.changed)).to.include('etc');
  });

  it('R10 answers 400 Layer format not supported for a layer that is not a tar', async () => {
    const odd = (await buildImageChain(1, { seed: 'not-a-tar' }))[0] as FixtureImage;
    const bytes = Buffer.from('definitely not a tar archive');
    const { createHash } = await import('node:crypto');
    await call('PUT', `/v1/images/${odd.id}/json`, { body: odd.json });
    await call('PUT', `/v1/images/${odd.id}/layer`, { body: bytes, chunked: true });
    const payload = `sha256:${createHash('sha256').update(odd.json).update('\n').update(bytes).digest('hex')}`;
    expect((await call('PUT', `/v1/images/${odd.id}/checksum`, { headers: { 'X-Docker-Checksum-Payload': payload } })).status).to.equal(200);
    const r = await call('GET', `/v1/images/${odd.id}/files`);
    expect(r.status).to.equal(400);
    expect(errorOf(r)).to.equal('Layer format not supported');
  });

  it('R12 serves the ≤0.8 private_images routes', async () => {
    const r = await call('GET', `/v1/private_images/${base.id}/json`);
    expect(r.body.equals(base.json)).to.equal(true);
  });

  it('keeps the raw json bytes exactly, whitespace and key order included', async () => {
    const img = (await buildImageChain(1, { seed: 'raw-bytes' }))[0] as FixtureImage;
    const spaced = Buffer.from(`{ "id" :  "${img.id}",\n  "zzz": 1, "aaa": "é" }`);
    expect((await call('PUT', `/v1/images/${img.id}/json`, { body: spaced })).status).to.equal(200);
    await call('PUT', `/v1/images/${img.id}/layer`, { body: img.layer, chunked: true });
    const { createHash } = await import('node:crypto');
    const payload = `sha256:${createHash('sha256').update(spaced).update('\n').update(img.layer).digest('hex')}`;
    expect((await call('PUT', `/v1/images/${img.id}/checksum`, { headers: { 'X-Docker-Checksum-Payload': payload } })).status).to.equal(200);
    expect((await call('GET', `/v1/images/${img.id}/json`)).body.equals(spaced)).to.equal(true);
  });

  it('answers a wrong method with a JSON 405 and an unknown path with a JSON 404', async () => {
    const r = await call('DELETE', `/v1/images/${base.id}/json`);
    expect(r.status).to.equal(405);
    expect(errorOf(r)).to.equal('Method not allowed');
    const nf = await call('PUT', `/v1/images/${base.id}/ancestry`);
    expect(nf.status).to.equal(405);
    expect((await call('GET', '/v1/nothing/here')).status).to.equal(404);
  });
});
