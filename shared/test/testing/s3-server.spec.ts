import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { startS3Server, type S3Server } from '../../src/testing/index.js';

describe('startS3Server', function () {
  let server: S3Server;

  before(async function () {
    server = await startS3Server({ bucket: 'harness-check' });
  });

  after(async function () {
    await server?.stop();
  });

  it('serves the created bucket on a loopback endpoint', async function () {
    expect(server.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.endpoint}/${server.bucket}?list-type=2`);
    expect(response.status).to.equal(200);
    expect(await response.text()).to.include('<Name>harness-check</Name>');
  });

  it('lists common prefixes whose objects sit two levels down (s3rver bug, repaired)', async function () {
    // Unsigned requests are accepted by s3rver, which keeps this test free of the AWS SDK.
    for (const key of ['images/abc/json', 'images/def/layer', 'repositories/library/ubuntu/tag_latest', 'top']) {
      expect((await fetch(`${server.endpoint}/${server.bucket}/${key}`, { method: 'PUT', body: 'x' })).status).to.equal(200);
    }
    const listing = await (await fetch(`${server.endpoint}/${server.bucket}?list-type=2&delimiter=%2F`)).text();
    expect(prefixesIn(listing)).to.deep.equal(['images/', 'repositories/']);
    expect(listing).to.include('<Key>top</Key>');
    const nested = await (await fetch(`${server.endpoint}/${server.bucket}?list-type=2&delimiter=%2F&prefix=repositories%2F`)).text();
    expect(prefixesIn(nested)).to.deep.equal(['repositories/library/']);
  });

  it('stop() removes its data directory', async function () {
    const other = await startS3Server();
    expect(existsSync(other.dir)).to.equal(true);
    await other.stop();
    expect(existsSync(other.dir)).to.equal(false);
  });
});

function prefixesIn(xml: string): string[] {
  return [...xml.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)].map((match) => match[1] ?? '');
}
