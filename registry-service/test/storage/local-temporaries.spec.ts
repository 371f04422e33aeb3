// Local-driver specifics the contract cannot see: the `_uploads/` temporaries behind atomic writes,
// their cleanup after a crash, and what actually lands on disk.
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CheckedLayerStorage } from '../../src/storage/checked-storage.js';
import { InvalidPathError, STORAGE_ROOT } from '../../src/storage/layer-storage.js';
import { LocalLayerStorage, UPLOADS_DIR } from '../../src/storage/local/local-layer-storage.js';
import { failingSource, pattern, rejectionOf } from '../contracts/layer-storage.contract.js';

const HOUR_MS = 60 * 60 * 1000;

describe('LocalLayerStorage temporaries', function () {
  let dir: TempDir;
  let uploads: string;

  beforeEach(async function () {
    dir = await makeTempDir('v1hub-local-temporaries');
    uploads = join(dir.path, UPLOADS_DIR);
  });

  afterEach(async function () {
    await dir.remove();
  });

  /** Leaves a temporary the way a process killed mid-write would, last touched `ageMs` ago. */
  async function abandonedTemporary(name: string, ageMs: number): Promise<string> {
    const file = join(uploads, name);
    await writeFile(file, pattern(4096));
    const when = new Date(Date.now() - ageMs);
    await utimes(file, when, when);
    return file;
  }

  it('keeps an in-flight write in _uploads/ only, invisible under its final path', async function () {
    const storage = new CheckedLayerStorage(await LocalLayerStorage.open({ root: dir.path }));
    const source = new PassThrough();
    const controller = new AbortController();
    const writing = storage.writeStream('images/abc/layer', source, { signal: controller.signal });
    source.write(pattern(256 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 50));

    // This is the state a crash right now would leave: one temporary, nothing at the final path.
    expect(await readdir(uploads)).to.have.length(1);
    expect(existsSync(join(dir.path, 'images'))).to.equal(false);
    expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);

    controller.abort();
    await rejectionOf(writing);
    expect(await readdir(uploads)).to.deep.equal([]);
  });

  it('removes the temporary when the source fails or the write is aborted', async function () {
    const storage = new CheckedLayerStorage(await LocalLayerStorage.open({ root: dir.path }));
    await rejectionOf(storage.writeStream('images/abc/layer', failingSource(pattern(1024), new Error('gone'))));
    await rejectionOf(storage.writeStream('images/abc/layer', new PassThrough(), { signal: AbortSignal.abort() }));
    expect(await readdir(uploads)).to.deep.equal([]);
    expect(await readdir(dir.path)).to.deep.equal([UPLOADS_DIR]);
  });

  it('open() removes temporaries abandoned longer than a day and keeps recent ones', async function () {
    await (await LocalLayerStorage.open({ root: dir.path })).close();
    await abandonedTemporary('crashed.tmp', 48 * HOUR_MS);
    await abandonedTemporary('maybe-in-flight.tmp', HOUR_MS);

    const storage = await LocalLayerStorage.open({ root: dir.path });
    expect(await readdir(uploads)).to.deep.equal(['maybe-in-flight.tmp']);
    expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);
  });

  it('cleanupTemporaries(olderThanMs) removes only temporaries older than the threshold', async function () {
    const storage = await LocalLayerStorage.open({ root: dir.path });
    await abandonedTemporary('old.tmp', 2 * HOUR_MS);
    await abandonedTemporary('new.tmp', 0);

    expect(await storage.cleanupTemporaries(HOUR_MS)).to.equal(1);
    expect(await readdir(uploads)).to.deep.equal(['new.tmp']);
    expect(await storage.cleanupTemporaries(0)).to.equal(1);
    expect(await readdir(uploads)).to.deep.equal([]);
  });

  it('reserves _uploads: it is neither listed nor addressable', async function () {
    const storage = new CheckedLayerStorage(await LocalLayerStorage.open({ root: dir.path }));
    await abandonedTemporary('x.tmp', 0);
    expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);
    expect(await rejectionOf(storage.getContent(`${UPLOADS_DIR}/x.tmp`))).to.be.instanceOf(InvalidPathError);
    expect(await rejectionOf(storage.delete(UPLOADS_DIR))).to.be.instanceOf(InvalidPathError);
  });

  it('prunes directories emptied by delete, up to the root', async function () {
    const storage = new CheckedLayerStorage(await LocalLayerStorage.open({ root: dir.path }));
    await storage.putContent('images/abc/json', '{}');
    await storage.putContent('images/def/json', '{}');
    await storage.delete('images/abc/json');
    expect(await readdir(join(dir.path, 'images'))).to.deep.equal(['def']);
    await storage.delete('images/def');
    expect(await readdir(dir.path)).to.deep.equal([UPLOADS_DIR]);
  });

  it('reads with chunks of at least 1 MiB', async function () {
    const storage = new CheckedLayerStorage(await LocalLayerStorage.open({ root: dir.path }));
    await storage.putContent('images/abc/layer', pattern(3 * 1024 * 1024));
    const { stream } = await storage.openRead('images/abc/layer');
    expect(stream.readableHighWaterMark).to.be.at.least(1024 * 1024);
    stream.destroy();
    await storage.delete('images');
  });
});
