/**
 * Issue 10 on the wire, tried as an attacker would against a real Index and a real registry: mixed token
 * lists, private images read through someone else's token, private ids declared in one's own push, ids
 * squatted during someone else's push, racing uploads of one id, parent cycles and over-long ids.
 */
import { expect } from 'chai';
import crypto from 'node:crypto';
import { REGISTRY_ROUTE_NAMES, ROUTES, buildPath, formatBasic } from '@v1hub/shared';
import { buildImageChain, freePort, makeTempDir, type FixtureImage, type TempDir } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import { loadRegistryConfig, startRegistryService, type RunningRegistry } from '../../src/index.js';
import { errorOf, rawClient, startIndexedRegistry, type RawResult } from '../support/test-registry.js';

const ALICE = formatBasic('alice', 'password1');
const MALLORY = formatBasic('mallory', 'password1');
const ADMIN = formatBasic('admin', 'admin-pass');

describe('Registry authorization against a real Index (issue 10)', () => {
  let index: RunningIndex;
  let registry: RunningRegistry;
  let reg: ReturnType<typeof rawClient>;
  let idx: ReturnType<typeof rawClient>;
  let dir: TempDir;

  before(async () => {
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}` } }), { kdf: { N: 1024, r: 8, p: 1 } });
    // Local storage, as `v1hub up` uses: its writes take real time (races have a window) and its paths real limits.
    dir = await makeTempDir('v1hub-authz');
    registry = await startIndexedRegistry(index.url, { port: registryPort, storage: `local:${dir.path}` });
    reg = rawClient(registry.url);
    idx = rawClient(index.url);
    for (const username of ['alice', 'mallory']) {
      await idx('POST', '/v1/users/', { body: JSON.stringify({ username, password: 'password1', email: `${username}@example.com` }) });
    }
  });
  after(async () => {
    await registry.close();
    await index.close();
    await dir.remove();
  });

  async function allocate(repo: string, auth: string, images: readonly FixtureImage[]): Promise<string> {
    const r = await idx('PUT', `/v1/repositories/${repo}/`, { headers: { Authorization: auth, 'X-Docker-Token': 'true' }, body: JSON.stringify(images.map((i) => ({ id: i.id }))) });
    expect(r.status, r.text).to.equal(200);
    return r.headers.get('x-docker-token') as string;
  }
  async function readToken(repo: string, auth?: string): Promise<string> {
    const r = await idx('GET', `/v1/repositories/${repo}/images`, { headers: { 'X-Docker-Token': 'true', ...(auth ? { Authorization: auth } : {}) } });
    expect(r.status, r.text).to.equal(200);
    return r.headers.get('x-docker-token') as string;
  }
  const tok = (value: string) => ({ Authorization: `Token ${value}` });
  async function uploadImage(img: FixtureImage, token: string): Promise<RawResult[]> {
    return [
      await reg('PUT', `/v1/images/${img.id}/json`, { headers: tok(token), body: img.json }),
      await reg('PUT', `/v1/images/${img.id}/layer`, { headers: tok(token), body: img.layer, chunked: true }),
      await reg('PUT', `/v1/images/${img.id}/checksum`, { headers: { ...tok(token), 'X-Docker-Checksum-Payload': img.payload } }),
    ];
  }
  /** A whole push: I6, every image, the tag, I9. */
  async function push(repo: string, auth: string, chain: readonly FixtureImage[], tag = 'latest'): Promise<string> {
    const write = await allocate(repo, auth, chain);
    for (const img of chain) for (const r of await uploadImage(img, write)) expect(r.status, r.text).to.equal(200);
    const tagged = await reg('PUT', `/v1/repositories/${repo}/tags/${tag}`, { headers: tok(write), body: JSON.stringify(chain.at(-1)?.id) });
    expect(tagged.status, tagged.text).to.equal(200);
    expect((await idx('PUT', `/v1/repositories/${repo}/images`, { headers: { Authorization: auth }, body: '[]' })).status).to.equal(204);
    return write;
  }
  async function makePrivate(repo: string, auth = ALICE): Promise<void> {
    expect((await idx('PATCH', `/v1/repositories/${repo}/info`, { headers: { Authorization: auth }, body: '{"private": true}' })).status).to.equal(200);
  }

  it('guards every token route: an anonymous call is 401 Requires authorization', async () => {
    const params = { ns: 'alice', repo: 'app', imageId: 'a'.repeat(64), tag: 'latest' };
    const routes = REGISTRY_ROUTE_NAMES.filter((n) => ROUTES[n].auth === 'token');
    expect(routes.length).to.be.greaterThan(15);
    for (const name of routes) {
      const spec = ROUTES[name];
      const r = await reg(spec.method, buildPath(name, params), spec.method === 'GET' || spec.method === 'DELETE' ? {} : { body: '"x"' });
      expect(r.status, name).to.equal(401);
      expect(errorOf(r), name).to.equal('Requires authorization');
    }
  });

  describe('hole 1: mixed token lists', () => {
    let app: FixtureImage[];
    let read: string;
    before(async () => {
      app = await buildImageChain(1, { seed: 'mixed-app' });
      await push('alice/app', ALICE, app);
      read = await readToken('alice/app');
    });

    const forged = (repo: string, access: string) => `signature=${'f'.repeat(40)},repository="${repo}",access=${access}`;

    it('refuses a forged write or delete token joined to a real read token, in either order', async () => {
      const foreign = (await buildImageChain(1, { seed: 'mixed-planted' }))[0] as FixtureImage;
      for (const list of [`${forged('alice/app', 'write')},${read}`, `${read},${forged('alice/app', 'write')}`]) {
        expect((await reg('PUT', '/v1/repositories/alice/app/tags/latest', { headers: tok(list), body: JSON.stringify(foreign.id) })).status, list).to.equal(401);
        expect((await reg('PUT', `/v1/images/${foreign.id}/json`, { headers: tok(list), body: foreign.json })).status, list).to.equal(401);
      }
      for (const list of [`${forged('alice/app', 'delete')},${read}`, `${read},${forged('alice/app', 'delete')}`]) {
        expect((await reg('DELETE', '/v1/repositories/alice/app/', { headers: tok(list) })).status, list).to.equal(401);
      }
      expect((await reg('GET', '/v1/repositories/alice/app/tags', { headers: tok(read) })).json).to.deep.equal({ latest: app[0]?.id });
    });
    it('refuses the same attack on official (library/) repositories', async () => {
      const official = (await buildImageChain(1, { seed: 'mixed-official' })) as FixtureImage[];
      await push('library/base', ADMIN, official);
      const anon = await readToken('library/base');
      const r = await reg('DELETE', '/v1/repositories/library/base/', { headers: tok(`${forged('library/base', 'delete')},${anon}`) });
      expect(r.status).to.equal(401);
      expect((await reg('GET', '/v1/repositories/library/base/tags', { headers: tok(anon) })).status).to.equal(200);
    });
    it('keeps Docker 1.x\'s legitimate list: several values of the same grant', async () => {
      const again = await readToken('alice/app');
      expect((await reg('GET', '/v1/repositories/alice/app/tags', { headers: tok(`${read},${again}`) })).status).to.equal(200);
      expect((await reg('GET', '/v1/repositories/alice/app/tags', { headers: tok(`${read},${read}`) })).status).to.equal(200);
    });
  });

  describe('hole 2: private images through any token', () => {
    let secret: FixtureImage[];
    before(async () => {
      secret = await buildImageChain(2, { seed: 'private-only' });
      await push('alice/private', ALICE, secret);
      await makePrivate('alice/private');
      await push('mallory/public', MALLORY, await buildImageChain(1, { seed: 'mallory-public' }));
    });

    it('answers an anonymous read token of another public repository 404 Image not found, as for a missing image', async () => {
      const anon = await readToken('mallory/public');
      const missing = 'e'.repeat(64);
      for (const what of ['json', 'layer', 'ancestry', 'files', 'diff']) {
        for (const id of secret.map((i) => i.id)) {
          const r = await reg('GET', `/v1/images/${id}/${what}`, { headers: tok(anon) });
          const absent = await reg('GET', `/v1/images/${missing}/${what}`, { headers: tok(anon) });
          expect([r.status, r.text], `${what} ${id.slice(0, 6)}`).to.deep.equal([absent.status, absent.text]);
          expect(r.status).to.equal(404);
        }
      }
      // Not even If-Modified-Since (an unconditional 304 elsewhere) tells the image exists.
      expect((await reg('GET', `/v1/images/${secret[0]?.id}/json`, { headers: { ...tok(anon), 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' } })).status).to.equal(404);
      expect((await reg('GET', `/v1/private_images/${secret[0]?.id}/layer`, { headers: tok(anon) })).status).to.equal(404);
    });
    it('serves the owner\'s read token, and a reader of the private repository through another repository\'s token', async () => {
      const own = await readToken('alice/private', ALICE);
      expect((await reg('GET', `/v1/images/${secret[1]?.id}/layer`, { headers: tok(own) })).body.equals(secret[1]?.layer as Buffer)).to.equal(true);
      // alice may read alice/private, so her token of another repository reads its images (the Index says so, I12).
      const aliceElsewhere = await readToken('mallory/public', ALICE);
      expect((await reg('GET', `/v1/images/${secret[1]?.id}/json`, { headers: tok(aliceElsewhere) })).status).to.equal(200);
    });
    it('serves images a public repository reaches through any token', async () => {
      const anon = await readToken('mallory/public');
      const shared = (await buildImageChain(1, { seed: 'public-base' })) as FixtureImage[];
      await push('alice/publicbase', ALICE, shared);
      expect((await reg('GET', `/v1/images/${shared[0]?.id}/json`, { headers: tok(anon) })).status).to.equal(200);
    });
  });

  describe('hole 3: declaring a private id in one\'s own push grants nothing', () => {
    let secret: FixtureImage[];
    before(async () => {
      secret = await buildImageChain(2, { seed: 'declared-private' });
      await push('alice/vault', ALICE, secret);
      await makePrivate('alice/vault');
    });

    it('refuses to build on it, tag it or pull it', async () => {
      const [child] = await buildImageChain(1, { seed: 'declared-child' });
      const onTop = JSON.stringify({ ...(JSON.parse((child as FixtureImage).json.toString()) as object), parent: secret[1]?.id });
      const write = await allocate('mallory/evil', MALLORY, [...secret, child as FixtureImage]);
      const built = await reg('PUT', `/v1/images/${child?.id}/json`, { headers: tok(write), body: onTop });
      expect(built.status).to.equal(400);
      expect(errorOf(built)).to.equal('Image depends on an unauthorized parent');
      // The declared ids themselves: complete and immutable (409, so Docker skips), but never tagged here.
      expect((await reg('PUT', `/v1/images/${secret[1]?.id}/json`, { headers: tok(write), body: secret[1]?.json })).status).to.equal(409);
      const tagged = await reg('PUT', '/v1/repositories/mallory/evil/tags/latest', { headers: tok(write), body: JSON.stringify(secret[1]?.id) });
      expect(tagged.status).to.equal(404);
      expect(errorOf(tagged)).to.equal('Image not found');
      expect((await idx('PUT', '/v1/repositories/mallory/evil/images', { headers: { Authorization: MALLORY }, body: '[]' })).status).to.equal(204);
      const read = await readToken('mallory/evil', MALLORY);
      expect((await reg('GET', '/v1/repositories/mallory/evil/tags', { headers: tok(read) })).status, 'nothing was tagged').to.equal(404);
      for (const img of secret) expect((await reg('GET', `/v1/images/${img.id}/layer`, { headers: tok(read) })).status).to.equal(404);
      // The Index's own answer to the question, with the holders named.
      const access = await idx('GET', `/v1/repositories/mallory/evil/layer/${secret[1]?.id}/access?repositories=alice/vault`, { headers: tok(read) });
      expect(access.json).to.deep.equal({ access: false });
    });
  });

  describe('hole 4: id squatting', () => {
    it('binds an upload to the repository that started it; the squatter gets 409 and can read nothing', async () => {
      const victim = await buildImageChain(1, { seed: 'squat-victim' });
      const img = victim[0] as FixtureImage;
      const write = await allocate('alice/target', ALICE, victim);
      expect((await reg('PUT', `/v1/images/${img.id}/json`, { headers: tok(write), body: img.json })).status).to.equal(200);
      // The squatter declares the same id in its own push and tries every upload step with its own bytes.
      const evil = await allocate('mallory/squat', MALLORY, victim);
      const fake = Buffer.from('not the victim\'s layer');
      // The Index does not list, to the squatter's write token, an id another repository declared first.
      const json = await reg('PUT', `/v1/images/${img.id}/json`, { headers: tok(evil), body: img.json });
      expect([json.status, errorOf(json)]).to.deep.equal([400, 'This image does not belong to the repository']);
      const steps = [
        await reg('PUT', `/v1/images/${img.id}/layer`, { headers: tok(evil), body: fake, chunked: true }),
        await reg('PUT', `/v1/images/${img.id}/checksum`, { headers: { ...tok(evil), 'X-Docker-Checksum-Payload': `sha256:${crypto.createHash('sha256').update(Buffer.concat([img.json, Buffer.from('\n'), fake])).digest('hex')}` } }),
      ];
      for (const r of steps) {
        expect(r.status).to.equal(409);
        expect(errorOf(r)).to.equal('Image is being uploaded by another repository');
      }
      expect((await reg('PUT', '/v1/repositories/mallory/squat/tags/latest', { headers: tok(evil), body: JSON.stringify(img.id) })).status).to.equal(404);
      // The victim's push goes on unharmed and its tag serves its own layer.
      expect((await reg('PUT', `/v1/images/${img.id}/layer`, { headers: tok(write), body: img.layer, chunked: true })).status).to.equal(200);
      expect((await reg('PUT', `/v1/images/${img.id}/checksum`, { headers: { ...tok(write), 'X-Docker-Checksum-Payload': img.payload } })).status).to.equal(200);
      expect((await reg('PUT', '/v1/repositories/alice/target/tags/latest', { headers: tok(write), body: JSON.stringify(img.id) })).status).to.equal(200);
      expect((await reg('PUT', `/v1/images/${img.id}/json`, { headers: tok(evil), body: img.json })).status, 'complete images are immutable').to.equal(409);
      const pulled = await reg('GET', `/v1/images/${img.id}/layer`, { headers: tok(await readToken('alice/target')) });
      expect(pulled.body.equals(img.layer)).to.equal(true);
    });
    it('never uploads or tags content another repository declared first and is still uploading', async () => {
      const [img] = (await buildImageChain(1, { seed: 'squat-first' })) as FixtureImage[];
      const evil = await allocate('mallory/early', MALLORY, [img as FixtureImage]);
      expect((await reg('PUT', `/v1/images/${img?.id}/json`, { headers: tok(evil), body: img?.json })).status).to.equal(200);
      const write = await allocate('alice/late', ALICE, [img as FixtureImage]);
      const r = await reg('PUT', `/v1/images/${img?.id}/json`, { headers: tok(write), body: img?.json });
      expect([r.status, errorOf(r)]).to.deep.equal([400, 'This image does not belong to the repository']);
      const layer = await reg('PUT', `/v1/images/${img?.id}/layer`, { headers: tok(write), body: img?.layer, chunked: true });
      expect([layer.status, errorOf(layer)]).to.deep.equal([409, 'Image is being uploaded by another repository']);
      expect((await reg('PUT', '/v1/repositories/alice/late/tags/latest', { headers: tok(write), body: JSON.stringify(img?.id) })).status).to.equal(404);
    });
    it('an id declared first by one repository cannot be completed by another on a second registry either', async () => {
      const second = await startIndexedRegistry(index.url, { storage: 'memory' });
      const reg2 = rawClient(second.url);
      try {
        const [img] = (await buildImageChain(1, { seed: 'squat-two-registries' })) as FixtureImage[];
        // The victim's push reached the first registry and tagged there: its ids are public now.
        await push('alice/replicated', ALICE, [img as FixtureImage]);
        expect((await reg('GET', '/v1/repositories/alice/replicated/tags', { headers: tok(await readToken('alice/replicated')) })).json).to.deep.equal({ latest: img?.id });
        const evil = await allocate('mallory/replica', MALLORY, [img as FixtureImage]);
        const planted = await reg2('PUT', `/v1/images/${img?.id}/json`, { headers: tok(evil), body: JSON.stringify({ id: img?.id, comment: 'evil' }) });
        expect([planted.status, errorOf(planted)]).to.deep.equal([400, 'This image does not belong to the repository']);
        // The victim's push to the second registry goes through with its own bytes.
        const write = await allocate('alice/replicated', ALICE, [img as FixtureImage]);
        const steps = [
          await reg2('PUT', `/v1/images/${img?.id}/json`, { headers: tok(write), body: img?.json }),
          await reg2('PUT', `/v1/images/${img?.id}/layer`, { headers: tok(write), body: img?.layer, chunked: true }),
          await reg2('PUT', `/v1/images/${img?.id}/checksum`, { headers: { ...tok(write), 'X-Docker-Checksum-Payload': img?.payload as string } }),
        ];
        expect(steps.map((r) => r.status)).to.deep.equal([200, 200, 200]);
      } finally {
        await second.close();
      }
    });
    it('lets an abandoned upload go: after the lapse another repository may take the id over', async () => {
      const lapsing = await startRegistryService(loadRegistryConfig({ flags: { port: 0, storage: 'memory', index: index.url } }), { abandonedUploadMs: 0 });
      const reg3 = rawClient(lapsing.url);
      try {
        const [img] = (await buildImageChain(1, { seed: 'abandoned' })) as FixtureImage[];
        const first = await allocate('mallory/gone', MALLORY, [img as FixtureImage]);
        expect((await reg3('PUT', `/v1/images/${img?.id}/json`, { headers: tok(first), body: img?.json })).status).to.equal(200);
        // mallory's push never completes; the repository is deleted, so its claim gives way too.
        await idx('DELETE', '/v1/repositories/mallory/gone/', { headers: { Authorization: MALLORY } });
        const write = await allocate('alice/taker', ALICE, [img as FixtureImage]);
        const steps = [
          await reg3('PUT', `/v1/images/${img?.id}/json`, { headers: tok(write), body: img?.json }),
          await reg3('PUT', `/v1/images/${img?.id}/layer`, { headers: tok(write), body: img?.layer, chunked: true }),
          await reg3('PUT', `/v1/images/${img?.id}/checksum`, { headers: { ...tok(write), 'X-Docker-Checksum-Payload': img?.payload as string } }),
        ];
        expect(steps.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect(await lapsing.deps.images.ownerOf(img?.id as string)).to.equal('alice/taker');
      } finally {
        await lapsing.close();
      }
    });
    it('does not mount the registry\'s own search in index mode: it cannot know which repositories are private', async () => {
      expect((await reg('GET', '/v1/search?q=priv')).status).to.equal(404);
    });
  });

  it('hole 5: twenty racing uploads of one id complete with the json, layer and checksum of one of them', async () => {
    // Three rounds, each a fresh id raced by twenty uploaders with their own json and layer.
    let completed = 0;
    for (let round = 0; round < 3; round++) {
      const [base] = (await buildImageChain(1, { seed: `race-${round}` })) as FixtureImage[];
      const id = (base as FixtureImage).id;
      const variants = Array.from({ length: 20 }, (_, n) => {
        const json = Buffer.from(JSON.stringify({ id, comment: `upload ${n}` }));
        const layer = crypto.randomBytes(256 * 1024 + n);
        const payload = `sha256:${crypto.createHash('sha256').update(Buffer.concat([json, Buffer.from('\n'), layer])).digest('hex')}`;
        return { json, layer, payload };
      });
      const write = await allocate(`alice/race${round}`, ALICE, [base as FixtureImage]);
      const outcomes = await Promise.all(variants.map(async (v) => {
        const json = await reg('PUT', `/v1/images/${id}/json`, { headers: tok(write), body: v.json });
        const layer = await reg('PUT', `/v1/images/${id}/layer`, { headers: tok(write), body: v.layer, chunked: true });
        const checksum = await reg('PUT', `/v1/images/${id}/checksum`, { headers: { ...tok(write), 'X-Docker-Checksum-Payload': v.payload } });
        return [json.status, layer.status, checksum.status];
      }));
      for (const o of outcomes) for (const status of o) expect([200, 400, 409]).to.include(status);
      if (!outcomes.some((o) => o[2] === 200)) continue; // every uploader lost: nothing completed, nothing to check
      completed += 1;
      const tag = await reg('PUT', `/v1/repositories/alice/race${round}/tags/latest`, { headers: tok(write), body: JSON.stringify(id) });
      expect(tag.status, tag.text).to.equal(200);
      const read = await readToken(`alice/race${round}`, ALICE);
      const json = await reg('GET', `/v1/images/${id}/json`, { headers: tok(read) });
      const layer = await reg('GET', `/v1/images/${id}/layer`, { headers: tok(read) });
      const served = `sha256:${crypto.createHash('sha256').update(Buffer.concat([json.body, Buffer.from('\n'), layer.body])).digest('hex')}`;
      expect(json.headers.get('x-docker-checksum-payload'), `round ${round}: the checksum matches the bytes served`).to.equal(served);
      const winner = variants.find((v) => v.payload === served);
      expect(winner, 'the stored image is one upload, whole').not.to.equal(undefined);
      // Complete: every further upload step is a 409.
      expect((await reg('PUT', `/v1/images/${id}/layer`, { headers: tok(write), body: variants[0]?.layer, chunked: true })).status).to.equal(409);
    }
    expect(completed, 'at least one round completed an image to check').to.be.greaterThan(0);
  });

  it('hole 5: a json PUT while another upload\'s layer streams never completes the image with a mixed pair', async () => {
    const [base] = (await buildImageChain(1, { seed: 'race-ordered' })) as FixtureImage[];
    const id = (base as FixtureImage).id;
    const upload = (n: number) => {
      const json = Buffer.from(JSON.stringify({ id, comment: `upload ${n}` }));
      const layer = crypto.randomBytes(64 * 1024);
      return { json, layer, payload: `sha256:${crypto.createHash('sha256').update(Buffer.concat([json, Buffer.from('\n'), layer])).digest('hex')}` };
    };
    const a = upload(1);
    const b = upload(2);
    const write = await allocate('alice/ordered', ALICE, [base as FixtureImage]);
    expect((await reg('PUT', `/v1/images/${id}/json`, { headers: tok(write), body: a.json })).status).to.equal(200);
    // A's layer starts streaming and is held open half way.
    let feed!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => { feed = c; } });
    const aLayer = fetch(`${registry.url}/v1/images/${id}/layer`, { method: 'PUT', headers: tok(write), body, duplex: 'half' } as RequestInit & { duplex: 'half' });
    feed.enqueue(a.layer.subarray(0, 32 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // B's json arrives meanwhile (it waits for A's layer step, or, unserialised, replaces A's json under it).
    const bJson = reg('PUT', `/v1/images/${id}/json`, { headers: tok(write), body: b.json });
    await Promise.race([bJson, new Promise((resolve) => setTimeout(resolve, 200))]);
    feed.enqueue(a.layer.subarray(32 * 1024));
    feed.close();
    expect((await aLayer).status).to.equal(200);
    expect((await bJson).status).to.equal(200);
    const aChecksum = await reg('PUT', `/v1/images/${id}/checksum`, { headers: { ...tok(write), 'X-Docker-Checksum-Payload': a.payload } });
    expect(aChecksum.status, 'A lost: its json was replaced after its layer').to.equal(400);
    for (const r of [
      await reg('PUT', `/v1/images/${id}/layer`, { headers: tok(write), body: b.layer, chunked: true }),
      await reg('PUT', `/v1/images/${id}/checksum`, { headers: { ...tok(write), 'X-Docker-Checksum-Payload': b.payload } }),
      await reg('PUT', '/v1/repositories/alice/ordered/tags/latest', { headers: tok(write), body: JSON.stringify(id) }),
    ]) expect(r.status, r.text).to.equal(200);
    const read = await readToken('alice/ordered', ALICE);
    const json = await reg('GET', `/v1/images/${id}/json`, { headers: tok(read) });
    const layer = await reg('GET', `/v1/images/${id}/layer`, { headers: tok(read) });
    expect(json.body.equals(b.json) && layer.body.equals(b.layer), 'json and layer of one upload').to.equal(true);
    expect(json.headers.get('x-docker-checksum-payload')).to.equal(b.payload);
  });

  it('hole 10: refuses an image that is its own parent, or any parent cycle', async () => {
    const [a, b] = (await buildImageChain(2, { seed: 'cycle' })) as FixtureImage[];
    const write = await allocate('alice/cycle', ALICE, [a as FixtureImage, b as FixtureImage]);
    const self = await reg('PUT', `/v1/images/${a?.id}/json`, { headers: tok(write), body: JSON.stringify({ id: a?.id, parent: a?.id }) });
    expect(self.status).to.equal(400);
    expect((await reg('PUT', `/v1/images/${a?.id}/json`, { headers: tok(write), body: a?.json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${a?.id}/json`, { headers: tok(write), body: JSON.stringify({ id: a?.id, parent: a?.id }) })).status).to.equal(400);
    expect((await reg('PUT', `/v1/images/${b?.id}/json`, { headers: tok(write), body: b?.json })).status).to.equal(200);
    // a (still in progress) re-PUT with b, its own child, as parent.
    const cycle = await reg('PUT', `/v1/images/${a?.id}/json`, { headers: tok(write), body: JSON.stringify({ id: a?.id, parent: b?.id }) });
    expect(cycle.status).to.equal(400);
    expect(errorOf(cycle)).to.equal('Image depends on itself (parent cycle)');
  });

  it('hole 11: an over-long id is 404 Invalid image ID on every image route, never a storage error', async () => {
    await push('alice/ids', ALICE, await buildImageChain(1, { seed: 'long-ids' }));
    const read = await readToken('alice/ids', ALICE);
    const write = await allocate('alice/ids', ALICE, []);
    const long = 'a'.repeat(300);
    for (const name of REGISTRY_ROUTE_NAMES.filter((n) => (ROUTES[n].paths[0] as string).includes(':imageId'))) {
      const spec = ROUTES[name];
      const r = await reg(spec.method, buildPath(name, { imageId: long }), { headers: tok(spec.method === 'GET' ? read : write), ...(spec.method === 'PUT' ? { body: '{}' } : {}) });
      expect([r.status, errorOf(r)], name).to.deep.equal([404, 'Invalid image ID']);
    }
  });

  it('finds the holders of an image stored before v1hub recorded them, once, from the tags that reach it', async () => {
    const chain = await buildImageChain(2, { seed: 'legacy-store' });
    await push('alice/legacy', ALICE, chain);
    await makePrivate('alice/legacy');
    for (const img of chain) {
      await registry.deps.storage.delete(`images/${img.id}/_holders`);
      await registry.deps.storage.delete(`images/${img.id}/_owner`);
    }
    const own = await readToken('alice/legacy', ALICE);
    expect((await reg('GET', `/v1/images/${chain[0]?.id}/layer`, { headers: tok(own) })).status).to.equal(200);
    expect(await registry.deps.images.holders(chain[0]?.id as string)).to.deep.equal(['alice/legacy']);
    await push('mallory/bystander', MALLORY, await buildImageChain(1, { seed: 'legacy-bystander' }));
    const stranger = await readToken('mallory/bystander');
    expect((await reg('GET', `/v1/images/${chain[1]?.id}/json`, { headers: tok(stranger) })).status).to.equal(404);
  });

  it('hole 6 through the registry: a token whose repository turned private stops reading at once', async () => {
    const chain = await buildImageChain(1, { seed: 'turned-private' });
    await push('alice/turning', ALICE, chain);
    const anon = await readToken('alice/turning');
    expect((await reg('GET', '/v1/repositories/alice/turning/tags', { headers: tok(anon) })).status).to.equal(200);
    await makePrivate('alice/turning');
    expect((await reg('GET', '/v1/repositories/alice/turning/tags', { headers: tok(anon) })).status).to.equal(401);
    expect((await reg('GET', `/v1/images/${chain[0]?.id}/layer`, { headers: tok(anon) })).status).to.equal(401);
  });
});
