import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { digestStream, payloadChecksum } from '@v1hub/shared';
import { Readable } from 'node:stream';
import { RegistryApi, Transport, createV1Client, V1ClientError, type Exchange, type LayerProgressEvent, type PulledImage, type PushedImage, type PushReport, type V1Client } from '@v1hub/shared/client';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { startStack, type Stack } from './support/stack.js';
import { CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TAG, CENTOS_TAR, CENTOS_TOP, fixtureSave, readTarEntries } from '@v1hub/shared/testing';

describe('client push and pull against an Index and a Registry', function () {
  let stack: Stack;
  let dir: TempDir;
  let alice: V1Client;
  const exchanges: Exchange[] = [];
  let host: string;
  let firstPush: PushReport;

  before(async function () {
    stack = await startStack();
    dir = await makeTempDir('v1hub-client');
    host = new URL(stack.indexUrl).host;
    alice = createV1Client({ indexUrl: stack.indexUrl, onExchange: (e) => exchanges.push(e), retry: { baseDelayMs: 10 } });
    await alice.login({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
  });

  after(async function () {
    alice.close();
    await stack.close();
    await dir.remove();
  });

  it('pushes the centos docker save tarball parents first, as Docker 1.5 did (§6.3)', async function () {
    exchanges.length = 0;
    firstPush = await alice.push(`${host}/alice/centos`, CENTOS_TAR);
    expect(firstPush.repository).to.equal('alice/centos');
    expect(firstPush.tags).to.deep.equal([{ tag: CENTOS_TAG, id: CENTOS_TOP }]);
    expect(firstPush.imageIds).to.deep.equal([CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP]);
    expect(firstPush.endpoints).to.deep.equal([stack.registryHost]);
    expect(firstPush.images.map((i) => [i.id, i.outcome])).to.deep.equal([
      [CENTOS_BASE, 'uploaded'],
      [CENTOS_MIDDLE, 'uploaded'],
      [CENTOS_TOP, 'uploaded'],
    ]);
    for (const image of firstPush.images) {
      expect(image.tarsum).to.match(/^tarsum\+sha256:[0-9a-f]{64}$/);
      expect(image.payload).to.match(/^sha256:[0-9a-f]{64}$/);
      expect(image.layerBytes).to.be.greaterThan(0);
    }
    expect(firstPush.images.map((i) => i.tarBytes)).to.deep.equal([512, 0, 10240]);

    const calls = exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`);
    expect(calls.slice(0, 3)).to.deep.equal(['GET /v2/ 404', 'GET /v1/_ping 200', 'PUT /v1/repositories/alice/centos/ 200']);
    // §10 Q2: the write token is refused on GET json, which means "push it".
    expect(calls.filter((c) => c.startsWith('GET /v1/images/'))).to.have.length(3).and.satisfy((l: string[]) => l.every((c) => c.endsWith(' 401')));
    expect(calls.at(-2)).to.equal(`PUT /v1/repositories/alice/centos/tags/${CENTOS_TAG} 200`);
    expect(calls.at(-1)).to.equal('PUT /v1/repositories/alice/centos/images 204');

    const putRepo = exchanges.find((e) => e.route === 'putRepository') as Exchange;
    expect(putRepo.requestHeaders['X-Docker-Token']).to.equal('true');
    const layerPut = exchanges.find((e) => e.route === 'putImageLayer') as Exchange;
    expect(layerPut.requestHeaders['Content-Length']).to.equal(undefined);
    expect(layerPut.requestHeaders['Content-Type']).to.equal('application/octet-stream');
    expect(layerPut.requestHeaders['User-Agent']).to.match(/^docker\/1\.5\.0 go\/go1\.4\.1 /);
    const checksumPut = exchanges.filter((e) => e.route === 'putImageChecksum');
    // Layers go up concurrently, so the checksum PUTs finish in any order.
    expect(checksumPut.map((e) => e.requestHeaders['X-Docker-Checksum-Payload'])).to.have.members(firstPush.images.map((i) => i.payload));
    const closing = exchanges.at(-1) as Exchange;
    expect(closing.requestHeaders['X-Docker-Endpoints']).to.equal(`http://${stack.registryHost}/v1/`);
    expect(closing.requestBytes).to.equal(2); // `[]`, §10 Q1
  });

  it('shows the exchange hooks masked credentials only', function () {
    const text = JSON.stringify(exchanges);
    expect(text).not.to.include(Buffer.from('alice:alice-pass').toString('base64'));
    for (const e of exchanges) {
      const auth = e.requestHeaders.Authorization;
      if (auth === undefined) continue;
      expect(auth).to.satisfy((a: string) => a === 'Basic ****' || /^Token signature=[^,]{0,6}…,repository="alice\/centos",access=write$/.test(a), auth);
    }
    const issued = exchanges.find((e) => e.route === 'putRepository') as Exchange;
    expect(issued.responseHeaders['x-docker-token']).to.match(/^signature=[^,]{0,6}…,repository="alice\/centos",access=write$/);
    expect(issued.responseHeaders['www-authenticate']).to.include('…');
  });

  it('pulls to a docker save tarball whose layers are byte-identical to the original (§6.2)', async function () {
    const out = join(dir.path, 'pulled.tar');
    const report = await alice.pull(`${host}/alice/centos:${CENTOS_TAG}`, { to: out });
    expect(report.imageId).to.equal(CENTOS_TOP);
    expect(report.images.map((i) => i.id)).to.deep.equal([CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP]);
    expect(report.images.every((i) => i.verified)).to.equal(true);
    expect(report.images.map((i) => i.payload)).to.deep.equal(firstPush.images.map((i) => i.payload));
    expect(report.tagsEndpoint).to.equal(stack.registryHost);

    const original = await readTarEntries(CENTOS_TAR);
    const pulled = await readTarEntries(out);
    for (const id of [CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP]) {
      expect(pulled.get(`${id}/layer.tar`)?.equals(original.get(`${id}/layer.tar`) as Buffer), `${id}/layer.tar`).to.equal(true);
      expect(pulled.get(`${id}/json`)?.equals(original.get(`${id}/json`) as Buffer), `${id}/json`).to.equal(true);
      expect(pulled.get(`${id}/VERSION`)?.toString()).to.equal('1.0');
    }
    expect(JSON.parse((pulled.get('repositories') as Buffer).toString())).to.deep.equal({ [`${host}/alice/centos`]: { [CENTOS_TAG]: CENTOS_TOP } });

    // The same ids and checksums come out of the pulled tarball: gzip with the same settings is deterministic.
    for (const image of firstPush.images) {
      const layerTar = pulled.get(`${image.id}/layer.tar`) as Buffer;
      const json = pulled.get(`${image.id}/json`) as Buffer;
      expect(payloadChecksum(json, gzipSync(layerTar))).to.equal(image.payload);
      expect((await digestStream([layerTar], { json })).tarsums.tarsum).to.equal(image.tarsum);
    }
  });

  it('re-pushes the pulled tarball as a no-op: every image is reported as already there', async function () {
    const again = await alice.push(`${host}/alice/centos`, join(dir.path, 'pulled.tar'));
    expect(again.imageIds).to.deep.equal(firstPush.imageIds);
    expect(again.images.map((i) => i.outcome)).to.deep.equal(['already-exists', 'already-exists', 'already-exists']);
    expect(again.bytesSent).to.equal(0);
    expect(again.steps.filter((s) => s.action === 'putImageLayer')).to.have.length(0);
  });

  it('reports the byte progress of every layer while it streams, ending at the layer size, push and pull', async function () {
    const events: LayerProgressEvent[] = [];
    const watcher = createV1Client({ indexUrl: stack.indexUrl, credentials: { username: 'alice', password: 'alice-pass' }, onLayerProgress: (e) => events.push(e) });
    try {
      // Pseudo-random layers do not compress: about 1 MiB on the wire each, many chunks.
      const fixture = await fixtureSave(dir.path, 'progress', 2, { extraBytes: 1 << 20 });
      const pushed = await watcher.push(`${host}/alice/progress`, fixture.path);
      const pulled = await watcher.pull(`${host}/alice/progress`, { to: join(dir.path, 'progress-pulled.tar') });
      for (const [direction, images] of [['push', pushed.images], ['pull', pulled.images]] as const) {
        for (const image of images) {
          const mine = events.filter((e) => e.direction === direction && e.imageId === image.id);
          expect(mine.length, `${direction} ${image.id}: events while streaming`).to.be.greaterThan(2);
          expect(mine.every((e) => e.endpoint === stack.registryHost)).to.equal(true);
          const counts = mine.map((e) => e.bytes);
          expect(counts, 'never going back').to.deep.equal([...counts].sort((a, b) => a - b));
          const expected = direction === 'push' ? (image as PushedImage).tarBytes : (image as PulledImage).layerBytes;
          expect(mine.at(-1)).to.include({ bytes: expected, total: expected });
        }
      }
    } finally {
      watcher.close();
    }
  });

  it('shields a transfer from a progress hook that throws', async function () {
    const fragile = createV1Client({
      indexUrl: stack.indexUrl,
      credentials: { username: 'alice', password: 'alice-pass' },
      onLayerProgress: () => {
        throw new Error('broken display');
      },
    });
    try {
      const report = await fragile.pull(`${host}/alice/progress`);
      expect(report.images.every((i) => i.verified)).to.equal(true);
    } finally {
      fragile.close();
    }
  });

  it('lists the tags and finds the repository by search', async function () {
    const tags = await alice.tags(`${host}/alice/centos`);
    expect(tags.tags).to.deep.equal({ [CENTOS_TAG]: CENTOS_TOP });
    expect(tags.endpoint).to.equal(stack.registryHost);
    const found = await alice.search('centos', { limit: 10 });
    expect(found.results.map((r) => r.name)).to.include('alice/centos');
  });

  it('fails a pull of a missing tag with a clear message', async function () {
    const err = await alice.pull(`${host}/alice/centos:nope`).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(V1ClientError);
    expect((err as V1ClientError).message).to.equal('pull alice/centos: Tag nope not found in repository alice/centos (its tags: 6-2015.03.20)');
  });

  it('refuses a push without credentials with the Index message (Basic Og==, §10 Q20)', async function () {
    const anonymous = createV1Client({ indexUrl: stack.indexUrl, onExchange: (e) => exchanges.push(e) });
    try {
      exchanges.length = 0;
      const err = (await anonymous.push(`${host}/alice/other`, CENTOS_TAR).catch((e: unknown) => e)) as V1ClientError;
      expect(err.message).to.match(/^push alice\/other: PUT \/v1\/repositories\/alice\/other\/: 401 /);
      expect(err.code).to.equal('UNAUTHORIZED');
      // The exchange masks it like any Basic value; the wire carried `Basic Og==`.
      expect(exchanges.find((e) => e.route === 'putRepository')?.requestHeaders.Authorization).to.equal('Basic ****');
    } finally {
      anonymous.close();
    }
  });

  it('reports a layer upload refused by the registry with the call and the server message', async function () {
    const transport = new Transport();
    try {
      const registry = new RegistryApi(transport);
      const big = () => Readable.from((function* () {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(64 * 1024, i);
      })());
      const res = await registry.putImageLayer(`http://${stack.registryHost}`, 'a'.repeat(64), big, 'Token signature=bogus,repository="alice/centos",access=write');
      expect(res.status).to.equal(401);
      expect(await res.serverMessage()).to.equal('Requires authorization');
      expect(res.header('WWW-Authenticate')).to.equal('Token');
    } finally {
      transport.close();
    }
  });

  it('deletes the repository (§6.4), after which a pull fails clearly', async function () {
    exchanges.length = 0;
    const report = await alice.deleteRepository(`${host}/alice/centos`);
    expect(report.deletedOn).to.deep.equal([stack.registryHost]);
    expect(exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`).slice(2)).to.deep.equal([
      'DELETE /v1/repositories/alice/centos/ 202',
      'DELETE /v1/repositories/alice/centos/ 200',
      'DELETE /v1/repositories/alice/centos/ 200',
    ]);
    expect(exchanges[3]?.requestHeaders.Authorization).to.match(/^Token signature=.*access=delete$/);
    expect(exchanges[4]?.requestHeaders['X-Docker-Endpoints']).to.equal(`http://${stack.registryHost}/v1/`);

    const err = (await alice.pull(`${host}/alice/centos:${CENTOS_TAG}`).catch((e: unknown) => e)) as V1ClientError;
    expect(err).to.be.instanceOf(V1ClientError);
    expect(err.message).to.equal('pull alice/centos: GET /v1/repositories/alice/centos/images: 404 Repository not found');
    expect(err.code).to.equal('NOT_FOUND');
  });
});
