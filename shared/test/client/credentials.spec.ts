import { expect } from 'chai';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultConfigPath, getCredentials, readCredentialsFile, removeCredentials, saveCredentials, serverKey } from '@v1hub/shared/client';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';

describe('client credentials file', function () {
  let dir: TempDir;

  before(async function () {
    dir = await makeTempDir('v1hub-creds');
  });

  after(async function () {
    await dir.remove();
  });

  it('uses $V1HUB_CONFIG, else ~/.v1hub/config.json', function () {
    expect(defaultConfigPath({ V1HUB_CONFIG: '/tmp/x.json' })).to.equal('/tmp/x.json');
    expect(defaultConfigPath({})).to.match(/\.v1hub\/config\.json$/);
  });

  it('writes Docker config.json shape with mode 0600 and reads it back', async function () {
    const path = join(dir.path, 'sub', 'config.json');
    await saveCredentials('127.0.0.1:5000', { username: 'alice', password: 'p:ss', email: 'a@example.com' }, path);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored).to.deep.equal({ auths: { '127.0.0.1:5000': { auth: Buffer.from('alice:p:ss').toString('base64'), email: 'a@example.com' } } });
    expect(await getCredentials('127.0.0.1:5000', path)).to.deep.equal({ username: 'alice', password: 'p:ss' });
    expect(await getCredentials('127.0.0.1:5001', path)).to.equal(null);
  });

  it('reads leniently: URL keys, unknown fields and broken entries', async function () {
    const path = join(dir.path, 'lenient.json');
    await writeFile(path, JSON.stringify({ auths: { 'https://Index.Example:5000/v1/': { auth: Buffer.from('bob:pw').toString('base64') }, 'bad:1': { auth: '%%%' } }, credsStore: 'none' }));
    expect(await getCredentials('index.example:5000', path)).to.deep.equal({ username: 'bob', password: 'pw' });
    expect(await getCredentials('bad:1', path)).to.equal(null);
    await saveCredentials('other:2', { username: 'c', password: 'd' }, path);
    const file = await readCredentialsFile(path);
    expect(file.credsStore).to.equal('none');
    expect(Object.keys(file.auths)).to.deep.equal(['https://Index.Example:5000/v1/', 'bad:1', 'other:2']);
    expect(await removeCredentials('index.example:5000', path)).to.equal(true);
    expect(await removeCredentials('index.example:5000', path)).to.equal(false);
    expect(await readCredentialsFile(join(dir.path, 'missing.json'))).to.deep.equal({ auths: {} });
    expect(serverKey('http://localhost:5000/v1/')).to.equal('localhost:5000');
  });

  it('refuses a corrupt file with a clear one-line error', async function () {
    const path = join(dir.path, 'corrupt.json');
    await writeFile(path, '{"auths": {');
    const err = await readCredentialsFile(path).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(new RegExp(`^the credentials file ${path} is not valid JSON \\(.*\\); fix it or delete it and log in again$`));
  });

  it('never quotes a broken file: it holds base64 credentials', async function () {
    const path = join(dir.path, 'leaky.json');
    const auth = Buffer.from('alice:s3cret-pass').toString('base64');
    await writeFile(path, `{"auths": {"h:1": {"auth": ${auth}}}}`);
    const err = await readCredentialsFile(path).then(() => null, (e: Error) => e);
    expect(err?.message).to.include('not valid JSON').and.not.include(auth.slice(0, 8));
  });
});
