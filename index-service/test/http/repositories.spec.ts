import { expect } from 'chai';
import { INDEX_ROUTE_NAMES, parseTokenList } from '@v1hub/shared';
import { ADMIN_PASSWORD, client, hex, signup, startTestIndex, type CallResult } from '../support/test-index.js';
import { buildIndexRouter } from '../../src/http/routes.js';
import type { RunningIndex } from '../../src/index.js';

const errorOf = (r: CallResult) => (r.json as { error?: string } | undefined)?.error;
const tokenOf = (r: CallResult) => r.headers.get('x-docker-token') as string;

describe('Index repositories and tokens (I1, I2, I6–I12)', () => {
  let index: RunningIndex;
  let call: ReturnType<typeof client>;
  let alice: [string, string];
  let bob: [string, string];
  const admin: [string, string] = ['admin', ADMIN_PASSWORD];
  const images = [{ id: hex('a') }, { id: hex('b'), Tag: 'latest' }];
  // Once a second PUT has merged into the list, entries keep only id and checksum (§3.2 item 3).
  const merged = [{ id: hex('a') }, { id: hex('b') }];

  before(async () => {
    index = await startTestIndex({ endpoints: 'registry.example:5001,mirror.example' });
    call = client(index.url);
    alice = await signup(call, 'alice');
    bob = await signup(call, 'bobby');
  });
  after(() => index.close());

  it('mounts every Index route of the shared table', () => {
    const { mounted } = buildIndexRouter(index.deps);
    expect(new Set(mounted.map((m) => m.name))).to.deep.equal(new Set(INDEX_ROUTE_NAMES));
  });

  it('answers / with the JSON banner to clients that do not ask for HTML, and moves /ui/ to /', async () => {
    const r = await call('GET', '/');
    expect(r.status).to.equal(200);
    expect(r.json).to.equal('v1hub index server');
    const ui = await fetch(`${index.url}/ui/`, { redirect: 'manual' });
    expect(ui.status).to.equal(301);
    expect(ui.headers.get('location')).to.equal('/');
  });

  describe('I1/I2 ping and the v2 probe', () => {
    it('I1 says X-Docker-Registry-Standalone: false on /v1/_ping and /_ping', async () => {
      for (const path of ['/v1/_ping', '/_ping']) {
        const r = await call('GET', path);
        expect(r.status).to.equal(200);
        expect(r.headers.get('x-docker-registry-standalone')).to.equal('false');
        expect(r.json).to.deep.equal({ standalone: false, version: '0.9.1' });
      }
    });
    it('I2 answers /v2/ with a plain 404 and no Docker-Distribution-API-Version header', async () => {
      const r = await call('GET', '/v2/');
      expect(r.status).to.equal(404);
      expect(r.headers.get('docker-distribution-api-version')).to.equal(null);
    });
  });

  describe('I6 push allocation', () => {
    it('allocates alice/app: 200 "", a write token and bare endpoints', async () => {
      const r = await call('PUT', '/v1/repositories/alice/app/', { user: alice, headers: { 'X-Docker-Token': 'true' }, body: images });
      expect(r.status, r.text).to.equal(200);
      expect(r.text).to.equal('""');
      expect(tokenOf(r)).to.match(/^signature=[0-9a-f]{40},repository="alice\/app",access=write$/);
      expect(r.headers.get('www-authenticate')).to.equal(`Token ${tokenOf(r)}`);
      expect(r.headers.get('x-docker-endpoints')).to.equal('registry.example:5001,mirror.example');
    });
    it('remembers the declared list verbatim on the first PUT (Tag included, §10 Q17), as the list once the push completes', async () => {
      const unusual = [{ id: hex('c'), Tag: 'latest', checksum: 'sha256:1', foo: 'bar' }];
      expect((await call('PUT', '/v1/repositories/alice/verbatim/', { user: alice, body: unusual })).status).to.equal(200);
      expect((await call('GET', '/v1/repositories/alice/verbatim/images', { user: alice })).json).to.deep.equal(unusual);
      // I9 stores the first list verbatim, then merges its own body (`[]`), which normalises it (§3.2 item 3).
      expect((await call('PUT', '/v1/repositories/alice/verbatim/images', { user: alice, body: [] })).status).to.equal(204);
      expect((await call('GET', '/v1/repositories/alice/verbatim/images')).json).to.deep.equal([{ id: hex('c'), checksum: 'sha256:1' }]);
    });
    it('lists the ids of a push in progress only to those who may write the repository (issue 10 hole 4: no id squatting)', async () => {
      expect((await call('PUT', '/v1/repositories/alice/squat/', { user: alice, body: [{ id: hex('e'), Tag: 'latest' }] })).status).to.equal(200);
      // The pusher, and a registry asking with the push's write token, see the declared ids…
      expect((await call('GET', '/v1/repositories/alice/squat/images', { user: alice })).json).to.deep.equal([{ id: hex('e'), Tag: 'latest' }]);
      const write = tokenOf(await call('PUT', '/v1/repositories/alice/squat/', { user: alice, headers: { 'X-Docker-Token': 'true' }, body: [] }));
      expect((await call('GET', '/v1/repositories/alice/squat/images', { headers: { Authorization: `Token ${write}` } })).json).to.deep.equal([{ id: hex('e'), Tag: 'latest' }]);
      // …nobody else does, with or without a read token, until the push's I9.
      expect((await call('GET', '/v1/repositories/alice/squat/images')).json).to.deep.equal([]);
      expect((await call('GET', '/v1/repositories/alice/squat/images', { user: bob })).json).to.deep.equal([]);
      const read = tokenOf(await call('GET', '/v1/repositories/alice/squat/images', { headers: { 'X-Docker-Token': 'true' } }));
      expect((await call('GET', '/v1/repositories/alice/squat/images', { headers: { Authorization: `Token ${read}` } })).json).to.deep.equal([]);
      expect((await call('PUT', '/v1/repositories/alice/squat/images', { user: alice, body: [] })).status).to.equal(204);
      expect((await call('GET', '/v1/repositories/alice/squat/images')).json).to.deep.equal([{ id: hex('e') }]);
    });
    it('allocates repositories whose name is also a route word (images, auth, star): the trailing slash decides', async () => {
      for (const repo of ['images', 'auth', 'star']) {
        const r = await call('PUT', `/v1/repositories/alice/${repo}/`, { user: alice, headers: { 'X-Docker-Token': 'true' }, body: images });
        expect(r.status, `${repo}: ${r.text}`).to.equal(200);
        expect(tokenOf(r)).to.include(`repository="alice/${repo}"`);
        expect((await call('GET', `/v1/repositories/alice/${repo}/images`)).status, repo).to.equal(200);
      }
      const marked = await call('DELETE', '/v1/repositories/alice/images/', { user: alice, headers: { 'X-Docker-Token': 'true' } });
      expect(marked.status).to.equal(202);
      expect(tokenOf(marked)).to.include('repository="alice/images",access=delete');
    });
    it('issues no token without X-Docker-Token: true, still sends endpoints', async () => {
      const r = await call('PUT', '/v1/repositories/alice/app/', { user: alice, body: images });
      expect(r.status).to.equal(200);
      expect(r.headers.get('x-docker-token')).to.equal(null);
      expect(r.headers.get('x-docker-endpoints')).to.equal('registry.example:5001,mirror.example');
    });
    it('needs credentials: 401 without, with Basic Og== (Docker 1.5 with nobody logged in), or wrong', async () => {
      for (const headers of [{}, { Authorization: 'Basic Og==' }, { Authorization: 'Basic YWxpY2U6bm9wZQ==' }] as Record<string, string>[]) {
        const r = await call('PUT', '/v1/repositories/alice/app/', { headers: { 'X-Docker-Token': 'true', ...headers }, body: images });
        expect(r.status).to.equal(401);
        expect(r.headers.get('www-authenticate')).to.equal('Basic realm="auth required",Token');
      }
    });
    it('completes alice/app\'s push (I9): its declared ids join the list', async () => {
      expect((await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [] })).status).to.equal(204);
    });
    it('refuses another user\'s namespace with 403', async () => {
      const r = await call('PUT', '/v1/repositories/alice/app/', { user: bob, headers: { 'X-Docker-Token': 'true' }, body: images });
      expect(r.status).to.equal(403);
      expect(errorOf(r)).to.equal('bobby may not write alice/app');
    });
    it('reserves library/ for admins, and accepts the one-segment form for them', async () => {
      const refused = await call('PUT', '/v1/repositories/ubuntu/', { user: alice, headers: { 'X-Docker-Token': 'true' }, body: images });
      expect(refused.status).to.equal(403);
      expect(errorOf(refused)).to.match(/reserved for official images/);
      const r = await call('PUT', '/v1/repositories/ubuntu/', { user: admin, headers: { 'X-Docker-Token': 'true' }, body: images });
      expect(r.status).to.equal(200);
      expect(tokenOf(r)).to.include('repository="library/ubuntu"');
    });
    it('refuses bad bodies with 400', async () => {
      const bad = async (body: unknown, raw?: string) => call('PUT', '/v1/repositories/alice/app2/', { user: alice, ...(raw !== undefined ? { raw } : { body }) });
      expect(errorOf(await bad(undefined, 'not json'))).to.equal('Error Decoding JSON');
      expect(errorOf(await bad({ id: hex('a') }))).to.match(/JSON list/);
      expect(errorOf(await bad([{ id: 'short' }]))).to.match(/64 lowercase hex/);
      expect(errorOf(await bad([{ id: hex('a'), Tag: 'bad tag' }]))).to.match(/invalid "Tag"/);
      expect((await bad([{ id: hex('a') }], undefined)).status).to.equal(200);
    });
    it('refuses invalid repository names with 400', async () => {
      const r = await call('PUT', '/v1/repositories/alice/Bad!/', { user: alice, body: [] });
      expect(r.status).to.equal(400);
      expect(errorOf(r)).to.match(/Invalid repository name/);
    });
  });

  describe('I8 pull and token validation', () => {
    it('(a) returns the list, endpoints, and a read token only when asked', async () => {
      const noToken = await call('GET', '/v1/repositories/alice/app/images');
      expect(noToken.status).to.equal(200);
      expect(noToken.headers.get('x-docker-token')).to.equal(null);
      expect(noToken.json).to.deep.equal(merged);
      const r = await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } });
      expect(tokenOf(r)).to.match(/repository="alice\/app",access=read$/);
      expect(r.headers.get('x-docker-endpoints')).to.equal('registry.example:5001,mirror.example');
      // §5.1: the WWW-Authenticate copy of the token goes with PUT and DELETE only.
      expect(r.headers.get('www-authenticate')).to.equal(null);
    });
    it('(a) reads a repeated X-Docker-Token line (joined by Node as "true, true") as a request for a token', async () => {
      const r = await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true, true' } });
      expect(tokenOf(r)).to.match(/access=read$/);
    });
    it('(a) 404 for an unknown repository, 401 for wrong credentials even on a public one', async () => {
      expect((await call('GET', '/v1/repositories/alice/nothing/images')).status).to.equal(404);
      expect(errorOf(await call('GET', '/v1/repositories/alice/nothing/images'))).to.equal('Repository not found');
      expect((await call('GET', '/v1/repositories/alice/app/images', { user: ['alice', 'wrong'] })).status).to.equal(401);
    });
    it('(a) accepts the one-segment library form', async () => {
      const r = await call('GET', '/v1/repositories/ubuntu/images', { headers: { 'X-Docker-Token': 'true' } });
      expect(r.status).to.equal(200);
      expect(tokenOf(r)).to.include('repository="library/ubuntu"');
    });
    it('(b) answers a registry\'s forwarded token: 200 + list means true', async () => {
      const issued = await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } });
      const r = await call('GET', '/v1/repositories/alice/app/images', { headers: { Authorization: `Token ${tokenOf(issued)}` } });
      expect(r.status).to.equal(200);
      expect(r.json).to.deep.equal(merged);
    });
    it('(b) tokens are multi-use until expiry (§5.4)', async () => {
      const issued = await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } });
      for (let i = 0; i < 5; i++) {
        expect((await call('GET', '/v1/repositories/alice/app/images', { headers: { Authorization: `Token ${tokenOf(issued)}` } })).status).to.equal(200);
      }
    });
    it('(b) tampered, unknown, malformed or misplaced tokens are false: 401', async () => {
      const issued = tokenOf(await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } }));
      const sig = parseTokenList(issued).ok ? (parseTokenList(issued) as { value: { signature: string }[] }).value[0]?.signature : '';
      const variants = [
        issued.replace(/signature=[0-9a-f]/, (m) => (m.endsWith('0') ? 'signature=1' : 'signature=0')),
        issued.replace('access=read', 'access=write'),
        `signature=${sig},repository="alice/other",access=read`,
        'signature=,repository="alice/app",access=read',
        'garbage',
      ];
      for (const v of variants) {
        const r = await call('GET', '/v1/repositories/alice/app/images', { headers: { Authorization: `Token ${v}` } });
        expect(r.status, v).to.equal(401);
        expect(errorOf(r)).to.equal('Invalid token');
      }
      const elsewhere = await call('GET', '/v1/repositories/bobby/app/images', { headers: { Authorization: `Token ${issued}` } });
      expect(elsewhere.status).to.equal(401);
    });
    it('(b) accepts the double Token prefix (§10 Q7) and a joined list of values of the same grant (§5.1)', async () => {
      const issued = tokenOf(await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } }));
      const again = tokenOf(await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } }));
      expect((await call('GET', '/v1/repositories/alice/app/images', { headers: { Authorization: `Token Token ${issued}` } })).status).to.equal(200);
      expect((await call('GET', '/v1/repositories/alice/app/images', { headers: { Authorization: `Token ${issued},${issued}` } })).status).to.equal(200);
      expect((await call('GET', '/v1/repositories/alice/app/images', { headers: { Authorization: `Token ${issued},${again}` } })).status).to.equal(200);
    });
    it('(b) refuses a list whose tokens disagree: one valid token never vouches for another (issue 10 hole 1)', async () => {
      const read = tokenOf(await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } }));
      const other = tokenOf(await call('GET', '/v1/repositories/ubuntu/images', { headers: { 'X-Docker-Token': 'true' } }));
      const forged = `signature=${'f'.repeat(40)},repository="alice/app",access=write`;
      for (const list of [`${forged},${read}`, `${read},${forged}`, `${other},${read}`, `${read},${other}`]) {
        const r = await call('GET', '/v1/repositories/alice/app/images', { headers: { Authorization: `Token ${list}` } });
        expect(r.status, list).to.equal(401);
      }
    });
  });

  describe('token expiry', () => {
    let clocked: RunningIndex;
    let now = Date.UTC(2015, 0, 22);
    before(async () => {
      clocked = await startTestIndex({ tokenTtl: 600 }, { now: () => now });
    });
    after(() => clocked.close());
    it('expires a token after --token-ttl seconds', async () => {
      const c = client(clocked.url);
      const carol = await signup(c, 'carol');
      await c('PUT', '/v1/repositories/carol/app/', { user: carol, body: [] });
      const issued = tokenOf(await c('GET', '/v1/repositories/carol/app/images', { headers: { 'X-Docker-Token': 'true' } }));
      now += 599_000;
      expect((await c('GET', '/v1/repositories/carol/app/images', { headers: { Authorization: `Token ${issued}` } })).status).to.equal(200);
      now += 1_000;
      expect((await c('GET', '/v1/repositories/carol/app/images', { headers: { Authorization: `Token ${issued}` } })).status).to.equal(401);
    });
  });

  describe('I9 checksum list update', () => {
    it('accepts [] with 204 and merges entries without removing any (§3.2 item 3)', async () => {
      const empty = await call('PUT', '/v1/repositories/alice/app/images', { user: alice, headers: { 'X-Docker-Token': 'true' }, body: [] });
      expect(empty.status).to.equal(204);
      expect(empty.text).to.equal('');
      const r = await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [{ id: hex('a'), checksum: 'sha256:abc' }, { id: hex('c') }] });
      expect(r.status).to.equal(204);
      expect(await index.deps.store.repositories.listImages('alice', 'app')).to.deep.equal([{ id: hex('a'), checksum: 'sha256:abc' }, { id: hex('b') }, { id: hex('c') }]);
    });
    it('never overwrites a known checksum', async () => {
      await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [{ id: hex('a'), checksum: 'sha256:other' }] });
      const list = await index.deps.store.repositories.listImages('alice', 'app');
      expect(list?.find((i) => i.id === hex('a'))?.checksum).to.equal('sha256:abc');
    });
    it('needs write access: 401 anonymous, 403 another user, 404 unknown repository', async () => {
      expect((await call('PUT', '/v1/repositories/alice/app/images', { body: [] })).status).to.equal(401);
      expect((await call('PUT', '/v1/repositories/alice/app/images', { user: bob, body: [] })).status).to.equal(403);
      expect((await call('PUT', '/v1/repositories/alice/none/images', { user: alice, body: [] })).status).to.equal(404);
    });
  });

  describe('I12 layer access', () => {
    it('says {"access": true} for a listed image and false otherwise', async () => {
      const issued = tokenOf(await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } }));
      const auth = { Authorization: `Token ${issued}` };
      const yes = await call('GET', `/v1/repositories/alice/app/layer/${hex('a')}/access`, { headers: auth });
      expect(yes.status).to.equal(200);
      expect(yes.text).to.equal('{"access": true}');
      const no = await call('GET', `/v1/repositories/alice/app/layer/${hex('f')}/access`, { headers: auth });
      expect(no.text).to.equal('{"access": false}');
      expect((await call('GET', `/v1/repositories/alice/app/layer/${hex('a')}/access`, { headers: { Authorization: 'Token signature=x,repository="alice/app",access=read' } })).status).to.equal(401);
    });
  });

  describe('private repositories', () => {
    before(async () => {
      await call('PUT', '/v1/repositories/alice/secret/', { user: alice, body: [{ id: hex('d') }] });
      const r = await call('PATCH', '/v1/repositories/alice/secret/info', { user: alice, body: { private: true, description: 'hush' } });
      expect(r.status, r.text).to.equal(200);
    });
    it('refuses pulls with 401 to anyone without read access, anonymous or another user (§3.2 item 5)', async () => {
      expect((await call('GET', '/v1/repositories/alice/secret/images', { headers: { 'X-Docker-Token': 'true' } })).status).to.equal(401);
      const other = await call('GET', '/v1/repositories/alice/secret/images', { user: bob, headers: { 'X-Docker-Token': 'true' } });
      expect(other.status).to.equal(401);
      expect(errorOf(other)).to.equal('bobby may not read alice/secret');
      expect(other.headers.get('www-authenticate')).to.equal('Basic realm="auth required",Token');
      expect(other.headers.get('x-docker-token')).to.equal(null);
      // Elsewhere a stranger learns nothing: a private repository answers as a missing one (issue 10 hole 12).
      for (const user of [bob, undefined]) {
        const info = await call('GET', '/v1/repositories/alice/secret/info', user ? { user } : {});
        const missing = await call('GET', '/v1/repositories/alice/nosuch/info', user ? { user } : {});
        expect([info.status, info.text]).to.deep.equal([missing.status, missing.text]);
        expect(info.status).to.equal(404);
      }
    });
    it('serves the owner, and collaborators once added', async () => {
      expect((await call('GET', '/v1/repositories/alice/secret/images', { user: alice, headers: { 'X-Docker-Token': 'true' } })).status).to.equal(200);
      const added = await call('PUT', '/v1/repositories/alice/secret/collaborators/bobby', { user: alice });
      expect(added.json).to.deep.equal({ name: 'alice/secret', collaborators: ['bobby'] });
      const r = await call('GET', '/v1/repositories/alice/secret/images', { user: bob, headers: { 'X-Docker-Token': 'true' } });
      expect(r.status).to.equal(200);
      expect(tokenOf(r)).to.include('access=read');
      await call('DELETE', '/v1/repositories/alice/secret/collaborators/bobby', { user: alice });
      expect((await call('GET', '/v1/repositories/alice/secret/images', { user: bob })).status).to.equal(401);
    });
    it('lets organisation members push to the organisation namespace', async () => {
      expect((await call('POST', '/v1/orgs/', { user: alice, body: { name: 'acme' } })).status).to.equal(201);
      expect((await call('PUT', '/v1/repositories/acme/tool/', { user: bob, body: [] })).status).to.equal(403);
      expect((await call('PUT', '/v1/orgs/acme/members/bobby', { user: alice })).status).to.equal(200);
      expect((await call('PUT', '/v1/repositories/acme/tool/', { user: bob, body: [] })).status).to.equal(200);
      expect((await call('PUT', '/v1/orgs/acme/members/alice', { user: bob })).status).to.equal(403);
      expect((await call('GET', '/v1/orgs/acme/', { user: bob })).json).to.deep.include({ name: 'acme', owner: 'alice', members: ['alice', 'bobby'] });
      expect(errorOf(await call('POST', '/v1/orgs/', { user: bob, body: { name: 'alice' } }))).to.match(/already taken/);
    });
  });

  describe('I7/I7b delete flow and I11', () => {
    it('I7 marks for deletion and returns a delete token (202); pulls then 404; I7b purges and revokes every token', async () => {
      await call('PUT', '/v1/repositories/alice/doomed/', { user: alice, body: [{ id: hex('e') }] });
      const readToken = tokenOf(await call('GET', '/v1/repositories/alice/doomed/images', { headers: { 'X-Docker-Token': 'true' } }));
      const first = await call('DELETE', '/v1/repositories/alice/doomed/', { user: alice, headers: { 'X-Docker-Token': 'true' } });
      expect(first.status).to.equal(202);
      expect(first.text).to.equal('""');
      const deleteToken = tokenOf(first);
      expect(deleteToken).to.match(/repository="alice\/doomed",access=delete$/);
      expect(first.headers.get('x-docker-endpoints')).to.equal('registry.example:5001,mirror.example');
      expect((await call('GET', '/v1/repositories/alice/doomed/images')).status).to.equal(404);
      // The registry validates the delete token before deleting.
      expect((await call('GET', '/v1/repositories/alice/doomed/images', { headers: { Authorization: `Token ${deleteToken}` } })).status).to.equal(200);
      const second = await call('DELETE', '/v1/repositories/alice/doomed/', { user: alice, headers: { 'X-Docker-Endpoints': 'registry.example:5001' } });
      expect(second.status).to.equal(200);
      expect(await index.deps.store.repositories.get('alice', 'doomed')).to.equal(null);
      for (const t of [readToken, deleteToken]) {
        expect((await call('GET', '/v1/repositories/alice/doomed/images', { headers: { Authorization: `Token ${t}` } })).status).to.equal(401);
      }
    });
    it('refuses deletes by other users (403) and of unknown repositories (404)', async () => {
      expect((await call('DELETE', '/v1/repositories/alice/app/', { user: bob, headers: { 'X-Docker-Token': 'true' } })).status).to.equal(403);
      expect((await call('DELETE', '/v1/repositories/alice/ghost/', { user: alice, headers: { 'X-Docker-Token': 'true' } })).status).to.equal(404);
      expect((await call('DELETE', '/v1/repositories/alice/app/', { headers: { 'X-Docker-Token': 'true' } })).status).to.equal(401);
    });
    it('I10 answers 204 with delete-token headers and deletes nothing', async () => {
      const r = await call('DELETE', '/v1/repositories/alice/app/images', { user: alice, headers: { 'X-Docker-Token': 'true' } });
      expect(r.status).to.equal(204);
      expect(tokenOf(r)).to.include('access=delete');
      expect(await index.deps.store.repositories.get('alice', 'app')).not.to.equal(null);
    });
    it('I11 confirms a delete token once ("OK"), refuses other tokens with 403', async () => {
      const del = tokenOf(await call('DELETE', '/v1/repositories/alice/app/images', { user: alice, headers: { 'X-Docker-Token': 'true' } }));
      const read = tokenOf(await call('GET', '/v1/repositories/alice/app/images', { headers: { 'X-Docker-Token': 'true' } }));
      expect((await call('PUT', '/v1/repositories/alice/app/auth', { headers: { Authorization: `Token ${read}` } })).status).to.equal(403);
      const ok = await call('PUT', '/v1/repositories/alice/app/auth', { headers: { Authorization: `Token ${del}` } });
      expect(ok.status).to.equal(200);
      expect(ok.text).to.equal('"OK"');
      expect((await call('PUT', '/v1/repositories/alice/app/auth', { headers: { Authorization: `Token ${del}` } })).status).to.equal(403);
      expect((await call('PUT', '/v1/repositories/alice/ghost/auth', { headers: { Authorization: `Token ${del}` } })).status).to.equal(404);
    });
  });

  describe('audit trail and stats (admin)', () => {
    it('records issues and validations with masked tokens and the asking peer', async () => {
      const r = await call('GET', '/v1/_admin/audit?limit=50', { user: admin });
      expect(r.status).to.equal(200);
      const events = (r.json as { events: Record<string, unknown>[] }).events;
      expect(events.some((e) => e.kind === 'token-issued' && e.result === 'granted')).to.equal(true);
      expect(events.some((e) => e.kind === 'token-validated' && e.result === 'denied' && typeof e.reason === 'string')).to.equal(true);
      expect(events.some((e) => e.kind === 'token-validated' && e.result === 'granted' && e.peer)).to.equal(true);
      expect(JSON.stringify(events)).not.to.match(/[0-9a-f]{40}/);
    });
    it('is for admins only', async () => {
      expect((await call('GET', '/v1/_admin/audit', { user: alice })).status).to.equal(403);
      expect((await call('GET', '/v1/_admin/audit')).status).to.equal(401);
      expect((await call('GET', '/v1/_admin/audit?limit=0', { user: admin })).status).to.equal(400);
    });
    it('counts validations and their latency', async () => {
      const r = await call('GET', '/v1/_admin/stats', { user: admin });
      const stats = (r.json as { tokens: { issued: number; validationsGranted: number; validationsDenied: number; latency: { count: number } } }).tokens;
      expect(stats.issued).to.be.greaterThan(5);
      expect(stats.validationsGranted).to.be.greaterThan(3);
      expect(stats.validationsDenied).to.be.greaterThan(3);
      expect(stats.latency.count).to.equal(stats.validationsGranted + stats.validationsDenied);
    });
  });
});
