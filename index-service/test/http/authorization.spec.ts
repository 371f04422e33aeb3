/**
 * Issue 10 on the Index: the route table's auth column is what runs (an anonymous call to every guarded
 * route is refused), tokens end the moment the policy no longer allows them, a password change ends a
 * user's tokens, browsers cannot write across sites, and refused bodies are not read.
 */
import { expect } from 'chai';
import net from 'node:net';
import { INDEX_ROUTE_NAMES, ROUTES, buildPath, type IndexRouteName } from '@v1hub/shared';
import { ADMIN_PASSWORD, TEST_KDF, client, hex, signup, startTestIndex } from '../support/test-index.js';
import { loadIndexConfig, startIndexService, type RunningIndex } from '../../src/index.js';

const PARAMS = { ns: 'alice', repo: 'app', imageId: hex('a'), username: 'alice', org: 'acme', tag: 'latest', hookId: 'abc123' };

describe('Index authorization (issue 10)', () => {
  let index: RunningIndex;
  let call: ReturnType<typeof client>;
  let alice: [string, string];
  let bob: [string, string];
  const admin: [string, string] = ['admin', ADMIN_PASSWORD];

  /** A read (or other) token of `repo` issued to `user` (anonymous when absent). */
  async function token(repo: string, user?: [string, string], method = 'GET'): Promise<string> {
    const path = method === 'GET' ? `/v1/repositories/${repo}/images` : `/v1/repositories/${repo}/`;
    const r = await call(method, path, { ...(user ? { user } : {}), headers: { 'X-Docker-Token': 'true' }, ...(method === 'PUT' ? { body: [] } : {}) });
    expect(r.status, r.text).to.be.oneOf([200, 202]);
    return r.headers.get('x-docker-token') as string;
  }
  /** The registry's question (I8 with a forwarded token): true when 200. */
  async function valid(repo: string, value: string): Promise<boolean> {
    return (await call('GET', `/v1/repositories/${repo}/images`, { headers: { Authorization: `Token ${value}` } })).status === 200;
  }

  before(async () => {
    index = await startTestIndex({ endpoints: '127.0.0.1:5999' });
    call = client(index.url);
    alice = await signup(call, 'alice');
    bob = await signup(call, 'bobby');
    await call('PUT', '/v1/repositories/alice/app/', { user: alice, body: [{ id: hex('a') }] });
    await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [] });
  });
  after(() => index.close());

  describe('the auth column is executable', () => {
    const guarded = INDEX_ROUTE_NAMES.filter((name) => ['basic', 'admin', 'delete-token-or-basic'].includes(ROUTES[name].auth));

    it('guards every route that needs an account: anonymous calls answer 401 with the Index challenge', async () => {
      expect(guarded.length).to.be.greaterThan(10);
      for (const name of guarded) {
        const spec = ROUTES[name as IndexRouteName];
        const r = await call(spec.method, buildPath(name, PARAMS), spec.method === 'GET' ? {} : { raw: '{}' });
        expect(r.status, `${name} ${spec.method}`).to.equal(401);
        expect(r.headers.get('www-authenticate'), name).to.equal('Basic realm="auth required",Token');
      }
    });
    it('answers 403 to a signed-in user on admin-only routes, 200 to an administrator', async () => {
      for (const name of INDEX_ROUTE_NAMES.filter((n) => ROUTES[n].auth === 'admin')) {
        const path = buildPath(name, PARAMS);
        expect((await call('GET', path, { user: bob })).status, name).to.equal(403);
        expect((await call('GET', path, { user: admin })).status, name).to.equal(200);
      }
    });
    it('checks credentials when sent on routes anonymous callers may use: wrong ones are 401', async () => {
      for (const name of INDEX_ROUTE_NAMES.filter((n) => ['basic-optional', 'token-or-basic-optional'].includes(ROUTES[n].auth))) {
        const spec = ROUTES[name];
        const r = await call(spec.method, buildPath(name, PARAMS), { user: ['alice', 'wrong-password'] });
        expect(r.status, name).to.equal(401);
      }
    });
  });

  describe('tokens are checked against the policy as it is now (hole 6)', () => {
    it('a removed collaborator\'s read and write tokens end at once', async () => {
      await call('PUT', '/v1/repositories/alice/shared/', { user: alice, body: [] });
      await call('PATCH', '/v1/repositories/alice/shared/info', { user: alice, body: { private: true } });
      await call('PUT', '/v1/repositories/alice/shared/collaborators/bobby', { user: alice });
      const read = await token('alice/shared', bob);
      const write = await token('alice/shared', bob, 'PUT');
      expect([await valid('alice/shared', read), await valid('alice/shared', write)]).to.deep.equal([true, true]);
      await call('DELETE', '/v1/repositories/alice/shared/collaborators/bobby', { user: alice });
      expect([await valid('alice/shared', read), await valid('alice/shared', write)]).to.deep.equal([false, false]);
    });
    it('a removed organisation member\'s write token ends at once', async () => {
      expect((await call('POST', '/v1/orgs/', { user: alice, body: { name: 'acme' } })).status).to.equal(201);
      await call('PUT', '/v1/orgs/acme/members/bobby', { user: alice });
      const write = await token('acme/tool', bob, 'PUT');
      expect(await valid('acme/tool', write)).to.equal(true);
      await call('DELETE', '/v1/orgs/acme/members/bobby', { user: alice });
      expect(await valid('acme/tool', write)).to.equal(false);
    });
    it('an anonymous token taken while a repository was public ends when it turns private, and works again when public', async () => {
      await call('PUT', '/v1/repositories/alice/flip/', { user: alice, body: [] });
      const anonymous = await token('alice/flip');
      const owners = await token('alice/flip', alice);
      expect(await valid('alice/flip', anonymous)).to.equal(true);
      await call('PATCH', '/v1/repositories/alice/flip/info', { user: alice, body: { private: true } });
      expect(await valid('alice/flip', anonymous)).to.equal(false);
      expect(await valid('alice/flip', owners), 'the owner still reads').to.equal(true);
      await call('PATCH', '/v1/repositories/alice/flip/info', { user: alice, body: { private: false } });
      expect(await valid('alice/flip', anonymous)).to.equal(true);
    });
    it('a suspended account\'s tokens end at once', async () => {
      const carol = await signup(call, 'carol');
      await call('PUT', '/v1/repositories/carol/app/', { user: carol, body: [] });
      const write = await token('carol/app', carol, 'PUT');
      expect(await valid('carol/app', write)).to.equal(true);
      expect((await call('PUT', '/v1/users/carol/', { user: admin, body: { active: false } })).status).to.equal(204);
      expect(await valid('carol/app', write)).to.equal(false);
      const audit = await index.deps.store.audit.list(20);
      expect(audit.map((e) => e.reason)).to.include('account-inactive');
    });
  });

  it('a password change ends every token issued before it (hole 7)', async () => {
    const dave = await signup(call, 'dave');
    await call('PUT', '/v1/repositories/dave/app/', { user: dave, body: [] });
    const before = await token('dave/app', dave, 'PUT');
    expect(await valid('dave/app', before)).to.equal(true);
    expect((await call('PUT', '/v1/users/dave/', { user: dave, body: { password: 'another-password' } })).status).to.equal(204);
    expect(await valid('dave/app', before)).to.equal(false);
    const after = await token('dave/app', ['dave', 'another-password'], 'PUT');
    expect(await valid('dave/app', after)).to.equal(true);
  });

  describe('cross-site writes (hole 8)', () => {
    it('refuses a state-changing request from a foreign Origin, whatever its Content-Type', async () => {
      for (const type of ['text/plain', 'application/json', 'application/x-www-form-urlencoded']) {
        const r = await call('POST', '/v1/orgs/', { user: alice, raw: '{"name": "evilorg"}', headers: { 'Content-Type': type, Origin: 'http://evil.example' } });
        expect(r.status, type).to.equal(403);
        expect((r.json as { error: string }).error).to.equal('Cross-site request refused');
      }
      const patched = await call('PATCH', '/v1/repositories/alice/app/info', { user: alice, body: { private: true }, headers: { Origin: 'null' } });
      expect(patched.status).to.equal(403);
      expect((await call('GET', '/v1/orgs/evilorg/', { user: alice })).status).to.equal(404);
    });
    it('lets the Index\'s own pages and clients without Origin (Docker, the CLI) through', async () => {
      expect((await call('POST', '/v1/orgs/', { user: alice, body: { name: 'ownorg' }, headers: { Origin: index.url } })).status).to.equal(201);
      expect((await call('POST', '/v1/orgs/', { user: alice, body: { name: 'cliorg' } })).status).to.equal(201);
      expect((await call('GET', '/v1/search?q=app', { headers: { Origin: 'http://evil.example' } })).status, 'reads are not writes').to.equal(200);
    });
  });

  describe('refused bodies are not read (hole 9)', () => {
    /** Sends headers declaring `declared` bytes, then writes as fast as the server takes them. */
    async function pushBody(port: number, head: string): Promise<{ response: string; written: number }> {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let response = '';
      socket.on('data', (chunk: Buffer) => {
        response += chunk.toString('latin1');
      });
      socket.on('error', () => {});
      socket.write(head);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let written = 0;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      let open = true;
      void closed.then(() => {
        open = false;
      });
      // Bounded: at most 256 MiB, and the loop ends as soon as the server closes the connection.
      while (open && written < 256 * 1024 * 1024) {
        if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
        written += chunk.length;
      }
      await closed;
      return { response, written };
    }

    it('answers a 401 on a body declared as 2 GiB with Connection: close and stops reading', async () => {
      const { response, written } = await pushBody(index.port, `POST /v1/orgs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 ** 3}\r\n\r\n`);
      expect(response).to.match(/^HTTP\/1\.1 401 /);
      expect(response.toLowerCase()).to.include('connection: close');
      // What the kernel buffers plus the bounded linger, far from the 96 MiB the server used to read.
      expect(written).to.be.lessThan(32 * 1024 * 1024);
    });

    it('drops a request whose declared body never arrives after the idle timeout', async () => {
      const idle = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: ADMIN_PASSWORD } }), { kdf: TEST_KDF, idleTimeoutMs: 300 });
      try {
        const socket = net.connect(idle.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.write('POST /v1/users/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
        // The idle timeout fired if the server closed the connection; without one this would hang into the
        // suite timeout, so no wall-clock bound is asserted.
        await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      } finally {
        await idle.close();
      }
    });
  });
});
