// What only the local driver's OpenedFile promises beyond the contract: its file handle is closed however
// writeTo ends, a file shorter than its recorded size is an error rather than a short body, and an opened
// object is read once.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { OpenedFile } from '../../src/storage/local/opened-file.js';
import { pattern, rejectionOf } from '../contracts/layer-storage.contract.js';

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => setImmediate(callback) });
}

describe('local storage: OpenedFile', function () {
  let dir: TempDir;
  let file: string;
  const content = pattern(4 * 1024 * 1024 + 3);

  before(async function () {
    dir = await makeTempDir('v1hub-opened-file');
    file = join(dir.path, 'layer');
    await writeFile(file, content);
  });
  after(() => dir.remove());

  it('closes its file handle when writeTo completes and when the destination fails', async function () {
    const before = openDescriptors();
    await new OpenedFile(await open(file, 'r'), content.length, 0, Infinity).writeTo(sink());
    expect(openDescriptors(), 'after a complete write').to.equal(before);
    const failing = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('socket reset')) });
    failing.on('error', () => undefined);
    expect(await rejectionOf(new OpenedFile(await open(file, 'r'), content.length, 0, Infinity).writeTo(failing))).to.be.instanceOf(Error);
    expect(openDescriptors(), 'after a failed write').to.equal(before);
  });

  it('rejects when the file is shorter than its recorded size instead of sending a short body', async function () {
    const opened = new OpenedFile(await open(file, 'r'), content.length + 1000, 0, Infinity);
    const err = await rejectionOf(opened.writeTo(sink()));
    expect((err as Error).message).to.equal(`the file ended at byte ${content.length} of ${content.length + 1000}`);
  });

  it('is read once: by its stream or by writeTo', async function () {
    const opened = new OpenedFile(await open(file, 'r'), content.length, 0, Infinity);
    await opened.writeTo(sink());
    expect(() => opened.stream).to.throw('an opened object is read once');
  });
});
