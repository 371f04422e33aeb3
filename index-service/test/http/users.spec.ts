import { expect } from 'chai';
import { client, startTestIndex, type CallResult } from '../support/test-index.js';
import type { RunningIndex } from '../../src/index.js';

describe('Index accounts (I3–I5)', () => {
  let index: RunningIndex;
  let call: ReturnType<typeof client>;
  before(async () => {
    index = await startTestIndex();
    call = client(index.url);
  });
  after(() => index.close());

  const expectError = (r: CallResult, status: number, message?: string | RegExp) => {
    expect(r.status, r.text).to.equal(status);
    const error = (r.json as { error?: string }).error;
    expect(error).to.be.a('string');
    if (typeof message === 'string') expect(error).to.equal(message);
    else if (message) expect(error).to.match(message);
  };

  it('I3 creates an account: 201 "User Created" (as docker-registry said it)', async () => {
    const r = await call('POST', '/v1/users/', { body: { username: 'alice', password: 'wonderland', email: 'alice@example.com', auth: '' } });
    expect(r.status).to.equal(201);
    expect(r.text).to.equal('"User Created"');
    expect(r.headers.get('content-type')).to.equal('application/json');
  });

  it('I3 also answers /v1/users without the trailing slash', async () => {
    const r = await call('POST', '/v1/users', { body: { username: 'alice2', password: 'wonderland', email: 'alice2@example.com' } });
    expect(r.status).to.equal(201);
  });

  it('I3 answers an existing username with the exact bare-string 400 Docker falls back on', async () => {
    const r = await call('POST', '/v1/users/', { body: { username: 'alice', password: 'whatever', email: '' } });
    expect(r.status).to.equal(400);
    expect(r.text).to.equal('"Username or email already exists"');
  });

  it('I3 answers an email already in use the same way', async () => {
    const r = await call('POST', '/v1/users/', { body: { username: 'bobby', password: 'whatever', email: 'alice@example.com' } });
    expect(r.text).to.equal('"Username or email already exists"');
  });

  it('I3 refuses invalid usernames, short passwords and bad emails with clear 400s', async () => {
    expectError(await call('POST', '/v1/users/', { body: { username: 'Bob', password: 'secret1', email: 'b@example.com' } }), 400, /Invalid username/);
    expectError(await call('POST', '/v1/users/', { body: { username: 'bob', password: 'secret1', email: 'b@example.com' } }), 400, /Invalid username/);
    expectError(await call('POST', '/v1/users/', { body: { username: 'bobby', password: '1234', email: 'b@example.com' } }), 400, /at least 5/);
    expectError(await call('POST', '/v1/users/', { body: { username: 'bobby', password: '12345', email: 'nope' } }), 400, /Invalid email/);
    expectError(await call('POST', '/v1/users/', { body: ['bobby'] }), 400, /JSON object/);
    expectError(await call('POST', '/v1/users/', { body: { password: 'x' } }), 400, /username/);
  });

  it('I3 answers a body that is not JSON with 400 Error Decoding JSON', async () => {
    expectError(await call('POST', '/v1/users/', { raw: 'username=alice' }), 400, 'Error Decoding JSON');
  });

  it('I4 says "OK" to the right password', async () => {
    const r = await call('GET', '/v1/users/', { user: ['alice', 'wonderland'] });
    expect(r.status).to.equal(200);
    expect(r.text).to.equal('"OK"');
  });

  it('I4 answers a wrong password or unknown user with 401 and the Index challenge', async () => {
    for (const user of [['alice', 'nope'], ['nobody', 'wonderland']] as [string, string][]) {
      const r = await call('GET', '/v1/users/', { user });
      expectError(r, 401);
      expect(r.headers.get('www-authenticate')).to.equal('Basic realm="auth required",Token');
    }
  });

  it('I4 answers missing or malformed credentials with 401', async () => {
    expectError(await call('GET', '/v1/users/'), 401);
    expectError(await call('GET', '/v1/users/', { headers: { Authorization: 'Basic !!!' } }), 401);
    expectError(await call('GET', '/v1/users/', { headers: { Authorization: 'Basic Og==' } }), 401);
  });

  it('I4 answers an inactive account with 403', async () => {
    await call('POST', '/v1/users/', { body: { username: 'sleepy', password: 'password1', email: 's@example.com' } });
    await index.deps.store.users.update('sleepy', { active: false });
    expectError(await call('GET', '/v1/users/', { user: ['sleepy', 'password1'] }), 403, 'Account is not active');
  });

  it('I5 changes the password (204) and the old one stops working at once', async () => {
    await call('POST', '/v1/users/', { body: { username: 'carol', password: 'first-pass', email: 'c@example.com' } });
    expect((await call('GET', '/v1/users/', { user: ['carol', 'first-pass'] })).status).to.equal(200);
    const r = await call('PUT', '/v1/users/carol/', { user: ['carol', 'first-pass'], body: { password: 'second-pass', email: 'c2@example.com' } });
    expect(r.status).to.equal(204);
    expect(r.text).to.equal('');
    expect((await call('GET', '/v1/users/', { user: ['carol', 'first-pass'] })).status).to.equal(401);
    expect((await call('GET', '/v1/users/', { user: ['carol', 'second-pass'] })).status).to.equal(200);
    expect((await index.deps.store.users.get('carol'))?.email).to.equal('c2@example.com');
  });

  it('I5 refuses other users (403), unknown users (404) and bad fields (400)', async () => {
    expectError(await call('PUT', '/v1/users/alice/', { user: ['carol', 'second-pass'], body: { email: 'x@example.com' } }), 403);
    // Another account, existing or not, is the same 403: the answer does not reveal which names are taken.
    expectError(await call('PUT', '/v1/users/ghost/', { user: ['carol', 'second-pass'], body: { email: 'x@example.com' } }), 403);
    expectError(await call('PUT', '/v1/users/ghost/', { user: ['admin', 'admin-secret'], body: { email: 'x@example.com' } }), 404, 'User not found');
    expectError(await call('PUT', '/v1/users/carol/', { user: ['carol', 'second-pass'], body: { password: 'x' } }), 400);
    expectError(await call('PUT', '/v1/users/carol/', { user: ['carol', 'second-pass'], body: {} }), 400, /Nothing to change/);
    expectError(await call('PUT', '/v1/users/carol/', { body: { email: 'x@example.com' } }), 401);
  });

  it('stores a slow-KDF hash, never the password', async () => {
    const user = await index.deps.store.users.get('alice');
    expect(user?.passwordHash).to.match(/^scrypt\$/);
    expect(JSON.stringify(user)).not.to.include('wonderland');
  });

  it('creates the admin account at first start', async () => {
    const r = await call('GET', '/v1/users/', { user: ['admin', 'admin-secret'] });
    expect(r.status).to.equal(200);
    expect((await index.deps.store.users.get('admin'))?.admin).to.equal(true);
  });

  it('I5 lets an administrator suspend and reactivate an account; nobody else may, and not their own', async () => {
    await call('POST', '/v1/users/', { body: { username: 'dave_1', password: 'password1', email: 'd@example.com' } });
    expectError(await call('PUT', '/v1/users/dave_1/', { user: ['dave_1', 'password1'], body: { active: true } }), 403, 'Only administrators activate or suspend accounts');
    expect((await call('PUT', '/v1/users/dave_1/', { user: ['admin', 'admin-secret'], body: { active: false } })).status).to.equal(204);
    expectError(await call('GET', '/v1/users/', { user: ['dave_1', 'password1'] }), 403, 'Account is not active');
    expectError(await call('PUT', '/v1/repositories/dave_1/app/', { user: ['dave_1', 'password1'], headers: { 'X-Docker-Token': 'true' }, body: [] }), 403, 'Account is not active');
    expect((await call('PUT', '/v1/users/dave_1/', { user: ['admin', 'admin-secret'], body: { active: true } })).status).to.equal(204);
    expect((await call('GET', '/v1/users/', { user: ['dave_1', 'password1'] })).status).to.equal(200);
    expectError(await call('PUT', '/v1/users/admin/', { user: ['admin', 'admin-secret'], body: { active: false } }), 400, /cannot suspend their own account/);
    expectError(await call('PUT', '/v1/users/dave_1/', { user: ['admin', 'admin-secret'], body: { active: 'yes' } }), 400, '"active" must be true or false');
  });
});

describe('Index accounts with --activation admin', () => {
  let index: RunningIndex;
  let call: ReturnType<typeof client>;
  before(async () => {
    index = await startTestIndex({ activation: 'admin' });
    call = client(index.url);
  });
  after(() => index.close());

  it('creates accounts inactive (201, then 403 until an administrator activates them)', async () => {
    const created = await call('POST', '/v1/users/', { body: { username: 'erin', password: 'password1', email: 'e@example.com' } });
    expect(created.status).to.equal(201);
    const waiting = await call('GET', '/v1/users/', { user: ['erin', 'password1'] });
    expect(waiting.status).to.equal(403);
    expect(waiting.json).to.deep.equal({ error: 'Account is not active' });
    expect((await call('GET', '/v1/users/', { user: ['admin', 'admin-secret'] })).status, 'the bootstrap admin is active').to.equal(200);
    expect((await call('PUT', '/v1/users/erin/', { user: ['admin', 'admin-secret'], body: { active: true } })).status).to.equal(204);
    expect((await call('GET', '/v1/users/', { user: ['erin', 'password1'] })).status).to.equal(200);
  });
});
