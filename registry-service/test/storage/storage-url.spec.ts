import { expect } from 'chai';
import { parseStorageUrl } from '../../src/storage/storage-url.js';

describe('parseStorageUrl', function () {
  it('parses "memory"', function () {
    expect(parseStorageUrl('memory')).to.deep.equal({ ok: true, config: { driver: 'memory' } });
  });

  it('parses "local:DIR", relative or absolute', function () {
    expect(parseStorageUrl('local:./data')).to.deep.equal({ ok: true, config: { driver: 'local', root: './data' } });
    expect(parseStorageUrl('local:/var/lib/v1hub')).to.deep.equal({ ok: true, config: { driver: 'local', root: '/var/lib/v1hub' } });
  });

  it('parses an s3 URL with endpoint, region and path style', function () {
    const result = parseStorageUrl('s3://layers/v1hub/prod?endpoint=http://127.0.0.1:9000&region=eu-west-1&forcePathStyle=true');
    expect(result).to.deep.equal({
      ok: true,
      config: { driver: 's3', bucket: 'layers', prefix: 'v1hub/prod', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
    });
  });

  it('defaults an s3 URL to us-east-1, no prefix and virtual-host style without an endpoint', function () {
    expect(parseStorageUrl('s3://layers')).to.deep.equal({
      ok: true,
      config: { driver: 's3', bucket: 'layers', prefix: '', region: 'us-east-1', forcePathStyle: false },
    });
  });

  it('defaults to path style when an endpoint is given, unless told otherwise', function () {
    const implicit = parseStorageUrl('s3://layers?endpoint=http://localhost:4568');
    const explicit = parseStorageUrl('s3://layers?endpoint=https://s3.example.com&forcePathStyle=false');
    expect(implicit.ok && implicit.config).to.include({ forcePathStyle: true });
    expect(explicit.ok && explicit.config).to.include({ forcePathStyle: false });
  });

  it('strips slashes around the prefix', function () {
    const result = parseStorageUrl('s3://layers//a/b/');
    expect(result.ok && result.config).to.include({ prefix: 'a/b' });
  });

  const problems: Array<[string, string, RegExp]> = [
    ['an empty string', '', /unsupported storage ""/],
    ['an unknown scheme', 'gcs://bucket', /unsupported storage "gcs:\/\/bucket": use "memory", "local:DIR" or "s3:\/\//],
    ['"local:" without a directory', 'local:', /needs a directory/],
    ['a missing bucket', 's3://', /needs a bucket/],
    ['an invalid bucket name', 's3://My_Bucket', /"My_Bucket" is not a valid S3 bucket name/],
    ['a prefix with a ".." segment', 's3://layers/a/../b', /key prefix "a\/..\/b" is invalid/],
    ['an unknown option', 's3://layers?endpoit=http://x', /unknown s3 option "endpoit"/],
    ['a repeated option', 's3://layers?region=us-east-1&region=eu-west-1', /"region" is given more than once/],
    ['a non-http endpoint', 's3://layers?endpoint=ftp://host', /endpoint "ftp:\/\/host" must be an http/],
    ['a malformed endpoint', 's3://layers?endpoint=localhost:9000', /must be an http/],
    ['a malformed region', 's3://layers?region=EU%20West', /region "EU West" is invalid/],
    ['a non-boolean forcePathStyle', 's3://layers?forcePathStyle=yes', /forcePathStyle must be "true" or "false", got "yes"/],
  ];
  for (const [name, url, message] of problems) {
    it(`reports ${name}`, function () {
      const result = parseStorageUrl(url);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.problems.join('\n')).to.match(message);
    });
  }

  it('reports every problem at once', function () {
    const result = parseStorageUrl('s3://B?endpoint=nope&forcePathStyle=1&colour=blue');
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems).to.have.length(4);
  });
});
