// Pushing what today's Docker saves: the layouts of Docker 1.10–24, Docker ≥ 25 (OCI) and the bare OCI
// layout, with plain and gzip layer blobs, read into the v1 chain Docker derived (ids checked against
// Docker 20.10's own, see test/image/v1-compat.spec.ts), pushed, and pulled back byte-identical.
import { expect } from 'chai';
import { join } from 'node:path';
import { createV1Client, openDockerSave, toImageReference, type V1Client } from '@v1hub/shared/client';
import { makeTempDir, modernConfig, readTarEntries, sha256Hex, writeModernSave, writeTarEntries, type ModernImageInput, type ModernSaveOptions, type TempDir } from '@v1hub/shared/testing';
import { buildExampleImages } from '../../src/client/example-image.js';
import { configFromV1Chain } from '../../src/image/v1-compat.js';
import { buildTar } from '../../src/tar/build-tar.js';
import { startStack, type Stack } from './support/stack.js';

/** The v1 ids Docker 20.10's `docker save` gave the example image (loaded from v1hub's own tarball). */
const DOCKER_BASE_ID = 'd0224532c0747d81d77bb920aae776bd463382a7b4751538cb51b28b1cd17927';
const DOCKER_TOP_ID = '8674d322800cd079a1447f50d4e9da6acb2590f21e84318c37cbfd8477d53f45';

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('docker save layouts of Docker ≥ 1.10 (manifest.json, OCI)', function () {
  let dir: TempDir;
  /** The example image as Docker 20.10 holds it: its config and plain layers. */
  let example: ModernImageInput;
  /** A second image on the same layers with another config (a LABEL step adds no layer). */
  let labelled: ModernImageInput;

  before(async function () {
    dir = await makeTempDir('v1hub-layouts');
    const images = await buildExampleImages();
    const layers = images.map((image) => image.layerTar);
    const config = configFromV1Chain(images.map((image) => ({ json: image.json, diffId: `sha256:${sha256Hex(image.layerTar)}` })));
    example = { config, layers, repoTags: ['example:latest'] };
    const withLabel = JSON.parse(config) as { config: Record<string, unknown> };
    withLabel.config.Labels = { stage: 'labelled' };
    labelled = { config: JSON.stringify(withLabel), layers, repoTags: ['example:labelled'] };
  });

  after(async function () {
    await dir.remove();
  });

  const layouts: Array<[string, ModernSaveOptions, string]> = [
    ['Docker 1.10–24 (v1 json beside manifest.json, a shared layer as a symlink)', { layout: 'docker-1.10' }, 'v1'],
    ['manifest.json + config + <diff>/layer.tar, no v1 json', { layout: 'manifest-only' }, 'manifest'],
    ['the same with gzip layers', { layout: 'manifest-only', gzip: true }, 'manifest'],
    ['Docker ≥ 25 (OCI blobs, manifest.json), plain layers', { layout: 'docker-25' }, 'manifest'],
    ['Docker ≥ 25 with gzip layers (containerd image store)', { layout: 'docker-25', gzip: true }, 'manifest'],
    ['the bare OCI layout with gzip layers', { layout: 'oci', gzip: true }, 'oci'],
    ['the bare OCI layout behind a multi-platform index with an attestation', { layout: 'oci', multiPlatform: true }, 'oci'],
  ];

  for (const [title, options, layout] of layouts) {
    it(`reads ${title} into the v1 chain Docker derived`, async function () {
      const path = join(dir.path, `${options.layout}-${options.gzip ? 'gz' : 'plain'}-${options.multiPlatform ? 'multi' : 'one'}.tar`);
      await writeModernSave(path, [example, labelled], options);
      const archive = await openDockerSave(path);
      expect(archive.layout).to.equal(layout);
      expect(archive.images.get(DOCKER_TOP_ID)?.parent).to.equal(DOCKER_BASE_ID);
      expect(archive.images.get(DOCKER_BASE_ID)?.parent).to.equal(null);
      expect(archive.images.size).to.equal(3); // base, example's top, the labelled top on the same layer
      const tags = archive.repositories['example'] ?? archive.repositories['docker.io/library/example'];
      expect(tags?.latest).to.equal(DOCKER_TOP_ID);
      const labelledTop = tags?.labelled as string;
      expect(archive.images.get(labelledTop)?.parent).to.equal(DOCKER_BASE_ID);

      for (const [id, layer] of [[DOCKER_BASE_ID, example.layers[0]], [DOCKER_TOP_ID, example.layers[1]], [labelledTop, example.layers[1]]] as const) {
        const image = archive.images.get(id);
        expect((await bytesOf(image?.openLayer() as NodeJS.ReadableStream)).equals(layer as Buffer), id).to.equal(true);
        expect(image?.layerSize).to.equal((layer as Buffer).length);
      }
      const selection = archive.select(toImageReference('127.0.0.1:5000/alice/example'));
      expect(selection.tags).to.deep.equal([{ tag: 'labelled', id: labelledTop }, { tag: 'latest', id: DOCKER_TOP_ID }]);
    });
  }

  it('pushes an OCI image named by its ref.name tag alone under the repository asked for', async function () {
    const path = join(dir.path, 'ref-name.tar');
    await writeModernSave(path, [example], { layout: 'oci', refNameOnly: true });
    const archive = await openDockerSave(path);
    expect(archive.repositories).to.deep.equal({ '': { latest: DOCKER_TOP_ID } });
    expect(archive.select(toImageReference('alice/anything')).tags).to.deep.equal([{ tag: 'latest', id: DOCKER_TOP_ID }]);
    expect(() => archive.select(toImageReference('alice/anything:2'))).to.not.throw();
    expect(archive.select(toImageReference('alice/anything:2')).tags).to.deep.equal([{ tag: '2', id: DOCKER_TOP_ID }]);
  });

  it('refuses zstd layers with what to do instead, in one line', async function () {
    const path = join(dir.path, 'zstd.tar');
    await writeModernSave(path, [example], { layout: 'oci', zstd: true });
    const err = await openDockerSave(path).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/zstd\.tar: layer blobs\/sha256\/[0-9a-f]{64} is zstd-compressed; v1hub reads plain and gzip layers \(.*skopeo copy --dest-compress-format gzip\)$/);
  });

  it('names what is missing or malformed in a manifest.json tarball', async function () {
    const noLayers = join(dir.path, 'no-layers.tar');
    await writeModernSave(noLayers, [{ config: modernConfig([]), layers: [], repoTags: ['x:1'] }], { layout: 'manifest-only' });
    expect((await openDockerSave(noLayers).catch((e: Error) => e)).toString()).to.match(/no-layers\.tar: [0-9a-f]{64}\.json: the image config lists no layers/);

    const layer = await buildTar([{ name: 'a', content: 'a' }]);
    const mismatch = join(dir.path, 'mismatch.tar');
    await writeModernSave(mismatch, [{ config: modernConfig([layer, layer]), layers: [layer], repoTags: ['x:1'] }], { layout: 'manifest-only' });
    expect((await openDockerSave(mismatch).catch((e: Error) => e)).toString()).to.match(/lists 2 layers but the manifest has 1/);
  });

  it('says which platforms a multi-platform OCI index holds when none can be pushed here', async function () {
    const path = join(dir.path, 'multi-missing.tar');
    await writeModernSave(path, [example], { layout: 'oci', multiPlatform: true });
    // Rewrite the tarball without the amd64 layers: no platform is complete.
    const entries = await readTarEntries(path);
    const layerNames = example.layers.map((layer) => `blobs/sha256/${sha256Hex(layer)}`);
    await writeTarEntries(path, [...entries].filter(([name]) => !layerNames.includes(name)));
    expect((await openDockerSave(path).catch((e: Error) => e)).toString()).to.match(/is a multi-platform index with no platform whose blobs are all in the tarball/);
  });
});

describe('pushing Docker ≥ 1.10 tarballs and pulling them back', function () {
  let stack: Stack;
  let dir: TempDir;
  let alice: V1Client;
  let host: string;
  let example: ModernImageInput;

  before(async function () {
    stack = await startStack();
    dir = await makeTempDir('v1hub-layouts-push');
    host = new URL(stack.indexUrl).host;
    alice = createV1Client({ indexUrl: stack.indexUrl, retry: { baseDelayMs: 10 } });
    await alice.login({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
    const images = await buildExampleImages();
    const config = configFromV1Chain(images.map((image) => ({ json: image.json, diffId: `sha256:${sha256Hex(image.layerTar)}` })));
    example = { config, layers: images.map((image) => image.layerTar), repoTags: ['example:latest'] };
  });

  after(async function () {
    alice.close();
    await stack.close();
    await dir.remove();
  });

  for (const [name, options] of [['oci', { layout: 'docker-25', gzip: true }], ['docker-1.10', { layout: 'docker-1.10' }]] as const) {
    it(`pushes a ${name} tarball and pulls back byte-identical layers, with the json Docker derived`, async function () {
      const source = join(dir.path, `${name}.tar`);
      await writeModernSave(source, [example], options);
      const pushed = await alice.push(`${host}/alice/${name}`, source);
      expect(pushed.tags).to.deep.equal([{ tag: 'latest', id: DOCKER_TOP_ID }]);
      expect(pushed.imageIds).to.deep.equal([DOCKER_BASE_ID, DOCKER_TOP_ID]);

      const out = join(dir.path, `${name}-pulled.tar`);
      const pulled = await alice.pull(`${host}/alice/${name}`, { to: out });
      expect(pulled.images.map((image) => image.id)).to.deep.equal([DOCKER_BASE_ID, DOCKER_TOP_ID]);
      const entries = await readTarEntries(out);
      expect(entries.get(`${DOCKER_BASE_ID}/layer.tar`)?.equals(example.layers[0] as Buffer)).to.equal(true);
      expect(entries.get(`${DOCKER_TOP_ID}/layer.tar`)?.equals(example.layers[1] as Buffer)).to.equal(true);
      const archive = await openDockerSave(source);
      expect(entries.get(`${DOCKER_TOP_ID}/json`)?.equals(archive.images.get(DOCKER_TOP_ID)?.json as Buffer)).to.equal(true);

      // The pulled tarball's manifest.json names configs whose ids are those of a legacy `docker load`.
      const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString()) as Array<{ Config: string; RepoTags: string[] | null; Layers: string[]; Parent?: string }>;
      expect(manifest.map((item) => item.Layers)).to.deep.equal([[`${DOCKER_BASE_ID}/layer.tar`], [`${DOCKER_BASE_ID}/layer.tar`, `${DOCKER_TOP_ID}/layer.tar`]]);
      expect(manifest[1]?.RepoTags).to.deep.equal([`${host}/alice/${name}:latest`]);
      expect(manifest[1]?.Parent).to.equal(`sha256:${(manifest[0]?.Config as string).replace(/\.json$/, '')}`);
      for (const item of manifest) expect(sha256Hex(entries.get(item.Config) as Buffer)).to.equal(item.Config.replace(/\.json$/, ''));
    });
  }
});
