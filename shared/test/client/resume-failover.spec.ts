import { expect } from 'chai';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createV1Client, type V1Client } from '@v1hub/shared/client';
import { makeTempDir, type FixtureImage, type TempDir } from '@v1hub/shared/testing';
import { startStack, type Stack } from './support/stack.js';
import { fixtureSave, readTarEntries } from '@v1hub/shared/testing';

describe('client pull: Range resume and endpoint failover (§6.2 step 3.3, §9)', function () {
  let stack: Stack;
  let dir: TempDir;
  let client: V1Client;
  let chain: FixtureImage[];
  let host: string;

  before(async function () {
    // Two advertised endpoints backed by one registry: a TCP proxy first, then the registry itself.
    stack = await startStack({ endpoints: 'proxy+registry' });
    dir = await makeTempDir('v1hub-resume');
    host = new URL(stack.indexUrl).host;
    client = createV1Client({ indexUrl: stack.indexUrl, retry: { retries: 2, baseDelayMs: 10 } });
    await client.login({ username: 'resumer', password: 'resume-pass', email: 'resumer@example.com' });
    const fixture = await fixtureSave(dir.path, 'bigimg', 2, { extraBytes: 256 * 1024 });
    chain = fixture.chain;
    const report = await client.push(`${host}/resumer/big`, fixture.path);
    // Every endpoint gets the whole push (§9 item 3): the second one finds everything already there.
    expect(report.images.map((i) => `${i.endpoint} ${i.outcome}`)).to.deep.equal([
      `127.0.0.1:${stack.proxy?.port} uploaded`,
      `127.0.0.1:${stack.proxy?.port} uploaded`,
      `${stack.registryHost} already-exists`,
      `${stack.registryHost} already-exists`,
    ]);
  });

  after(async function () {
    client.close();
    await stack.close();
    await dir.remove();
  });

  it('resumes a layer cut mid-body with Range: bytes=<got>-<size> and gets identical bytes', async function () {
    const proxy = stack.proxy as NonNullable<Stack['proxy']>;
    const top = chain[1] as FixtureImage;
    const layerPath = new RegExp(`^GET /v1/images/${top.id}/layer `);
    const cut = proxy.cutResponse(layerPath, 64 * 1024);
    const out = join(dir.path, 'big-pulled.tar');
    const report = await client.pull(`${host}/resumer/big`, { to: out });
    const bodyBytes = await cut;
    expect(bodyBytes).to.be.greaterThan(0).and.lessThan(top.layer.length);

    const layerRequests = proxy.requests.filter((r) => layerPath.test(r.line));
    expect(layerRequests).to.have.length(2);
    expect(layerRequests[0]?.headers.range).to.equal(undefined);
    expect(layerRequests[1]?.headers.range).to.equal(`bytes=${bodyBytes}-${top.layer.length}`);
    const pulledTop = report.images.find((i) => i.id === top.id);
    expect(pulledTop?.resumes).to.equal(1);
    expect(pulledTop?.layerBytes).to.equal(top.layer.length);
    expect(pulledTop?.payload).to.equal(top.payload);

    const entries = await readTarEntries(out);
    for (const image of chain) {
      expect(entries.get(`${image.id}/layer.tar`)?.equals(gunzipSync(image.layer)), image.id).to.equal(true);
    }
  });

  it('gives the same tarball with one layer at a time and with three', async function () {
    const one = createV1Client({ indexUrl: stack.indexUrl, concurrency: 1, credentials: client.credentials });
    try {
      await one.pull(`${host}/resumer/big`, { to: join(dir.path, 'c1.tar') });
      await client.pull(`${host}/resumer/big`, { to: join(dir.path, 'c3.tar') });
    } finally {
      one.close();
    }
    const a = await readTarEntries(join(dir.path, 'c1.tar'));
    const b = await readTarEntries(join(dir.path, 'c3.tar'));
    expect([...a.keys()]).to.deep.equal([...b.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name) as Buffer), name).to.equal(true);
  });

  it('skips to the second endpoint when the first one is down', async function () {
    await stack.proxy?.down();
    const report = await client.pull(`${host}/resumer/big`, { to: join(dir.path, 'failover.tar') });
    expect(report.tagsEndpoint).to.equal(stack.registryHost);
    expect(report.failedEndpoints.map((f) => f.endpoint)).to.deep.equal([`127.0.0.1:${stack.proxy?.port}`]);
    expect(report.failedEndpoints[0]?.error).to.match(/registry 127\.0\.0\.1:\d+ refused the connection/);
    expect(report.images.every((i) => i.endpoint === stack.registryHost)).to.equal(true);
    const entries = await readTarEntries(join(dir.path, 'failover.tar'));
    expect(entries.get(`${chain[1]?.id}/layer.tar`)?.equals(gunzipSync((chain[1] as FixtureImage).layer))).to.equal(true);
  });
});
