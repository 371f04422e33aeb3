import { expect } from 'chai';
import Koa from 'koa';
import {
  ROUTES, INDEX_ROUTE_NAMES, REGISTRY_ROUTE_NAMES, ROUTE_AUTH_VALUES, accessForMethod, allowAnyone, buildPath, buildRouter, errorMiddleware, listen,
  mountedPathsFor, requestContext, silentLogger, type RouteName, type RunningServer,
} from '../../src/index.js';

describe('route table', () => {
  it('names every row of §3.1 (I1, I3–I13) and §4.1 (R1–R22 but the unimplemented PUT ancestry)', () => {
    const rows = new Set(Object.values(ROUTES).map((r) => r.row));
    for (const row of ['I1', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8', 'I9', 'I10', 'I11', 'I12', 'I13']) expect(rows, row).to.include(row);
    for (let i = 1; i <= 22; i++) expect(rows, `R${i}`).to.include(`R${i}`);
  });

  it('keeps each service to its own routes', () => {
    for (const name of INDEX_ROUTE_NAMES) expect(ROUTES[name].service).to.equal('index');
    for (const name of REGISTRY_ROUTE_NAMES) expect(ROUTES[name].service).to.equal('registry');
  });

  it('has no two routes of a service with the same method and path, in every registry mode', () => {
    for (const [service, opts] of [['index', {}], ['registry', {}], ['registry', { standalone: true }], ['registry', { mirror: true }]] as const) {
      const seen = new Set<string>();
      for (const m of mountedPathsFor(service, opts)) {
        const key = `${m.method} ${m.path.replace(/:\w+/g, ':')}`;
        expect(seen.has(key), key).to.equal(false);
        seen.add(key);
      }
    }
  });

  it('mounts the fake index only standalone and the mirror\'s own routes only in mirror mode', () => {
    const names = (opts: { standalone?: boolean; mirror?: boolean }) => new Set(mountedPathsFor('registry', opts).map((m) => m.name));
    expect([...names({ mirror: true })]).to.include.members(['mirrorSearch', 'mirrorGetRepositoryImages']).and.not.include('searchRegistry');
    expect([...names({ standalone: true })]).to.include('searchRegistry').and.not.include('mirrorSearch');
    for (const name of ['searchRegistry', 'mirrorSearch', 'mirrorGetRepositoryImages', 'standaloneGetRepositoryImages'] as const) expect(names({}).has(name), name).to.equal(false);
  });

  it('builds canonical and library paths with encoded parameters', () => {
    expect(buildPath('getRepositoryImages', { ns: 'alice', repo: 'app' })).to.equal('/v1/repositories/alice/app/images');
    expect(buildPath('getRepositoryImages', { repo: 'app' }, { library: true })).to.equal('/v1/repositories/app/images');
    expect(buildPath('putRepository', { ns: 'alice', repo: 'app' })).to.equal('/v1/repositories/alice/app/');
    expect(buildPath('getTag', { ns: 'a', repo: 'b', tag: 'v 1' })).to.equal('/v1/repositories/a/b/tags/v%201');
    expect(() => buildPath('getTag', { ns: 'a', repo: 'b' })).to.throw(/needs parameter tag/);
    expect(() => buildPath('indexPing', {}, { library: true })).to.throw(/no library form/);
  });

  it('maps methods to token access (§5.3 step 3)', () => {
    expect(accessForMethod('GET')).to.equal('read');
    expect(accessForMethod('HEAD')).to.equal('read');
    expect(accessForMethod('PUT')).to.equal('write');
    expect(accessForMethod('POST')).to.equal('write');
    expect(accessForMethod('DELETE')).to.equal('delete');
  });

  it('refuses to build a router with a route left unhandled', () => {
    const handlers = Object.fromEntries(REGISTRY_ROUTE_NAMES.filter((n) => n !== 'getTag').map((n) => [n, () => {}]));
    expect(() => buildRouter('registry', handlers as never, { none: allowAnyone, token: allowAnyone })).to.throw(/no handler for route\(s\) getTag/);
  });

  it('refuses to build a router when a route\'s auth value has no guard', () => {
    const handlers = Object.fromEntries(REGISTRY_ROUTE_NAMES.map((n) => [n, () => {}]));
    expect(() => buildRouter('registry', handlers as never, { none: allowAnyone })).to.throw(/no guard for the auth value of route\(s\) .*getImageJson \(token\)/);
    const indexHandlers = Object.fromEntries(INDEX_ROUTE_NAMES.map((n) => [n, () => {}]));
    expect(() => buildRouter('index', indexHandlers as never, { none: allowAnyone, basic: allowAnyone })).to.throw(/getAuditTrail \(admin\)/);
  });

  it('gives every route an auth value from the one list of guard kinds', () => {
    for (const [name, spec] of Object.entries(ROUTES)) expect(ROUTE_AUTH_VALUES, name).to.include(spec.auth);
  });

  it('runs the guard before the handler, and a refusing guard stops the request', async () => {
    const app = new Koa();
    app.silent = true;
    const seen: string[] = [];
    const handlers = Object.fromEntries(REGISTRY_ROUTE_NAMES.map((n) => [n, (ctx: Koa.Context) => {
      seen.push(n);
      ctx.body = 'handled';
    }]));
    const refuse = (ctx: Koa.Context) => {
      ctx.status = 401;
      ctx.body = 'refused';
    };
    const { router } = buildRouter('registry', handlers as never, { none: allowAnyone, token: refuse, 'events-key': refuse, 'index-admin': refuse });
    app.use(router.routes());
    const server = await listen(app, { host: '127.0.0.1', port: 0 });
    try {
      expect((await fetch(`${server.url}/v1/images/${'a'.repeat(64)}/json`)).status).to.equal(401);
      expect(await (await fetch(`${server.url}/_ping`)).text()).to.equal('handled');
      expect(seen).to.deep.equal(['registryPing']);
    } finally {
      await server.close();
    }
  });

  describe('mounted on a real Koa server', () => {
    let server: RunningServer;
    before(async () => {
      const app = new Koa();
      app.silent = true;
      const echo = (name: RouteName) => (ctx: Koa.Context) => {
        ctx.body = { route: name, params: ctx.params };
      };
      const handlers = Object.fromEntries([...REGISTRY_ROUTE_NAMES].map((n) => [n, echo(n)]));
      const { router } = buildRouter('registry', handlers as never, { none: allowAnyone, token: allowAnyone, 'events-key': allowAnyone, 'index-admin': allowAnyone }, { standalone: true });
      app.use(requestContext(silentLogger)).use(errorMiddleware()).use(router.routes()).use(router.allowedMethods());
      server = await listen(app, { host: '127.0.0.1', port: 0 });
    });
    after(() => server.close());

    const get = async (method: string, path: string) => {
      const res = await fetch(`${server.url}${path}`, { method });
      return { status: res.status, body: res.status === 200 && method !== 'HEAD' ? ((await res.json()) as { route: string; params: Record<string, string> }) : await res.text(), res };
    };

    it('resolves /v1/repositories/foo/tags/json to the tag "json" of library/foo (werkzeug precedence)', async () => {
      const { body } = await get('GET', '/v1/repositories/foo/tags/json');
      expect(body).to.deep.include({ route: 'getTag', params: { repository: 'foo', tag: 'json' } });
    });
    it('resolves the two-segment repository json', async () => {
      const { body } = await get('GET', '/v1/repositories/alice/app/json');
      expect(body).to.deep.include({ route: 'getRepositoryJson', params: { repository: 'alice/app' } });
    });
    it('resolves PUT /v1/repositories/foo/images to the images of library/foo, not a repository foo/images', async () => {
      const { body } = await get('PUT', '/v1/repositories/foo/images');
      expect(body).to.deep.include({ route: 'standalonePutRepositoryImages', params: { repository: 'foo' } });
    });
    it('lets a trailing slash pick the repository route: PUT …/foo/images/ creates foo/images (§3), as werkzeug ranked it', async () => {
      expect((await get('PUT', '/v1/repositories/foo/images/')).body).to.deep.include({ route: 'standalonePutRepository', params: { repository: 'foo/images' } });
      expect((await get('DELETE', '/v1/repositories/alice/tags/')).body).to.deep.include({ route: 'deleteRegistryRepository', params: { repository: 'alice/tags' } });
      expect((await get('DELETE', '/v1/repositories/alice/tags')).body).to.deep.include({ route: 'deleteRegistryRepository', params: { repository: 'alice' } });
    });
    it('gives the whole repository path to the route, as werkzeug\'s <path:repository> did: three parts, percent-decoded', async () => {
      expect((await get('GET', '/v1/repositories/a/b/c/tags/latest')).body).to.deep.include({ route: 'getTag', params: { repository: 'a/b/c', tag: 'latest' } });
      expect((await get('GET', '/v1/repositories/a/b%2Fc/tags')).body).to.deep.include({ route: 'getTags', params: { repository: 'a/b/c' } });
      expect((await get('GET', '/v1/repositories/foo/x%25%24_-t/json')).body).to.deep.include({ route: 'getRepositoryJson', params: { repository: 'foo/x%$_-t' } });
      expect((await get('GET', '/v1/repositories/foo/x%$_-t/json')).body).to.deep.include({ route: 'getRepositoryJson', params: { repository: 'foo/x%$_-t' } });
    });
    it('accepts a repository create with and without the trailing slash', async () => {
      expect((await get('PUT', '/v1/repositories/alice/app/')).body).to.deep.include({ route: 'standalonePutRepository' });
      expect((await get('PUT', '/v1/repositories/alice/app')).body).to.deep.include({ route: 'standalonePutRepository' });
    });
    it('routes both R19 paths to the repository delete', async () => {
      expect((await get('DELETE', '/v1/repositories/alice/app/')).body).to.deep.include({ route: 'deleteRegistryRepository' });
      expect((await get('DELETE', '/v1/repositories/alice/app/tags')).body).to.deep.include({ route: 'deleteRegistryRepository' });
    });
    it('renders an unknown method as a JSON 405', async () => {
      const { status, body } = await get('PROPFIND', '/v1/images/abc/json');
      expect(status).to.equal(405);
      expect(body).to.equal('{"error": "Method not allowed"}');
    });
    it('answers HEAD on GET routes', async () => {
      expect((await get('HEAD', '/v1/images/abc/layer')).status).to.equal(200);
    });
    it('renders an unknown route as a JSON 404', async () => {
      const { status, body, res } = await get('GET', '/v2/');
      expect(status).to.equal(404);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(body).to.equal('{"error": "Not found"}');
      expect(res.headers.get('docker-distribution-api-version')).to.equal(null);
    });
    it('renders a wrong method as a JSON 405 with Allow', async () => {
      const { status, body, res } = await get('POST', '/v1/images/abc/json');
      expect(status).to.equal(405);
      expect(body).to.equal('{"error": "Method not allowed"}');
      expect(res.headers.get('allow')).to.include('GET').and.include('PUT');
    });
  });
});
