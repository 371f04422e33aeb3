// GET layer on the local driver, where the body is written by the handler through reused buffers instead
// of by Koa from a stream: the bytes, ranges and headers are what a stream would give, a client leaving
// midway costs the server nothing lasting, and a body that fails after its head cuts the connection.
import { expect } from 'chai';
import http from 'node:http';
import { readdirSync } from 'node:fs';
import Koa from 'koa';
import { buildImageChain, makeTempDir, type FixtureImage, type TempDir } from '@v1hub/shared/testing';
import type { RunningRegistry } from '../../src/index.js';
import { sendObject } from '../../src/http/send-object.js';
import { rawClient, startStandaloneRegistry } from '../support/test-registry.js';

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

/** Reads `bytes` of the body at `url`, then destroys the connection. */
function readPartly(url: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= bytes) {
          req.destroy();
          resolve(received);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check(), what).to.equal(true);
}

describe('Registry GET layer from local storage', function () {
  let dir: TempDir;
  let registry: RunningRegistry;
  let call: ReturnType<typeof rawClient>;
  let image: FixtureImage;

  before(async function () {
    dir = await makeTempDir('v1hub-layer-download');
    registry = await startStandaloneRegistry({ storage: `local:${dir.path}` });
    call = rawClient(registry.url);
    [image] = (await buildImageChain(1, { seed: 'layer-download', extraBytes: 6 * 1024 * 1024 })) as [FixtureImage];
    expect((await call('PUT', `/v1/images/${image.id}/json`, { body: image.json })).status).to.equal(200);
    expect((await call('PUT', `/v1/images/${image.id}/layer`, { body: image.layer, chunked: true })).status).to.equal(200);
    expect((await call('PUT', `/v1/images/${image.id}/checksum`, { headers: { 'X-Docker-Checksum-Payload': image.payload } })).status).to.equal(200);
  });
  after(async function () {
    await registry.close();
    await dir.remove();
  });

  it('serves the whole layer with its length, type and cache headers', async function () {
    const r = await call('GET', `/v1/images/${image.id}/layer`);
    expect(r.status).to.equal(200);
    expect(r.body.equals(image.layer)).to.equal(true);
    expect(r.headers.get('content-length')).to.equal(String(image.layer.length));
    expect(r.headers.get('content-type')).to.equal('application/octet-stream');
    expect(r.headers.get('accept-ranges')).to.equal('bytes');
    expect(r.headers.get('x-request-id')).to.be.a('string');
  });

  it('serves ranges that span the driver buffers exactly', async function () {
    const start = 1024 * 1024 - 7;
    const last = 4 * 1024 * 1024 + 11;
    const r = await call('GET', `/v1/images/${image.id}/layer`, { headers: { Range: `bytes=${start}-${last}` } });
    expect(r.status).to.equal(206);
    expect(r.body.equals(image.layer.subarray(start, last + 1))).to.equal(true);
    expect(r.headers.get('content-length')).to.equal(String(last - start + 1));
  });

  it('keeps answering, and holds no file open, after clients leave midway', async function () {
    const before = openDescriptors();
    const url = `${registry.url}/v1/images/${image.id}/layer`;
    await Promise.all([readPartly(url, 1), readPartly(url, 2 * 1024 * 1024), readPartly(url, 5 * 1024 * 1024)]);
    await eventually(() => openDescriptors() <= before, 'descriptors back to where they were');
    const r = await call('GET', `/v1/images/${image.id}/layer`);
    expect(r.body.equals(image.layer)).to.equal(true);
  });
});

describe('sendObject', function () {
  it('cuts the connection when the body fails after the head was sent', async function () {
    const app = new Koa();
    app.use(async (ctx) => {
      (ctx.state as { log: unknown }).log = { warn: () => undefined };
      ctx.status = 200;
      ctx.length = 100;
      await sendObject(ctx, {
        size: 100,
        get stream(): never {
          throw new Error('not used');
        },
        async writeTo(destination) {
          destination.write(Buffer.alloc(10));
          throw new Error('disk read failed');
        },
      });
    });
    const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).to.equal(200);
      const err = await res.arrayBuffer().then(() => null, (e: unknown) => e);
      expect(err, 'reading the short body fails').to.be.instanceOf(Error);
    } finally {
      server.close();
    }
  });
});
