import { expect } from 'chai';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { DigestWorkerError, LayerDigestPool, buildTar, createLayerDigester, digestAlongside, type LayerDigests } from '../../src/index.js';

async function digest(layer: Buffer, json: Buffer, pool?: LayerDigestPool, chunk = 64 * 1024): Promise<LayerDigests> {
  const digester = createLayerDigester({ json, tarsumVersions: ['tarsum', 'tarsum.v1'], ...(pool ? { pool } : {}) });
  for (let at = 0; at < layer.length; at += chunk) await digester.update(layer.subarray(at, at + chunk));
  return digester.finish();
}

describe('Layer digests on worker threads (LayerDigestPool)', function () {
  let pool: LayerDigestPool;
  const json = Buffer.from('{"id":"x"}');

  beforeEach(function () {
    pool = new LayerDigestPool();
  });
  afterEach(async function () {
    await pool.close();
  });

  it('gives the in-line digests (payload, sha256, TarSums), for plain and gzip layers, several layers at once', async function () {
    const layers: Buffer[] = [];
    for (let n = 0; n < 4; n++) {
      const tar = await buildTar([{ name: `etc/f${n}`, content: crypto.randomBytes(100_000 + n) }, { name: 'b/c.txt', content: `n=${n}` }]);
      layers.push(n % 2 === 0 ? tar : gzipSync(tar));
    }
    const inLine = await Promise.all(layers.map((layer) => digest(layer, json)));
    const pooled = await Promise.all(layers.map((layer) => digest(layer, json, pool, 4096)));
    expect(pooled).to.deep.equal(inLine);
    expect(pooled.every((d) => typeof d.tarsums.tarsum === 'string' && /^sha256:/.test(d.payload ?? '') && /^sha256:/.test(d.sha256 ?? ''))).to.equal(true);
  });

  it('hashes chunks of any size, across its block boundaries, as the in-line pass does', async function () {
    const layer = crypto.randomBytes(3 * 1024 * 1024 + 12345);
    for (const chunk of [1, 1000, 65536, 1024 * 1024, 1024 * 1024 + 1, 4 * 1024 * 1024]) {
      const bytes = chunk === 1 ? layer.subarray(0, 70_000) : layer;
      expect(await digest(bytes, json, pool, chunk), `chunks of ${chunk}`).to.deep.equal(await digest(bytes, json));
    }
  });

  it('keeps the caller\'s chunk: the worker hashes a copy, so reusing the buffer at once changes nothing', async function () {
    const layer = crypto.randomBytes(2 * 1024 * 1024);
    const digester = createLayerDigester({ json, tarsumVersions: [], pool });
    const reused = Buffer.alloc(64 * 1024);
    for (let at = 0; at < layer.length; at += reused.length) {
      layer.copy(reused, 0, at, at + reused.length);
      const sent = digester.update(reused);
      reused.fill(0);
      await sent;
    }
    expect((await digester.finish()).payload).to.equal((await digest(layer, json)).payload);
  });

  it('reports a layer that is not a tar as the in-line pass does', async function () {
    const junk = crypto.randomBytes(5000);
    expect(await digest(junk, json, pool)).to.deep.equal(await digest(junk, json));
  });

  it('makes the sender wait when a worker falls behind, and still sums the whole layer', async function () {
    const tar = await buildTar([{ name: 'big.bin', content: crypto.randomBytes(24 * 1024 * 1024) }]);
    const digester = createLayerDigester({ json, tarsumVersions: ['tarsum'], pool });
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

  it('never holds a process open: one that warmed its workers and digested a layer exits by itself', async function () {
    this.timeout(30_000);
    const source = new URL('../../src/index.ts', import.meta.url).href;
    const script = `import { LayerDigestPool, createLayerDigester } from ${JSON.stringify(source)};
      const pool = new LayerDigestPool(); pool.warm();
      const digester = createLayerDigester({ json: new Uint8Array([123, 125]), tarsumVersions: [], pool });
      await digester.update(new Uint8Array(3 * 1024 * 1024));
      console.log((await digester.finish()).payload);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', resolve)),
      new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000)),
    ]);
    child.kill('SIGKILL');
    expect(exited).to.equal(0);
    expect(out.trim()).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('rejects finish() with a DigestWorkerError when the worker dies mid-layer, never a wrong digest or a hang', async function () {
    const digester = createLayerDigester({ json, tarsumVersions: ['tarsum'], pool });
    await digester.update(await buildTar([{ name: 'a', content: 'a' }]));
    await pool.close();
    const failure = await digester.finish().then(() => null, (err: unknown) => err);
    expect(failure).to.be.instanceOf(DigestWorkerError);
    expect((failure as Error).message).to.match(/digest worker (failed|exited)/);
    // The pool starts a new worker for the next layer.
    expect((await digest(Buffer.from('next'), json, pool)).payload).to.equal((await digest(Buffer.from('next'), json)).payload);
  });

  it('pauses a source that outruns its worker (digestAlongside), and every byte is still hashed in order', async function () {
    const layer = crypto.randomBytes(40 * 1024 * 1024);
    const digester = createLayerDigester({ json, tarsumVersions: [], pool });
    const source = new PassThrough({ highWaterMark: 64 * 1024 });
    digestAlongside(source, digester);
    let pauses = 0;
    let ended = false;
    source.on('end', () => (ended = true)); // before pipeline's listeners: its unpipe at the end pauses too
    source.on('pause', () => (ended ? undefined : pauses++));
    let received = 0;
    // A sink that never pushes back, so every pause is the digester's.
    const sink = new Writable({ highWaterMark: 1024 * 1024 * 1024, write: (chunk: Buffer, _e, done) => { received += chunk.length; done(); } });
    const piped = pipeline(source, sink);
    // Faster than a worker can hash: all of it is written at once, in 1 MiB pieces.
    for (let at = 0; at < layer.length; at += 1024 * 1024) source.write(layer.subarray(at, at + 1024 * 1024));
    source.end();
    await piped;
    expect(received).to.equal(layer.length);
    expect(pauses, 'the source was paused at least once').to.be.greaterThan(0);
    const inLine = await digest(layer, json);
    const pooled = await digester.finish();
    expect([pooled.size, pooled.payload, pooled.sha256]).to.deep.equal([inLine.size, inLine.payload, inLine.sha256]);
  });
});
