import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { freePort, makeTempDir } from '../../src/testing/index.js';

describe('makeTempDir', function () {
  it('creates a fresh directory under the OS temp dir and removes it with its contents', async function () {
    const dir = await makeTempDir('v1hub-check');
    expect(dirname(dir.path)).to.equal(tmpdir());
    expect(basename(dir.path)).to.match(/^v1hub-check-/);
    await writeFile(join(dir.path, 'file'), 'x');
    await dir.remove();
    expect(existsSync(dir.path)).to.equal(false);
    await dir.remove();
  });
});

describe('freePort', function () {
  it('returns a usable non-privileged port other than 6379', async function () {
    const port = await freePort();
    expect(port).to.be.within(1024, 65535);
    expect(port).to.not.equal(6379);
  });
});
