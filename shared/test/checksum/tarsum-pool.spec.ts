import { expect } from 'chai';
import crypto from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { TarSumPool, buildTar, createLayerDigester, type LayerDigests } from '../../src/index.js';

async function digest(layer: Buffer, json: Buffer, pool?: TarSumPool, chunk = 64 * 1024): Promise<LayerDigests> {
  const digester = createLayerDigester({ json, tarsumVersions: ['tarsum', 'tarsum.v1'], ...(pool ? { tarsumPool: pool } : {}) });
  for (let at = 0; at < layer.length; at += chunk) await digester.update(layer.subarray(at, at + chunk));
  return digester.finish();
}

describe('TarSum on worker threads (TarSumPool)', function () {
  let pool: TarSumPool;
  const json = Buffer.from('{"id":"x"}');

  beforeEach(function () {
    pool = new TarSumPool();
  });
  afterEach(async function () {
    await pool.close();
  });

  it('gives the in-line TarSums, for plain and gzip layers, several layers at once', async function () {
    const layers: Buffer[] = [];
    for (let n = 0; n < 4; n++) {
      const tar = await buildTar([{ name: `etc/f${n}`, content: crypto.randomBytes(100_000 + n) }, { name: 'b/c.txt', content: `n=${n}` }]);
      layers.push(n % 2 === 0 ? tar : gzipSync(tar));
    }
    const inLine = await Promise.all(layers.map((layer) => digest(layer, json)));
    const pooled = await Promise.all(layers.map((layer) => digest(layer, json, pool, 4096)));
    expect(pooled).to.deep.equal(inLine);
    expect(pooled.every((d) => typeof d.tarsums.tarsum === 'string')).to.equal(true);
  });

  it('reports a layer that is not a tar as the in-line pass does', async function () {
    const junk = crypto.randomBytes(5000);
    expect(await digest(junk, json, pool)).to.deep.equal(await digest(junk, json));
  });

  it('makes the sender wait when a worker falls behind, and still sums the whole layer', async function () {
    const tar = await buildTar([{ name: 'big.bin', content: crypto.randomBytes(24 * 1024 * 1024) }]);
    const digester = createLayerDigester({ json, tarsumVersions: ['tarsum'], tarsumPool: pool });
    let waited = 0;
    for (let at = 0; at < tar.length; at += 1024 * 1024) {
      const sent = digester.update(tar.subarray(at, at + 1024 * 1024));
      const state = await Promise.race([sent.then(() => 'settled'), Promise.resolve('pending')]);
      if (state === 'pending') waited++;
      await sent;
    }
    expect(waited, 'update() held back at least once').to.be.greaterThan(0);
    const inLine = createLayerDigester({ json, tarsumVersions: ['tarsum'] });
    await inLine.update(tar);
    const expected = (await inLine.finish()).tarsums.tarsum;
    expect(expected).to.match(/^tarsum\+sha256:/);
    expect((await digester.finish()).tarsums.tarsum).to.equal(expected);
  });

  it('turns a worker that dies mid-layer into a TarSum error, never a rejection or a hang', async function () {
    const digester = createLayerDigester({ json, tarsumVersions: ['tarsum'], tarsumPool: pool });
    await digester.update(await buildTar([{ name: 'a', content: 'a' }]));
    await pool.close();
    const result = await digester.finish();
    expect(result.tarsums.tarsum).to.equal(null);
    expect(result.tarsumError).to.match(/TarSum worker (failed|exited)/);
    expect(result.payload).to.match(/^sha256:/);
  });
});
