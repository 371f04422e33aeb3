import { expect } from 'chai';
import { formatBasic } from '@v1hub/shared';
import { IndexApi, Transport, createV1Client, remoteRepository, toImageReference, type Exchange, type V1Client, V1ClientError } from '@v1hub/shared/client';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { startStack, type Stack } from './support/stack.js';
import { fixtureSave } from '@v1hub/shared/testing';

describe('client login (§6.1) and private repositories', function () {
  let stack: Stack;
  let dir: TempDir;
  let host: string;
  const clients: V1Client[] = [];
  const client = (opts: { username?: string; password?: string; onExchange?: (e: Exchange) => void } = {}): V1Client => {
    const c = createV1Client({
      indexUrl: stack.indexUrl,
      credentials: opts.username ? { username: opts.username, password: opts.password ?? '' } : null,
      ...(opts.onExchange ? { onExchange: opts.onExchange } : {}),
    });
    clients.push(c);
    return c;
  };

  before(async function () {
    stack = await startStack();
    dir = await makeTempDir('v1hub-login');
    host = new URL(stack.indexUrl).host;
  });

  after(async function () {
    for (const c of clients) c.close();
    await stack.close();
    await dir.remove();
  });

  it('creates a new account with POST /v1/users/ and a plain Go User-Agent', async function () {
    const exchanges: Exchange[] = [];
    const result = await client({ onExchange: (e) => exchanges.push(e) }).login({ username: 'dave', password: 'dave-pass', email: 'dave@example.com' });
    expect(result.outcome).to.equal('created');
    expect(result.message).to.match(/^Account created\. Please see the documentation of the registry http:\/\/127\.0\.0\.1:\d+\/v1\/ /);
    expect(exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`)).to.deep.equal(['GET /v2/ 404', 'GET /v1/_ping 200', 'POST /v1/users/ 201']);
    expect(exchanges[2]?.requestHeaders['User-Agent']).to.equal('Go 1.1 package http');
    expect(exchanges[2]?.requestHeaders['Content-Type']).to.equal('application/json; charset=utf-8');
  });

  it('logs an existing account in after the exact "already exists" 400', async function () {
    const exchanges: Exchange[] = [];
    const c = client({ onExchange: (e) => exchanges.push(e) });
    const result = await c.login({ username: 'dave', password: 'dave-pass', email: 'dave@example.com' });
    expect(result).to.include({ outcome: 'logged-in', message: 'Login Succeeded' });
    expect(exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`).slice(2)).to.deep.equal(['POST /v1/users/ 400', 'GET /v1/users/ 200']);
    expect(exchanges[3]?.requestHeaders.Authorization).to.equal('Basic ****');
    expect(c.credentials).to.deep.equal({ username: 'dave', password: 'dave-pass' });
  });

  it('reports a wrong password clearly', async function () {
    const err = (await client().login({ username: 'dave', password: 'wrong-pass' }).catch((e: unknown) => e)) as V1ClientError;
    expect(err).to.be.instanceOf(V1ClientError);
    expect(err.code).to.equal('WRONG_PASSWORD');
    expect(err.message).to.equal(`login ${host}: GET /v1/users/: 401 Wrong login/password, please try again`);
  });

  it('reports an inactive account clearly', async function () {
    await client().login({ username: 'erin', password: 'erin-pass', email: 'erin@example.com' });
    await stack.index.deps.store.users.update('erin', { active: false });
    const err = (await client().login({ username: 'erin', password: 'erin-pass', email: 'erin@example.com' }).catch((e: unknown) => e)) as V1ClientError;
    expect(err.code).to.equal('ACCOUNT_INACTIVE');
    expect(err.message).to.match(/^login 127\.0\.0\.1:\d+: GET \/v1\/users\/: 403 Account is not Active\. /);
  });

  it('pings the Index: v2 probe refused, not standalone (§5.6)', async function () {
    const ping = await client().ping();
    expect(ping).to.include({ standalone: false, v2Status: 404, basicEverywhere: false });
  });

  it('refuses a private repository to another user and to nobody', async function () {
    const owner = client({ username: 'frank', password: 'frank-pass' });
    await owner.login({ username: 'frank', password: 'frank-pass', email: 'frank@example.com' });
    const other = client({ username: 'grace', password: 'grace-pass' });
    await other.login({ username: 'grace', password: 'grace-pass', email: 'grace@example.com' });
    const fixture = await fixtureSave(dir.path, 'secret', 2);
    await owner.push(`${host}/frank/secret`, fixture.path);

    const transport = new Transport();
    try {
      const index = new IndexApi(transport, stack.indexUrl);
      const patched = await index.patchRepositoryInfo(remoteRepository(toImageReference('frank/secret')), { private: true }, { authorization: formatBasic('frank', 'frank-pass') });
      expect(patched.status).to.equal(200);
      await patched.discard();
    } finally {
      transport.close();
    }

    expect((await owner.pull(`${host}/frank/secret`)).imageId).to.equal(fixture.chain[1]?.id);
    const refused = (await other.pull(`${host}/frank/secret`).catch((e: unknown) => e)) as V1ClientError;
    expect(refused).to.be.instanceOf(V1ClientError);
    // §3.2 item 5: no read access is a 401 whoever asks, so the client knows to offer other credentials.
    expect(refused.message).to.equal('pull frank/secret: GET /v1/repositories/frank/secret/images: 401 grace may not read frank/secret');
    const anonymous = (await client().pull(`${host}/frank/secret`).catch((e: unknown) => e)) as V1ClientError;
    expect(anonymous.message).to.match(/^pull frank\/secret: GET \/v1\/repositories\/frank\/secret\/images: 401 \S/);
    expect(anonymous.code).to.equal('UNAUTHORIZED');
    const search = await other.search('secret');
    expect(search.results.map((r) => r.name)).not.to.include('frank/secret');
  });
});
