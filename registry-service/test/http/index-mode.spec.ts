import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import { formatBasic } from '@v1hub/shared';
import { buildImageChain, freePort, type FixtureImage } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import type { IndexCall, RunningRegistry } from '../../src/index.js';
import { errorOf, rawClient, startIndexedRegistry } from '../support/test-registry.js';

const ALICE = formatBasic('alice', 'password1');
const BOB = formatBasic('bobby', 'password1');

describe('Registry in index mode (§5.3) against a real Index', () => {
  let index: RunningIndex;
  let registry: RunningRegistry;
  let reg: ReturnType<typeof rawClient>;
  let idx: ReturnType<typeof rawClient>;
  let chain: FixtureImage[];
  const calls: IndexCall[] = [];

  before(async () => {
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}` } }), { kdf: { N: 1024, r: 8, p: 1 } });
    registry = await startIndexedRegistry(index.url, { port: registryPort }, (c) => calls.push(c));
    reg = rawClient(registry.url);
    idx = rawClient(index.url);
    for (const username of ['alice', 'bobby']) {
      await idx('POST', '/v1/users/', { body: JSON.stringify({ username, password: 'password1', email: `${username}@example.com` }) });
    }
    chain = await buildImageChain(2, { seed: 'index-mode' });
  });
  after(async () => {
    await registry.close();
    await index.close();
  });

  /** I6 with the chain's ids: returns the write token. */
  async function allocate(repo = 'alice/app', images = chain): Promise<string> {
    const r = await idx('PUT', `/v1/repositories/${repo}/`, { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify(images.map((i) => ({ id: i.id }))) });
    expect(r.status, r.text).to.equal(200);
    return r.headers.get('x-docker-token') as string;
  }
  async function readToken(repo = 'alice/app', auth?: string): Promise<string> {
    const r = await idx('GET', `/v1/repositories/${repo}/images`, { headers: { 'X-Docker-Token': 'true', ...(auth ? { Authorization: auth } : {}) } });
    expect(r.status, r.text).to.equal(200);
    return r.headers.get('x-docker-token') as string;
  }
  async function pushImage(img: FixtureImage, token: string): Promise<void> {
    const auth = { Authorization: `Token ${token}` };
    expect((await reg('PUT', `/v1/images/${img.id}/json`, { headers: auth, body: img.json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${img.id}/layer`, { headers: auth, body: img.layer, chunked: true })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${img.id}/checksum`, { headers: { ...auth, 'X-Docker-Checksum-Payload': img.payload } })).status).to.equal(200);
  }

  it('says X-Docker-Registry-Standalone: False on ping, without asking the Index', async () => {
    const before = calls.length;
    const r = await reg('GET', '/v1/_ping');
    expect(r.headers.get('x-docker-registry-standalone')).to.equal('False');
    expect(calls.length).to.equal(before);
  });

  it('does not mount the fake index routes', async () => {
    expect((await reg('GET', '/v1/users/')).status).to.equal(404);
  });

  it('step 1: no token, or Basic instead of a token, is 401 Requires authorization with WWW-Authenticate: Token', async () => {
    for (const headers of [{}, { Authorization: ALICE }, { Authorization: 'Token ' }] as Record<string, string>[]) {
      const r = await reg('GET', `/v1/images/${chain[0]?.id}/json`, { headers });
      expect(r.status).to.equal(401);
      expect(r.headers.get('www-authenticate')).to.equal('Token');
      expect(errorOf(r)).to.equal('Requires authorization');
    }
  });

  it('pushes with a write token: every request validated with the Index (200 = true)', async () => {
    const token = await allocate();
    const before = calls.length;
    for (const img of chain) await pushImage(img, token);
    const validations = calls.slice(before).filter((c) => c.route === 'getRepositoryImages');
    // PUT json, layer and checksum per image (§5.3 step 6). The child's parent was uploaded through this
    // repository, which therefore holds it: no I12 parent check is needed (§5.3 step 7 asks for one only
    // for a parent held elsewhere).
    expect(validations).to.have.length(6);
    expect(validations.every((c) => c.status === 200 && c.result)).to.equal(true);
    expect(calls.slice(before).filter((c) => c.route === 'getLayerAccess')).to.have.length(0);
    expect(JSON.stringify(calls)).not.to.match(/signature=[0-9a-f]{7}/);
    const tag = await reg('PUT', '/v1/repositories/alice/app/tags/latest', { headers: { Authorization: `Token ${token}` }, body: JSON.stringify(chain[1]?.id) });
    expect(tag.status).to.equal(200);
  });

  it('the token guard comes first: an unauthorised request with an invalid name is a 401, not a 400', async () => {
    for (const path of ['/v1/repositories/Foo/bar/tags', '/v1/repositories/alice/a%2Fb/tags', '/v1/repositories/-x-/y/json']) {
      const r = await reg('GET', path);
      expect(r.status, path).to.equal(401);
      expect(errorOf(r)).to.equal('Requires authorization');
    }
  });

  it('an access value that names an inherited property is just an unknown access, never a crash', async () => {
    for (const access of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = await reg('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: `Token signature=abc,repository="alice/app",access=${access}` } });
      expect(r.status, access).to.equal(401);
      expect(errorOf(r)).to.equal('Requires authorization');
    }
  });

  it('Q2: a write token on GET json is 401 before the Index is asked', async () => {
    const token = await allocate();
    const before = calls.length;
    const r = await reg('GET', `/v1/images/${chain[0]?.id}/json`, { headers: { Authorization: `Token ${token}` } });
    expect(r.status).to.equal(401);
    expect(calls.length).to.equal(before);
  });

  it('pulls with a read token', async () => {
    const token = await readToken();
    const auth = { Authorization: `Token ${token}` };
    expect((await reg('GET', '/v1/repositories/alice/app/tags', { headers: auth })).json).to.deep.equal({ latest: chain[1]?.id });
    expect((await reg('GET', `/v1/images/${chain[1]?.id}/ancestry`, { headers: auth })).json).to.deep.equal([chain[1]?.id, chain[0]?.id]);
    const layer = await reg('GET', `/v1/images/${chain[0]?.id}/layer`, { headers: auth });
    expect(layer.body.equals(chain[0]?.layer as Buffer)).to.equal(true);
  });

  it('step 2: a token for another repository is 401 on repository routes', async () => {
    await allocate('alice/other', []);
    const other = await readToken('alice/other');
    const r = await reg('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: `Token ${other}` } });
    expect(r.status).to.equal(401);
  });

  it('step 5: a tampered token gets "false" from the Index and a 401 here', async () => {
    const token = await readToken();
    const tampered = token.replace(/signature=(.)/, (_m, c: string) => `signature=${c === 'a' ? 'b' : 'a'}`);
    const before = calls.length;
    const r = await reg('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: `Token ${tampered}` } });
    expect(r.status).to.equal(401);
    expect(calls.slice(before)).to.have.length(1);
    expect(calls.at(-1)).to.include({ status: 401, result: false });
  });

  it('refuses PUT json for an id the Index did not list: 400 This image does not belong to the repository', async () => {
    const stranger = (await buildImageChain(1, { seed: 'stranger' }))[0] as FixtureImage;
    const token = await allocate();
    const r = await reg('PUT', `/v1/images/${stranger.id}/json`, { headers: { Authorization: `Token ${token}` }, body: stranger.json });
    expect(r.status).to.equal(400);
    expect(errorOf(r)).to.equal('This image does not belong to the repository');
  });

  it('asks the Index (I12) about a parent held elsewhere: allowed where the user may read a holder, else 400 unauthorized parent', async () => {
    const [, child] = (await buildImageChain(2, { seed: 'index-mode' })) as FixtureImage[];
    const fork = (await buildImageChain(1, { seed: 'fork' }))[0] as FixtureImage;
    // A child of chain[0] (held by alice/app, public) pushed through another repository.
    const forged = JSON.stringify({ ...(JSON.parse((child as FixtureImage).json.toString()) as Record<string, unknown>), id: fork.id });
    const bobWrite = (await idx('PUT', '/v1/repositories/bobby/forked/', { headers: { Authorization: BOB, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id: fork.id }]) })).headers.get('x-docker-token') as string;
    await idx('PATCH', '/v1/repositories/alice/app/info', { headers: { Authorization: ALICE }, body: '{"private": true}' });
    const before = calls.length;
    const refused = await reg('PUT', `/v1/images/${fork.id}/json`, { headers: { Authorization: `Token ${bobWrite}` }, body: forged });
    expect(refused.status).to.equal(400);
    expect(errorOf(refused)).to.equal('Image depends on an unauthorized parent');
    expect(calls.slice(before).filter((c) => c.route === 'getLayerAccess').map((c) => c.result)).to.deep.equal([false]);
    await idx('PATCH', '/v1/repositories/alice/app/info', { headers: { Authorization: ALICE }, body: '{"private": false}' });
    const allowed = await reg('PUT', `/v1/images/${fork.id}/json`, { headers: { Authorization: `Token ${bobWrite}` }, body: forged });
    expect(allowed.status, allowed.text).to.equal(200);
  });

  it('§4.4: a private repository\'s images are checked with the Index (I12); readers get them, a "no" is 404', async () => {
    const secret = (await buildImageChain(1, { seed: 'secret' }))[0] as FixtureImage;
    const write = await allocate('alice/secret', [secret]);
    await pushImage(secret, write);
    expect((await reg('PUT', '/v1/repositories/alice/secret/properties', { headers: { Authorization: `Token ${write}` }, body: '{"access": "private"}' })).status).to.equal(200);
    expect((await reg('GET', '/v1/repositories/alice/secret/properties', { headers: { Authorization: `Token ${await readToken('alice/secret')}` } })).json).to.deep.equal({ access: 'private' });
    const good = await reg('GET', `/v1/images/${secret.id}/json`, { headers: { Authorization: `Token ${await readToken('alice/secret')}` } });
    expect(good.status).to.equal(200);
    // A read token of another repository used for an image only the private repository holds.
    await idx('PATCH', '/v1/repositories/alice/secret/info', { headers: { Authorization: ALICE }, body: '{"private": true}' });
    const foreign = await reg('GET', `/v1/images/${secret.id}/json`, { headers: { Authorization: `Token ${await readToken('alice/app')}` } });
    expect(foreign.status).to.equal(404);
    expect(errorOf(foreign)).to.equal('Image not found');
    await idx('PATCH', '/v1/repositories/alice/secret/info', { headers: { Authorization: ALICE }, body: '{"private": false}' });
  });

  it('Index private repositories: anonymous token requests are refused, so the registry never sees one', async () => {
    await idx('PATCH', '/v1/repositories/alice/secret/info', { headers: { Authorization: ALICE }, body: '{"private": true}' });
    expect((await idx('GET', '/v1/repositories/alice/secret/images', { headers: { 'X-Docker-Token': 'true' } })).status).to.equal(401);
    expect((await idx('GET', '/v1/repositories/alice/secret/images', { headers: { 'X-Docker-Token': 'true', Authorization: BOB } })).status).to.equal(401);
  });

  it('validation cache: with --validation-cache the Index is asked once per token', async () => {
    const cached = await startIndexedRegistry(index.url, { validationCache: 30 }, (c) => calls.push(c));
    try {
      const token = await readToken();
      const before = calls.filter((c) => !c.cached).length;
      // This registry has its own (empty) storage: a 404 shows the token passed.
      for (let i = 0; i < 4; i++) expect(errorOf(await rawClient(cached.url)('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: `Token ${token}` } }))).to.equal('Repository not found');
      expect(calls.filter((c) => !c.cached).length - before).to.equal(1);
    } finally {
      await cached.close();
    }
  });

  it('validation cache: a delete token is checked with the Index every time, so a revocation stops it at once', async () => {
    const cached = await startIndexedRegistry(index.url, { validationCache: 30 }, (c) => calls.push(c));
    try {
      await allocate('alice/doomed');
      const del = await idx('DELETE', '/v1/repositories/alice/doomed/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' } });
      expect(del.status).to.equal(202);
      const token = del.headers.get('x-docker-token') as string;
      const auth = { Authorization: `Token ${token}` };
      const before = calls.filter((c) => !c.cached).length;
      const first = await rawClient(cached.url)('DELETE', '/v1/repositories/alice/doomed/tags/latest', { headers: auth });
      expect(first.status, 'the token passes (404: nothing is tagged on this registry)').to.equal(404);
      expect(calls.filter((c) => !c.cached).length - before).to.equal(1);
      // I11 ends the token at the Index; a cached "true" would still let the next delete through.
      expect((await idx('PUT', '/v1/repositories/alice/doomed/auth', { headers: auth })).status).to.equal(200);
      const second = await rawClient(cached.url)('DELETE', '/v1/repositories/alice/doomed/tags/latest', { headers: auth });
      expect(second.status).to.equal(401);
      expect(errorOf(second)).to.equal('Requires authorization');
    } finally {
      await cached.close();
    }
  });

  it('identical validations at the same time share calls to the Index, and none gets an answer sent before it arrived', async () => {
    // A stand-in Index: it holds every answer until the test releases them, and says "true" to the first call
    // only, as if the token were revoked right after it was asked.
    const seen: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const standIn = http.createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      const first = seen.length === 1;
      void held.then(() => {
        res.writeHead(first ? 200 : 401, { 'Content-Type': 'application/json' });
        res.end(first ? '[]' : '{"error": "Requires authorization"}');
      });
    });
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    const shared = await startIndexedRegistry(`http://127.0.0.1:${(standIn.address() as net.AddressInfo).port}`);
    try {
      const token = 'Token signature=abc,repository="alice/app",access=read';
      const get = () => rawClient(shared.url)('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: token } });
      const early = get();
      while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
      // Asked while the first call is in flight: its "true" may predate them, so they must not get it.
      const late = Array.from({ length: 8 }, get);
      await new Promise((r) => setTimeout(r, 500));
      release();
      // This registry's storage is empty: a 404 shows the token passed.
      expect(errorOf(await early)).to.equal('Repository not found');
      for (const r of await Promise.all(late)) expect([r.status, errorOf(r)]).to.deep.equal([401, 'Requires authorization']);
      // The early call, one call each for the three late requests that found room (four in flight per token),
      // and one call, sent after the release, shared by the five that found none.
      expect(seen, 'calls to the Index').to.deep.equal(Array(5).fill(token));
    } finally {
      await shared.close();
      standIn.close();
    }
  });

  it('answers 503 within the timeout when the Index is unreachable or silent, never a hang or a 500', async () => {
    const deadPort = await freePort();
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    try {
      // Which message comes back shows which guard fired; a silent Index left unguarded would hang into the
      // suite timeout, so no wall-clock bound is needed (or wanted on a noisy machine).
      const cases = [
        { target: `http://127.0.0.1:${deadPort}`, error: /^The Index cannot be reached/ },
        { target: `http://127.0.0.1:${silentPort}`, error: /^The Index did not answer in time/ },
      ];
      for (const { target, error } of cases) {
        const orphan = await startIndexedRegistry(target, { indexTimeout: 500 });
        try {
          const r = await rawClient(orphan.url)('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: 'Token signature=abc,repository="alice/app",access=read' } });
          expect(r.status, target).to.equal(503);
          expect(errorOf(r), target).to.match(error);
        } finally {
          await orphan.close();
        }
      }
    } finally {
      silent.close();
    }
  });

  it('answers 503 to every caller when more are waiting on a silent Index than there are connections to it (queued requests time out too)', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const orphan = await startIndexedRegistry(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, { indexTimeout: 300 });
    try {
      // 64 connections to the Index at most: the other 16 wait in the agent's queue, and must time out as well.
      // Each with its own token: identical validations would share calls (FreshCallSharing) and never fill the queue.
      const answers = await Promise.all(Array.from({ length: 80 }, (_, i) => rawClient(orphan.url)('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: `Token signature=abc${i},repository="alice/app",access=read` } })));
      for (const r of answers) expect([r.status, errorOf(r)]).to.deep.equal([503, 'The Index did not answer in time']);
    } finally {
      await orphan.close();
      silent.close();
    }
  });

  it('the delete flow: delete token → registry deletes (R19) → Index purge; old tokens are then refused', async () => {
    const del = await idx('DELETE', '/v1/repositories/alice/app/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' } });
    expect(del.status).to.equal(202);
    const deleteToken = del.headers.get('x-docker-token') as string;
    const readBefore = await readToken('alice/other');
    const r = await reg('DELETE', '/v1/repositories/alice/app/', { headers: { Authorization: `Token ${deleteToken}` } });
    expect(r.status, r.text).to.equal(200);
    expect(r.text).to.equal('true');
    const purge = await idx('DELETE', '/v1/repositories/alice/app/', { headers: { Authorization: ALICE, 'X-Docker-Endpoints': registry.url.replace('http://', '') } });
    expect(purge.status).to.equal(200);
    expect((await reg('GET', '/v1/repositories/alice/app/tags', { headers: { Authorization: `Token ${deleteToken}` } })).status).to.equal(401);
    expect((await reg('GET', '/v1/repositories/alice/other/tags', { headers: { Authorization: `Token ${readBefore}` } })).status, 'other repositories untouched').not.to.equal(401);
  });
});
