// The LayerStorage contract (design §11): every driver runs these same cases, through
// CheckedLayerStorage, so the memory driver used by higher-level tests is proven faithful to the
// local and S3 drivers. Not matched by *.spec.ts: each driver's spec calls layerStorageContract().
//
// Root-listing semantics: the root is `''` (STORAGE_ROOT). `list('')` always resolves and is `[]`
// for an empty store; after every passing test it must be `[]` again, so each test deletes what
// it created, and a driver that leaks anything visible (temporaries, empty prefixes, failed writes)
// fails the suite. `'/'` is not the root: it is an invalid path.
import { expect } from 'chai';
import { PassThrough, Readable, Writable } from 'node:stream';
import { InvalidPathError, PathNotFoundError, STORAGE_ROOT, type LayerStorage } from '../../src/storage/layer-storage.js';

export interface OpenedLayerStorage {
  /** A storage wrapped in CheckedLayerStorage, empty at the root. */
  readonly storage: LayerStorage;
  /** Closes the storage and removes whatever backs it. */
  dispose(): Promise<void>;
  /**
   * For a driver that gives listing versions: makes `prefix` look unchanged for long enough that it has one
   * (local: backdates the directory). Drivers that always answer null leave it out.
   */
  age?(prefix: string): Promise<void>;
}

const INVALID_PATHS = ['', '/', '/a', 'a/', 'a//b', '//x', 'a/../b', '..', './a', 'a/.', 'a\\b', 'a\u0000b', 'a\nb', 'a\u007fb'];

export function layerStorageContract(label: string, open: () => Promise<OpenedLayerStorage>): void {
  describe(`LayerStorage contract — ${label}`, function () {
    let storage: LayerStorage;
    let dispose: (() => Promise<void>) | undefined;
    let age: ((prefix: string) => Promise<void>) | undefined;

    before(async function () {
      ({ storage, dispose, age } = await open());
    });

    after(async function () {
      await dispose?.();
    });

    afterEach(async function () {
      const leftovers = await storage.list(STORAGE_ROOT);
      // Clean up regardless, so one failure does not cascade into every later test.
      for (const name of leftovers) await storage.delete(name);
      if (this.currentTest?.state === 'passed') expect(leftovers, 'visible leftovers at the root').to.deep.equal([]);
    });

    describe('getContent / putContent', function () {
      for (const [name, content] of contentSamples()) {
        it(`round-trips ${name} content`, async function () {
          await storage.putContent('t/object', content);
          expect(await storage.getContent('t/object')).to.deep.equal(content);
          await storage.delete('t');
        });
      }

      it('stores strings as UTF-8', async function () {
        await storage.putContent('t/text', 'héllo ✓');
        expect(await storage.getContent('t/text')).to.deep.equal(Buffer.from('héllo ✓', 'utf8'));
        await storage.delete('t');
      });

      it('overwrites with shorter content, leaving no stale tail', async function () {
        await storage.putContent('t/object', 'a much longer first version');
        await storage.putContent('t/object', 'short');
        expect((await storage.getContent('t/object')).toString()).to.equal('short');
        expect((await storage.stat('t/object')).size).to.equal(5);
        await storage.delete('t');
      });

      it('keeps its own copy of the content', async function () {
        const content = Uint8Array.from([1, 2, 3]);
        await storage.putContent('t/object', content);
        content[0] = 9;
        const stored = await storage.getContent('t/object');
        stored[1] = 9;
        expect(await storage.getContent('t/object')).to.deep.equal(Buffer.from([1, 2, 3]));
        await storage.delete('t');
      });
    });

    describe('missing paths', function () {
      const operations: Array<[string, (path: string) => Promise<unknown>]> = [
        ['getContent', (path) => storage.getContent(path)],
        ['openRead', (path) => storage.openRead(path)],
        ['stat', (path) => storage.stat(path)],
        ['list', (path) => storage.list(path)],
        ['delete', (path) => storage.delete(path)],
      ];
      for (const [name, operation] of operations) {
        it(`${name} rejects PathNotFoundError carrying driverName and path`, async function () {
          const err = await rejectionOf(operation('t/missing'));
          expect(err).to.be.instanceOf(PathNotFoundError);
          expect(err).to.include({ driverName: storage.driverName, path: 't/missing' });
        });
      }

      it('treats a prefix as no object, and an object as no prefix', async function () {
        await storage.putContent('t/dir/object', 'x');
        expect(await storage.exists('t/dir')).to.equal(false);
        expect(await rejectionOf(storage.getContent('t/dir'))).to.be.instanceOf(PathNotFoundError);
        expect(await rejectionOf(storage.stat('t/dir'))).to.be.instanceOf(PathNotFoundError);
        expect(await rejectionOf(storage.list('t/dir/object'))).to.be.instanceOf(PathNotFoundError);
        await storage.delete('t');
      });
    });

    describe('invalid paths', function () {
      const operations: Array<[string, (path: string) => Promise<unknown>]> = [
        ['getContent', (path) => storage.getContent(path)],
        ['putContent', (path) => storage.putContent(path, 'x')],
        ['openRead', (path) => storage.openRead(path)],
        ['writeStream', (path) => storage.writeStream(path, Readable.from([Buffer.from('x')]))],
        ['stat', (path) => storage.stat(path)],
        ['exists', (path) => storage.exists(path)],
        ['delete', (path) => storage.delete(path)],
      ];
      for (const [name, operation] of operations) {
        it(`${name} rejects InvalidPathError for ${INVALID_PATHS.length} malformed paths`, async function () {
          for (const path of INVALID_PATHS) {
            const err = await rejectionOf(operation(path));
            expect(err, JSON.stringify(path)).to.be.instanceOf(InvalidPathError);
            expect(err).to.include({ driverName: storage.driverName, path });
          }
        });
      }

      it('list accepts the root ("") but rejects every other malformed prefix', async function () {
        expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);
        for (const path of INVALID_PATHS.filter((candidate) => candidate !== STORAGE_ROOT)) {
          expect(await rejectionOf(storage.list(path)), JSON.stringify(path)).to.be.instanceOf(InvalidPathError);
        }
      });
    });

    describe('openRead', function () {
      const content = pattern(1024 * 1024);

      it('streams the whole object and reports its size', async function () {
        await storage.putContent('t/layer', content);
        const { stream, size } = await storage.openRead('t/layer');
        expect(size).to.equal(content.length);
        expect(await readAll(stream)).to.deep.equal(content);
        await storage.delete('t');
      });

      it('streams from an offset and reports the full size', async function () {
        await storage.putContent('t/layer', content);
        const { stream, size } = await storage.openRead('t/layer', { start: 1000 });
        expect(size).to.equal(content.length);
        expect(await readAll(stream)).to.deep.equal(content.subarray(1000));
        await storage.delete('t');
      });

      it('streams an inclusive start–end range', async function () {
        await storage.putContent('t/layer', content);
        const { stream, size } = await storage.openRead('t/layer', { start: 10, end: 19 });
        expect(size).to.equal(content.length);
        expect(await readAll(stream)).to.deep.equal(content.subarray(10, 20));
        await storage.delete('t');
      });

      it('clamps an end past the last byte', async function () {
        await storage.putContent('t/small', 'abcdef');
        const { stream, size } = await storage.openRead('t/small', { start: 2, end: 100 });
        expect(size).to.equal(6);
        expect((await readAll(stream)).toString()).to.equal('cdef');
        await storage.delete('t');
      });

      it('yields an empty stream for a start at or past the end', async function () {
        await storage.putContent('t/small', 'abcdef');
        for (const start of [6, 50]) {
          const { stream, size } = await storage.openRead('t/small', { start });
          expect(size).to.equal(6);
          expect(await readAll(stream)).to.have.length(0);
        }
        await storage.delete('t');
      });

      it('streams an empty object', async function () {
        await storage.putContent('t/empty', '');
        const { stream, size } = await storage.openRead('t/empty');
        expect(size).to.equal(0);
        expect(await readAll(stream)).to.have.length(0);
        await storage.delete('t');
      });

      it('rejects RangeError for a malformed range', async function () {
        await storage.putContent('t/small', 'abcdef');
        for (const range of [{ start: -1 }, { start: 1.5 }, { start: 4, end: 3 }]) {
          expect(await rejectionOf(storage.openRead('t/small', range)), JSON.stringify(range)).to.be.instanceOf(RangeError);
        }
        await storage.delete('t');
      });
    });

    describe('writeTo', function () {
      // Larger than the buffers a driver may cycle through (the local one has three of 1 MiB), so a buffer
      // refilled before its write completed would show up as changed bytes.
      const content = pattern(5 * 1024 * 1024 + 17);

      it('writes the same bytes as the stream, whole or ranged, and leaves the destination open', async function () {
        await storage.putContent('t/layer', content);
        const cases: Array<[{ start: number; end?: number } | undefined, Buffer]> = [
          [undefined, content],
          [{ start: 1000 }, content.subarray(1000)],
          [{ start: 10, end: 19 }, content.subarray(10, 20)],
          [{ start: 3 * 1024 * 1024 - 1, end: content.length + 99 }, content.subarray(3 * 1024 * 1024 - 1)],
          [{ start: content.length }, Buffer.alloc(0)],
        ];
        for (const [range, expected] of cases) {
          const opened = await storage.openRead('t/layer', range);
          const destination = slowRecorder();
          await opened.writeTo(destination.stream);
          expect(opened.size).to.equal(content.length);
          expect(destination.changedBeforeWritten, `${JSON.stringify(range)}: a chunk changed before its write completed`).to.equal(false);
          expect(Buffer.concat(destination.chunks).equals(expected), JSON.stringify(range)).to.equal(true);
          expect(destination.stream.writableEnded, 'destination ended').to.equal(false);
        }
        await storage.delete('t');
      });

      it('rejects when the destination is destroyed midway', async function () {
        await storage.putContent('t/layer', content);
        const opened = await storage.openRead('t/layer');
        let received = 0;
        const destination = new Writable({
          write(chunk: Buffer, _encoding, callback) {
            received += chunk.length;
            if (received >= 1024 * 1024) this.destroy(new Error('client went away'));
            else callback();
          },
        });
        expect(await rejectionOf(opened.writeTo(destination))).to.be.instanceOf(Error);
        expect(received).to.be.below(content.length);
        await storage.delete('t');
      });
    });

    describe('writeStream', function () {
      for (const [name, content] of contentSamples()) {
        it(`round-trips ${name} content and resolves with its size`, async function () {
          const result = await storage.writeStream('t/layer', Readable.from(chunksOf(content, 100 * 1024)));
          expect(result).to.deep.equal({ size: content.length });
          expect(await readAll((await storage.openRead('t/layer')).stream)).to.deep.equal(content);
          await storage.delete('t');
        });
      }

      it('makes content visible only when it resolves', async function () {
        const source = new PassThrough();
        const writing = storage.writeStream('t/layer', source);
        source.write(Buffer.from('first half, '));
        await settle();
        expect(await storage.exists('t/layer')).to.equal(false);
        source.end(Buffer.from('second half'));
        await writing;
        expect((await storage.getContent('t/layer')).toString()).to.equal('first half, second half');
        await storage.delete('t');
      });

      it('rejects with the source error and leaves nothing visible when the source fails midway', async function () {
        const failure = new Error('client went away');
        const err = await rejectionOf(storage.writeStream('t/layer', failingSource(pattern(64 * 1024), failure)));
        expect(err).to.equal(failure);
        expect(await storage.exists('t/layer')).to.equal(false);
        expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);
      });

      it('leaves the previous content untouched when a replacement fails', async function () {
        await storage.putContent('t/layer', 'previous');
        await rejectionOf(storage.writeStream('t/layer', failingSource(pattern(1000), new Error('boom'))));
        expect((await storage.getContent('t/layer')).toString()).to.equal('previous');
        await storage.delete('t');
      });

      it('rejects AbortError and leaves nothing visible when the signal aborts midway', async function () {
        const source = new PassThrough();
        const controller = new AbortController();
        const writing = storage.writeStream('t/layer', source, { signal: controller.signal });
        source.write(pattern(64 * 1024));
        await settle();
        controller.abort();
        const err = await rejectionOf(writing);
        expect(err).to.have.property('name', 'AbortError');
        expect(await storage.exists('t/layer')).to.equal(false);
        expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);
      });

      it('rejects AbortError and writes nothing for an already-aborted signal', async function () {
        const err = await rejectionOf(storage.writeStream('t/layer', Readable.from([Buffer.from('x')]), { signal: AbortSignal.abort() }));
        expect(err).to.have.property('name', 'AbortError');
        expect(await storage.exists('t/layer')).to.equal(false);
      });
    });

    describe('list', function () {
      // 'Z' before 'a': code-unit order, not locale order, so every driver agrees.
      it('lists direct children only, sorted, objects and prefixes alike', async function () {
        for (const path of ['t/dir/c', 't/dir/a/deep/x', 't/dir/b', 't/dir/a/y', 't/dir/Z', 't/other']) {
          await storage.putContent(path, path);
        }
        expect(await storage.list('t/dir')).to.deep.equal(['Z', 'a', 'b', 'c']);
        expect(await storage.list('t')).to.deep.equal(['dir', 'other']);
        expect(await storage.list(STORAGE_ROOT)).to.deep.equal(['t']);
        await storage.delete('t');
      });

      it('lists escaped names as stored', async function () {
        for (const name of ['tag_v1.0', 'tag_a%2Fb', 'tag_with+space', '_index_images']) await storage.putContent(`t/${name}`, 'x');
        expect(await storage.list('t')).to.deep.equal(['_index_images', 'tag_a%2Fb', 'tag_v1.0', 'tag_with+space']);
        await storage.delete('t');
      });
    });

    describe('listingVersion', function () {
      it('rejects PathNotFoundError for a prefix with nothing under it', async function () {
        expect(await rejectionOf(storage.listingVersion('t/none'))).to.be.instanceOf(PathNotFoundError);
      });

      it('is null, or the same while nothing changes and different after every change under the prefix', async function () {
        await storage.putContent('t/a', 'x');
        await age?.('t');
        const seen = new Set<string>();
        const first = await storage.listingVersion('t');
        if (age) expect(first, 'a driver that can age a prefix gives it a version').to.be.a('string');
        if (first !== null) {
          expect(await storage.listingVersion('t')).to.equal(first);
          seen.add(first);
        }
        for (const change of [() => storage.putContent('t/b', 'y'), () => storage.putContent('t/a', 'x'), () => storage.delete('t/b')]) {
          await change();
          const right = await storage.listingVersion('t');
          if (right !== null) expect(seen.has(right), 'a version seen before a change').to.equal(false);
          await age?.('t');
          const later = await storage.listingVersion('t');
          if (later !== null) {
            expect(seen.has(later), 'a version seen before a change').to.equal(false);
            seen.add(later);
          }
        }
        await storage.delete('t');
      });
    });

    describe('delete', function () {
      it('removes a single object', async function () {
        await storage.putContent('t/a', 'x');
        await storage.putContent('t/b', 'y');
        await storage.delete('t/a');
        expect(await storage.exists('t/a')).to.equal(false);
        expect(await storage.list('t')).to.deep.equal(['b']);
        await storage.delete('t');
      });

      it('is recursive and does not touch siblings with a common prefix', async function () {
        for (const path of ['t/a/b/x', 't/a/b/y/z', 't/a/bc', 't/a/bcd/e', 't/a/b.json', 't/a/b-c']) await storage.putContent(path, path);
        await storage.delete('t/a/b');
        expect(await storage.exists('t/a/b/x')).to.equal(false);
        expect(await storage.exists('t/a/b/y/z')).to.equal(false);
        expect(await storage.list('t/a')).to.deep.equal(['b-c', 'b.json', 'bc', 'bcd']);
        expect(await storage.exists('t/a/bcd/e')).to.equal(true);
        await storage.delete('t');
      });

      it('leaves no empty prefix behind', async function () {
        await storage.putContent('t/deep/er/object', 'x');
        await storage.delete('t/deep/er/object');
        expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);
      });
    });

    describe('stat and exists', function () {
      it('stat reports size and a modification time', async function () {
        const before = Date.now();
        await storage.putContent('t/object', pattern(1234));
        const info = await storage.stat('t/object');
        expect(info.size).to.equal(1234);
        expect(info.modifiedAt).to.be.instanceOf(Date);
        // Coarse: S3 has one-second resolution, and clocks of client and server may differ slightly.
        expect(Math.abs(info.modifiedAt.getTime() - before)).to.be.below(60_000);
        await storage.delete('t');
      });

      it('exists is true for an object and false for a missing path', async function () {
        await storage.putContent('t/object', '');
        expect(await storage.exists('t/object')).to.equal(true);
        expect(await storage.exists('t/missing')).to.equal(false);
        await storage.delete('t');
        expect(await storage.exists('t/object')).to.equal(false);
      });
    });
  });
}

function contentSamples(): Array<[string, Buffer]> {
  return [
    ['empty', Buffer.alloc(0)],
    ['1-byte', Buffer.from([0x2a])],
    ['non-UTF-8', Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a])],
    ['1 MiB', pattern(1024 * 1024)],
  ];
}

/** Deterministic, non-repeating-at-powers-of-two bytes, so an offset mistake cannot go unnoticed. */
export function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = (i * 31 + (i >> 8)) % 251;
  return bytes;
}

export function chunksOf(content: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += size) chunks.push(content.subarray(offset, offset + size));
  return chunks;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** A source that sends `prefix`, then fails with `error`, as an interrupted client upload would. */
export function failingSource(prefix: Buffer, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) {
        this.destroy(error);
      } else {
        sent = true;
        this.push(prefix);
      }
    },
  });
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return expect.fail('expected the promise to reject');
}

/**
 * A destination that takes its time over each write, as a socket does, and notes whether a chunk's bytes
 * changed between write() and the moment the write completed.
 */
function slowRecorder(): { stream: Writable; chunks: Buffer[]; changedBeforeWritten: boolean } {
  const recorder = { stream: null as unknown as Writable, chunks: [] as Buffer[], changedBeforeWritten: false };
  recorder.stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      const copy = Buffer.from(chunk);
      recorder.chunks.push(copy);
      // Slower than a file read, so a buffer refilled before its write completed is caught changing.
      setTimeout(() => {
        if (!chunk.equals(copy)) recorder.changedBeforeWritten = true;
        callback();
      }, 2);
    },
  });
  return recorder;
}

/** Lets in-flight stream work (and S3 requests) make progress before the next step. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}
