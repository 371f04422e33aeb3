import { expect } from 'chai';
import { buildImageChain, type FixtureImage } from '@v1hub/shared/testing';
import type { RunningRegistry } from '../../src/index.js';
import { errorOf, rawClient, startStandaloneRegistry } from '../support/test-registry.js';

describe('Registry tags and repositories (R13–R22) and the standalone fake index (§3.3)', () => {
  let registry: RunningRegistry;
  let call: ReturnType<typeof rawClient>;
  let img: FixtureImage;
  const UA = 'docker/1.5.0 go/go1.4.1 git-commit/a8a31ef kernel/3.16.0-4-amd64 os/linux arch/amd64';

  before(async () => {
    registry = await startStandaloneRegistry();
    call = rawClient(registry.url);
    img = (await buildImageChain(1, { seed: 'tags-spec' }))[0] as FixtureImage;
    await call('PUT', `/v1/images/${img.id}/json`, { body: img.json });
    await call('PUT', `/v1/images/${img.id}/layer`, { body: img.layer, chunked: true });
    await call('PUT', `/v1/images/${img.id}/checksum`, { headers: { 'X-Docker-Checksum-Payload': img.payload } });
  });
  after(() => registry.close());

  const putTag = (tag: string, body: string, path = `/v1/repositories/alice/app/tags/${tag}`) => call('PUT', path, { body, headers: { 'User-Agent': UA, 'Content-Type': 'application/json' } });

  it('R13 404 Repository not found before any tag', async () => {
    const r = await call('GET', '/v1/repositories/alice/app/tags');
    expect(r.status).to.equal(404);
    expect(errorOf(r)).to.equal('Repository not found');
  });

  it('R15 validates the tag name, then the body, then the image', async () => {
    expect(errorOf(await putTag('-bad', JSON.stringify(img.id)))).to.equal('Invalid tag name (must match ^[\\w][\\w.-]{0,127}$)');
    expect(errorOf(await putTag('latest', 'not json'))).to.equal('Invalid data');
    expect(errorOf(await putTag('latest', '["x"]'))).to.equal('Invalid data');
    const missing = await putTag('latest', JSON.stringify('f'.repeat(64)));
    expect(missing.status).to.equal(404);
    expect(errorOf(missing)).to.equal('Image not found');
  });

  it('R15 sets tags (200 true); R13 lists them as an object; R14 gives one as a JSON string', async () => {
    for (const tag of ['latest', 'v1.0']) {
      const r = await putTag(tag, JSON.stringify(img.id));
      expect(r.status).to.equal(200);
      expect(r.text).to.equal('true');
    }
    expect((await call('GET', '/v1/repositories/alice/app/tags')).json).to.deep.equal({ latest: img.id, 'v1.0': img.id });
    const one = await call('GET', '/v1/repositories/alice/app/tags/v1.0');
    expect(one.text).to.equal(`"${img.id}"`);
    expect(errorOf(await call('GET', '/v1/repositories/alice/app/tags/nope'))).to.equal('Tag not found');
  });

  it('R17/R18 keep the client metadata from the User-Agent, with defaults when missing (never 404)', async () => {
    const json = (await call('GET', '/v1/repositories/alice/app/tags/latest/json')).json as Record<string, unknown>;
    expect(json).to.include({ docker_version: '1.5.0', docker_go_version: 'go1.4.1', arch: 'amd64', os: 'linux', kernel: '3.16.0-4-amd64' });
    expect(json.last_update).to.be.a('number');
    expect((await call('GET', '/v1/repositories/alice/app/json')).json).to.deep.include({ docker_version: '1.5.0' });
    expect((await call('GET', '/v1/repositories/nobody/none/json')).json).to.deep.equal({ arch: 'amd64', docker_go_version: null, docker_version: null, kernel: null, last_update: null, os: 'linux' });
  });

  it('resolves the one-segment library form, and /tags/json as the tag "json" of library/<name>', async () => {
    await putTag('json', JSON.stringify(img.id), '/v1/repositories/busybox/tags/json');
    expect((await call('GET', '/v1/repositories/library/busybox/tags')).json).to.deep.equal({ json: img.id });
    expect((await call('GET', '/v1/repositories/busybox/tags/json')).text).to.equal(`"${img.id}"`);
  });

  it('R16 deletes a tag; a missing one is 404 Tag not found: <tag>', async () => {
    expect((await call('DELETE', '/v1/repositories/alice/app/tags/v1.0')).text).to.equal('true');
    const r = await call('DELETE', '/v1/repositories/alice/app/tags/v1.0');
    expect(r.status).to.equal(404);
    expect(errorOf(r)).to.equal('Tag not found: v1.0');
  });

  it('R20/R21 read and set privacy; bad bodies are 400 Invalid data', async () => {
    expect((await call('GET', '/v1/repositories/alice/app/properties')).json).to.deep.equal({ access: 'public' });
    expect((await call('PUT', '/v1/repositories/alice/app/properties', { body: '{"access": "private"}' })).text).to.equal('true');
    expect((await call('GET', '/v1/repositories/alice/app/properties')).json).to.deep.equal({ access: 'private' });
    for (const body of ['{}', '{"access": "secret"}', 'x']) expect(errorOf(await call('PUT', '/v1/repositories/alice/app/properties', { body }))).to.equal('Invalid data');
    await call('PUT', '/v1/repositories/alice/app/properties', { body: '{"access": "public"}' });
  });

  it('R22 searches the repositories held here', async () => {
    const r = await call('GET', '/v1/search?q=app');
    expect(r.json).to.deep.equal({ num_results: 1, query: 'app', results: [{ description: null, name: 'alice/app' }] });
  });

  it('R19 deletes every tag and the repository; images another repository still reaches stay; again is 404', async () => {
    const r = await call('DELETE', '/v1/repositories/alice/app/');
    expect(r.text).to.equal('true');
    expect((await call('GET', '/v1/repositories/alice/app/tags')).status).to.equal(404);
    // library/busybox's tag "json" still names the image.
    expect((await call('GET', `/v1/images/${img.id}/json`)).status).to.equal(200);
    expect(errorOf(await call('DELETE', '/v1/repositories/alice/app/tags'))).to.equal('Repository not found');
  });

  it('R19 removes the images no other repository reaches, keeping shared ancestors', async () => {
    const [base, child] = (await buildImageChain(2, { seed: 'gc' })) as FixtureImage[];
    for (const image of [base, child] as FixtureImage[]) {
      await call('PUT', `/v1/images/${image.id}/json`, { body: image.json });
      await call('PUT', `/v1/images/${image.id}/layer`, { body: image.layer, chunked: true });
      await call('PUT', `/v1/images/${image.id}/checksum`, { headers: { 'X-Docker-Checksum-Payload': image.payload } });
    }
    await putTag('latest', JSON.stringify(child?.id), '/v1/repositories/gc/doomed/tags/latest');
    await putTag('base', JSON.stringify(base?.id), '/v1/repositories/gc/keeper/tags/base');
    expect((await call('DELETE', '/v1/repositories/gc/doomed/')).status).to.equal(200);
    expect((await call('GET', `/v1/images/${child?.id}/json`)).status, 'only gc/doomed reached the child').to.equal(404);
    expect((await call('GET', `/v1/images/${base?.id}/json`)).status, 'gc/keeper still reaches the base').to.equal(200);
    expect((await call('DELETE', '/v1/repositories/gc/keeper/')).status).to.equal(200);
    expect((await call('GET', `/v1/images/${base?.id}/json`)).status).to.equal(404);
  });

  describe('the fake index (§3.3)', () => {
    it('always says OK and User Created', async () => {
      expect((await call('GET', '/v1/users/')).text).to.equal('"OK"');
      const created = await call('POST', '/v1/users/', { body: '{"username": "x", "password": "y", "email": ""}' });
      expect(created.status).to.equal(201);
      expect(created.text).to.equal('"User Created"');
      expect(errorOf(await call('POST', '/v1/users/', { body: 'nope' }))).to.equal('Error Decoding JSON');
      expect((await call('PUT', '/v1/users/x/', { body: '{}' })).status).to.equal(204);
    });
    it('404 images not found before a push, then the stored list with read-token headers', async () => {
      const none = await call('GET', '/v1/repositories/bob/tool/images');
      expect(none.status).to.equal(404);
      expect(errorOf(none)).to.equal('images not found');
      const sent = `[{"id":"${img.id}",  "Tag":"latest"}]`;
      const put = await call('PUT', '/v1/repositories/bob/tool/', { body: sent, headers: { Host: 'registry.example:5001' } });
      expect(put.status).to.equal(200);
      // LEGACY: §10 Q7 — the token value itself starts with "Token ".
      expect(put.headers.get('x-docker-token')).to.match(/^Token signature=[A-Z0-9]{16},repository="bob\/tool",access=write$/);
      expect(put.headers.get('www-authenticate')).to.equal(put.headers.get('x-docker-token'));
      expect(put.headers.get('x-docker-endpoints')).to.be.a('string');
      const got = await call('GET', '/v1/repositories/bob/tool/images');
      expect(got.text, 'the first list comes back byte for byte (§3.3, §10 Q17)').to.equal(sent);
      expect(got.headers.get('content-type')).to.equal('application/json');
      expect(got.headers.get('x-docker-token')).to.include('access=read');
    });
    it('refuses a non-list body with 400 Invalid data and non-JSON with Error Decoding JSON', async () => {
      expect(errorOf(await call('PUT', '/v1/repositories/bob/tool/', { body: '{"id": 1}' }))).to.equal('Invalid data');
      expect(errorOf(await call('PUT', '/v1/repositories/bob/tool/images', { body: '[' }))).to.equal('Error Decoding JSON');
    });
    it('keeps a first list of anything verbatim, and skips items that name no image in later merges', async () => {
      expect((await call('PUT', '/v1/repositories/bob/junk/', { body: '[1, "x", null]' })).status).to.equal(200);
      expect((await call('GET', '/v1/repositories/bob/junk/images')).text).to.equal('[1, "x", null]');
      expect((await call('PUT', '/v1/repositories/bob/junk/images', { body: `[2, {"id": "${img.id}"}]` })).status).to.equal(204);
      expect((await call('GET', '/v1/repositories/bob/junk/images')).json).to.deep.equal([{ id: img.id }]);
    });
    it('merges later lists (204), answers delete-token headers and PUT auth', async () => {
      expect((await call('PUT', '/v1/repositories/bob/tool/images', { body: '[]' })).status).to.equal(204);
      const del = await call('DELETE', '/v1/repositories/bob/tool/images');
      expect(del.status).to.equal(204);
      expect(del.headers.get('x-docker-token')).to.include('access=delete');
      expect((await call('PUT', '/v1/repositories/bob/tool/auth')).text).to.equal('"OK"');
    });
    it('accepts any token on image routes, including the double Token prefix', async () => {
      const r = await call('GET', `/v1/images/${img.id}/json`, { headers: { Authorization: 'Token Token signature=ABC,repository="bob/tool",access=read' } });
      expect(r.status).to.equal(200);
    });
  });
});
