import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { buildImageChain, makeTempDir, pseudoRandom, spawnCli, type CliProcess, type FixtureImage, type TempDir } from '@v1hub/shared/testing';

/**
 * Issue #5: SIGKILL the registry in the middle of a large chunked layer upload, restart it on the same
 * storage, and check that the image is not readable, no partial layer is visible, and a re-push succeeds.
 */
describe('Registry killed mid-upload (SIGKILL)', function () {
  this.timeout(60_000);
  let dir: TempDir;
  let img: FixtureImage;
  let proc: CliProcess | null = null;

  before(async () => {
    dir = await makeTempDir('v1hub-crash-');
    img = (await buildImageChain(1, { seed: 'crash' }))[0] as FixtureImage;
  });
  after(async () => {
    await proc?.stop('SIGKILL');
    await dir.remove();
  });

  async function startRegistry(): Promise<string> {
    proc = spawnCli(['registry', '--standalone', '--port', '0', '--storage', `local:${dir.path}`, '--log-level', 'warn']);
    const [, url] = (await proc.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    return url as string;
  }

  it('leaves nothing visible, cleans the temporary on restart, and accepts a re-push', async () => {
    let url = await startRegistry();
    expect((await fetch(`${url}/v1/images/${img.id}/json`, { method: 'PUT', body: img.json })).status).to.equal(200);

    // A 64 MiB chunked upload that we stop feeding after 8 MiB, then SIGKILL the registry.
    const chunk = pseudoRandom('crash-chunk', 1 << 20);
    const target = new URL(`${url}/v1/images/${img.id}/layer`);
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'PUT', headers: { 'Transfer-Encoding': 'chunked' } });
    req.on('error', () => {});
    for (let i = 0; i < 8; i++) req.write(chunk);
    const uploads = path.join(dir.path, '_uploads');
    // Wait until the registry has written part of the layer to its temporary.
    for (let i = 0; i < 100; i++) {
      const partial = fs.readdirSync(uploads).map((f) => fs.statSync(path.join(uploads, f)).size);
      if (partial.some((size) => size > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(fs.readdirSync(uploads)).to.have.length.greaterThan(0);
    expect(await proc?.stop('SIGKILL')).to.equal('SIGKILL');
    req.destroy();
    expect(fs.existsSync(path.join(dir.path, 'images', img.id, 'layer')), 'no partial layer under its final name').to.equal(false);

    url = await startRegistry();
    expect(fs.readdirSync(uploads), 'abandoned temporary removed at restart').to.deep.equal([]);
    const read = await fetch(`${url}/v1/images/${img.id}/layer`);
    expect(read.status).to.equal(400);
    expect(await read.json()).to.deep.equal({ error: 'Image is being uploaded, retry later' });

    // The marker permits the re-push (§10 Q14).
    expect((await fetch(`${url}/v1/images/${img.id}/json`, { method: 'PUT', body: img.json })).status).to.equal(200);
    expect((await fetch(`${url}/v1/images/${img.id}/layer`, { method: 'PUT', body: img.layer })).status).to.equal(200);
    expect((await fetch(`${url}/v1/images/${img.id}/checksum`, { method: 'PUT', headers: { 'X-Docker-Checksum-Payload': img.payload } })).status).to.equal(200);
    const layer = Buffer.from(await (await fetch(`${url}/v1/images/${img.id}/layer`)).arrayBuffer());
    expect(layer.equals(img.layer)).to.equal(true);
  });
});
