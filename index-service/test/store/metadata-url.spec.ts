import { expect } from 'chai';
import { describeMetadataUrl, parseMetadataUrl, type MetadataUrl } from '../../src/store/metadata-url.js';

function parsed(url: string): MetadataUrl {
  const result = parseMetadataUrl(url);
  if (!result.ok) throw new Error(`expected ${url} to parse: ${result.error}`);
  return result.value;
}

function problem(url: string): string {
  const result = parseMetadataUrl(url);
  if (result.ok) throw new Error(`expected ${url} to be refused`);
  return result.error;
}

describe('parseMetadataUrl', function () {
  it('parses memory and file stores', function () {
    expect(parsed('memory')).to.deep.equal({ kind: 'memory' });
    expect(parsed('file:./data/index')).to.deep.equal({ kind: 'file', dir: './data/index' });
    expect(parsed('file:///var/lib/v1hub')).to.deep.equal({ kind: 'file', dir: '/var/lib/v1hub' });
  });

  it('parses redis:// with defaults, credentials, database and IPv6 hosts', function () {
    expect(parsed('redis://localhost')).to.deep.equal({ kind: 'redis', mode: 'standalone', host: 'localhost', port: 6379, db: 0 });
    expect(parsed('redis://:p%40ss@cache:6380/2')).to.deep.equal({ kind: 'redis', mode: 'standalone', host: 'cache', port: 6380, db: 2, password: 'p@ss' });
    expect(parsed('redis://app:pw@cache:1/')).to.deep.include({ username: 'app', password: 'pw', db: 0 });
    expect(parsed('redis://[::1]:7000')).to.deep.include({ host: '::1', port: 7000 });
  });

  it('parses redis+cluster:// and redis+sentinel:// host lists', function () {
    expect(parsed('redis+cluster://a:7000,b:7001')).to.deep.equal({
      kind: 'redis',
      mode: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
    });
    expect(parsed('redis+sentinel://:pw@s1,s2:26380/mymaster/3')).to.deep.equal({
      kind: 'redis',
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      masterName: 'mymaster',
      db: 3,
      password: 'pw',
    });
  });

  it('refuses malformed URLs with one line that names the problem', function () {
    const cases: [string, RegExp][] = [
      ['postgres://db', /unsupported metadata store/],
      ['Memory', /unsupported metadata store/],
      ['file:', /needs a directory/],
      ['redis://', /no host/],
      ['redis://cache:99999', /out of range/],
      ['redis://a:1,b:2', /exactly one host/],
      ['redis://cache/x', /database "x" is not a number/],
      ['redis://cache?tls=1', /query/],
      ['redis://secret@cache', /credentials/],
      ['redis+cluster://a:1/3', /takes no path/],
      ['redis+sentinel://s1:26379', /master name/],
    ];
    for (const [url, expected] of cases) {
      const error = problem(url);
      expect(error, url).to.match(expected);
      expect(error, url).to.not.include('\n');
    }
  });

  it('never repeats a password in an error', function () {
    expect(problem('redis://:hunter2@cache:99999')).to.not.include('hunter2');
  });

  it('describes a parsed URL without its password', function () {
    expect(describeMetadataUrl(parsed('redis://:hunter2@cache:6380/1'))).to.equal('redis://cache:6380/1');
    expect(describeMetadataUrl(parsed('redis+sentinel://s1/mymaster'))).to.equal('redis+sentinel://s1:26379/mymaster/0');
  });
});
