import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { DockerSaveFile, IN_FILE, positionalWriter, type ClaimedLayer } from '../../src/client/docker-save-writer.js';
import { openDockerSave, toImageReference, writeDockerSave, type DockerSaveArchive } from '@v1hub/shared/client';
import { buildImageChain, makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TAG, CENTOS_TAR, CENTOS_TOP, readTarEntries, writeFixtureSave } from '@v1hub/shared/testing';

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('docker save tarballs (reader and writer)', function () {
  let dir: TempDir;
  let centos: DockerSaveArchive;

  before(async function () {
    dir = await makeTempDir('v1hub-save');
    centos = await openDockerSave(CENTOS_TAR);
  });

  after(async function () {
    await dir.remove();
  });

  it('reads the metadata in one pass and opens each layer as a byte range of the file', async function () {
    expect(centos.repositories).to.deep.equal({ 'matthughes/library-centos': { [CENTOS_TAG]: CENTOS_TOP } });
    expect([...centos.images.keys()].sort()).to.deep.equal([CENTOS_BASE, CENTOS_TOP, CENTOS_MIDDLE].sort());
    expect(centos.images.get(CENTOS_TOP)?.parent).to.equal(CENTOS_MIDDLE);
    expect(centos.images.get(CENTOS_BASE)?.parent).to.equal(null);
    expect(centos.images.get(CENTOS_BASE)?.version).to.equal('1.0');
    const entries = await readTarEntries(CENTOS_TAR);
    for (const image of centos.images.values()) {
      expect((await bytesOf(image.openLayer())).equals(entries.get(`${image.id}/layer.tar`) as Buffer), image.id).to.equal(true);
      expect(image.json.equals(entries.get(`${image.id}/json`) as Buffer)).to.equal(true);
      expect(image.layerSize).to.equal(entries.get(`${image.id}/layer.tar`)?.length);
    }
  });

  it('selects the only repository, all its tags when none is given, or the one given', function () {
    const all = centos.select(toImageReference('127.0.0.1:5000/alice/centos'));
    expect(all.repository).to.equal('matthughes/library-centos');
    expect(all.tags).to.deep.equal([{ tag: CENTOS_TAG, id: CENTOS_TOP }]);
    expect(all.image(CENTOS_BASE)?.id).to.equal(CENTOS_BASE);
    expect(centos.select(toImageReference(`alice/centos:${CENTOS_TAG}`)).tags).to.deep.equal([{ tag: CENTOS_TAG, id: CENTOS_TOP }]);
  });

  it('pushes the only tagged image under the tag asked for (a retag)', function () {
    expect(centos.select(toImageReference('alice/centos:7')).tags).to.deep.equal([{ tag: '7', id: CENTOS_TOP }]);
  });

  it('says clearly when the tag is not among several in the tarball', async function () {
    const chain = await buildImageChain(1, { seed: 'two-tags' });
    const path = join(dir.path, 'two-tags.tar');
    const id = chain[0]?.id as string;
    await writeFixtureSave(path, chain, 'team/two', 'a', { 'team/two': { a: id, b: id } });
    const archive = await openDockerSave(path);
    expect(() => archive.select(toImageReference('team/two:c'))).to.throw(`${path}: tag c is not in the tarball (tags of team/two: a, b)`);
  });

  it('matches a repository by name among several, and refuses an unknown one', async function () {
    const chain = await buildImageChain(1, { seed: 'multi' });
    const path = join(dir.path, 'multi.tar');
    const id = chain[0]?.id as string;
    await writeFixtureSave(path, chain, 'localhost:5000/team/app', 'v1', { 'team/other': { v2: id } });
    const archive = await openDockerSave(path);
    expect(archive.select(toImageReference('127.0.0.1:5001/team/app')).repository).to.equal('localhost:5000/team/app');
    expect(archive.select(toImageReference('team/other')).tags).to.deep.equal([{ tag: 'v2', id }]);
    expect(() => archive.select(toImageReference('team/third'))).to.throw(`${path}: no repository named team/third in the tarball (it holds localhost:5000/team/app, team/other)`);
  });

  it('rejects a file that is not a docker save tarball with a one-line message', async function () {
    const path = join(dir.path, 'junk.tar');
    await writeFile(path, Buffer.alloc(1024, 7));
    const err = await openDockerSave(path).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/junk\.tar: not a readable docker save tarball: /);
    expect(err?.message).not.to.include('\n');
  });

  it('refuses a tarball cut anywhere before its end-of-archive blocks, at an entry boundary too, in one line', async function () {
    const whole = await readFile(CENTOS_TAR);
    let dataEnd = whole.length;
    while (dataEnd > 0 && whole[dataEnd - 1] === 0) dataEnd--;
    dataEnd = Math.ceil(dataEnd / 512) * 512;
    const cuts = [100, 700, 10_000, 12_345];
    for (let at = 512; at <= dataEnd; at += 512) cuts.push(at);
    for (const at of cuts) {
      const path = join(dir.path, `cut-${at}.tar`);
      await writeFile(path, whole.subarray(0, at));
      const err = await openDockerSave(path).then(() => null, (e: Error) => e);
      expect(err, `cut at ${at}`).to.be.instanceOf(Error);
      expect(err?.message, `cut at ${at}`).to.match(/cut-\d+\.tar: (not a readable docker save tarball|the tarball is truncated|no image found|image [0-9a-f]{64} has no)/);
      expect(err?.message).not.to.include('\n');
    }
  });

  it('writes a tarball that reads back identically, atomically', async function () {
    const entries = await readTarEntries(CENTOS_TAR);
    const layerFiles: string[] = [];
    for (const id of [CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP]) {
      const file = join(dir.path, `${id}.layer`);
      await writeFile(file, entries.get(`${id}/layer.tar`) as Buffer);
      layerFiles.push(file);
    }
    const out = join(dir.path, 'written.tar');
    await writeDockerSave(out, {
      repositories: { 'host:1/alice/centos': { [CENTOS_TAG]: CENTOS_TOP } },
      images: [CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP].map((id, i) => ({ id, json: entries.get(`${id}/json`) as Buffer, layer: { path: layerFiles[i] as string, size: (entries.get(`${id}/layer.tar`) as Buffer).length } })),
    });
    const back = await openDockerSave(out);
    for (const [id, image] of centos.images) {
      expect((await bytesOf(back.images.get(id)?.openLayer() as NodeJS.ReadableStream)).equals(await bytesOf(image.openLayer()))).to.equal(true);
    }
    expect(back.repositories).to.deep.equal({ 'host:1/alice/centos': { [CENTOS_TAG]: CENTOS_TOP } });
    expect((await readdir(dir.path)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });
});

describe('DockerSaveFile: a layer written straight into its place in the tarball', function () {
  let dir: TempDir;
  before(async function () {
    dir = await makeTempDir('v1hub-save-file');
  });
  after(async function () {
    await dir.remove();
  });

  it('commits a claimed layer, gives back a released one, appends staged ones, and reads back whole', async function () {
    const chain = await buildImageChain(3, { seed: 'save-file' });
    const tars = chain.map((image) => gunzipSync(image.layer));
    const out = join(dir.path, 'assembled.tar');
    const file = await DockerSaveFile.create(out);

    // The first claim is released after writing part of a body (a failed download): its place is reused.
    const dropped = await file.claimLayer(chain[0]?.id as string, chain[0]?.json as Buffer);
    expect(dropped).to.not.equal(null);
    expect(await file.claimLayer(chain[1]?.id as string, chain[1]?.json as Buffer), 'one layer at a time').to.equal(null);
    await pipeline(Readable.from([Buffer.alloc(100_000, 7)]), positionalWriter((dropped as ClaimedLayer).handle, (dropped as ClaimedLayer).bodyStart));
    dropped?.release();

    const claimed = (await file.claimLayer(chain[0]?.id as string, chain[0]?.json as Buffer)) as ClaimedLayer;
    await pipeline(Readable.from([tars[0] as Buffer]), positionalWriter(claimed.handle, claimed.bodyStart));
    await claimed.commit((tars[0] as Buffer).length, `sha256:${createHash('sha256').update(tars[0] as Buffer).digest('hex')}`);

    const staged = join(dir.path, 'staged.layer');
    await writeFile(staged, tars[1] as Buffer);
    const size = await file.finish({
      repositories: { 'team/app': { latest: chain[2]?.id as string } },
      images: [
        { id: chain[0]?.id as string, json: chain[0]?.json as Buffer, layer: IN_FILE },
        { id: chain[1]?.id as string, json: chain[1]?.json as Buffer, layer: { path: staged, size: (tars[1] as Buffer).length } },
        { id: chain[2]?.id as string, json: chain[2]?.json as Buffer, layer: tars[2] as Buffer },
      ],
    });
    expect((await stat(out)).size).to.equal(size);
    const back = await openDockerSave(out);
    for (const [i, image] of chain.entries()) {
      expect((await bytesOf(back.images.get(image.id)?.openLayer() as NodeJS.ReadableStream)).equals(tars[i] as Buffer), image.id).to.equal(true);
    }
    const entries = await readTarEntries(out);
    const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString()) as Array<{ RepoTags: string[] | null }>;
    expect(manifest.map((item) => item.RepoTags)).to.deep.equal([null, null, ['team/app:latest']]);
    expect((await readdir(dir.path)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });
});
