// The wrapper's error policy, checked against a scripted driver (the contract covers paths).
import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CheckedLayerStorage, storagePathProblem } from '../../src/storage/checked-storage.js';
import { PathNotFoundError, StorageBackendError, type LayerStorage } from '../../src/storage/layer-storage.js';
import { MemoryLayerStorage } from '../../src/storage/memory/memory-layer-storage.js';
import { failingSource, rejectionOf } from '../contracts/layer-storage.contract.js';

/** A memory driver whose every call fails with `failure` (or whose writeStream consumes first). */
function failingDriver(failure: unknown): LayerStorage {
  const driver = new MemoryLayerStorage();
  const fail = async () => {
    throw failure;
  };
  return Object.assign(driver, { driverName: 'flaky', getContent: fail, stat: fail, list: fail, delete: fail });
}

describe('CheckedLayerStorage', function () {
  it('wraps a stray error in StorageBackendError with driver name, path and cause', async function () {
    const cause = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    const storage = new CheckedLayerStorage(failingDriver(cause));
    const err = await rejectionOf(storage.getContent('images/x/json'));
    expect(err).to.be.instanceOf(StorageBackendError);
    expect(err).to.include({ driverName: 'flaky', path: 'images/x/json', cause });
    expect((err as Error).message).to.include('EIO: i/o error');
  });

  it('wraps non-Error throwables too', async function () {
    const storage = new CheckedLayerStorage(failingDriver('plain string'));
    const err = await rejectionOf(storage.list('images'));
    expect(err).to.be.instanceOf(StorageBackendError);
    expect(err).to.have.property('cause', 'plain string');
  });

  it('passes typed StorageErrors through untouched', async function () {
    const notFound = new PathNotFoundError('flaky', 'images/x/json');
    const storage = new CheckedLayerStorage(failingDriver(notFound));
    expect(await rejectionOf(storage.stat('images/x/json'))).to.equal(notFound);
  });

  it('passes the source error of writeStream through, but wraps the driver’s own failures', async function () {
    const sourceFailure = new Error('client reset');
    const storage = new CheckedLayerStorage(new MemoryLayerStorage());
    expect(await rejectionOf(storage.writeStream('a/b', failingSource(Buffer.from('x'), sourceFailure)))).to.equal(sourceFailure);

    const diskFull = new Error('ENOSPC');
    const broken = Object.assign(new MemoryLayerStorage(), {
      async writeStream(_path: string, source: Readable) {
        await pipeline(source, new PassThrough().resume());
        throw diskFull;
      },
    });
    const err = await rejectionOf(new CheckedLayerStorage(broken).writeStream('a/b', Readable.from([Buffer.from('x')])));
    expect(err).to.be.instanceOf(StorageBackendError);
    expect(err).to.have.property('cause', diskFull);
  });

  it('names the driver it wraps', function () {
    expect(new CheckedLayerStorage(new MemoryLayerStorage()).driverName).to.equal('memory');
  });

  describe('storagePathProblem', function () {
    const table: Array<[string, string | null]> = [
      ['images/abc/json', null],
      ['a', null],
      ['a/b.c/..d/...', null],
      ['', 'the root is not an object path'],
      ['/a', 'paths are relative: no leading "/"'],
      ['a/', 'no trailing "/"'],
      ['a//b', 'empty segment ("//")'],
      ['a\\b', 'backslash is not allowed'],
      ['a\u0001b', 'control characters are not allowed'],
      ['a/../b', '"." and ".." segments are not allowed'],
      ['./a', '"." and ".." segments are not allowed'],
    ];
    for (const [path, problem] of table) {
      it(`${JSON.stringify(path)} → ${problem ?? 'valid'}`, function () {
        expect(storagePathProblem(path)).to.equal(problem);
      });
    }

    it('accepts the root only when allowed', function () {
      expect(storagePathProblem('', { allowRoot: true })).to.equal(null);
    });
  });
});
