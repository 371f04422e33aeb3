import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transport, TransportError, maskHeaderValue, readStandalone, registryEndpoints, type Exchange } from '@v1hub/shared/client';
import { freePort } from '@v1hub/shared/testing';

/** A small real HTTP server whose answers each test scripts. */
async function startServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('client transport', function () {
  const exchanges: Exchange[] = [];
  let transport: Transport;
  let seen: { method: string; rawHeaders: string[] }[];
  let answers: number[];
  let server: Awaited<ReturnType<typeof startServer>>;

  before(async function () {
    server = await startServer((req, res) => {
      seen.push({ method: req.method ?? '', rawHeaders: req.rawHeaders });
      req.resume();
      req.on('end', () => {
        const status = answers.shift() ?? 200;
        res.writeHead(status, [
          ['Content-Type', 'application/json'],
          ['X-Docker-Token', 'signature=abcdefghijkl,repository="a/b",access=read'],
          ['X-Docker-Token', 'signature=mnopqrstuvwx,repository="a/b",access=read'],
        ]);
        res.end(status >= 500 ? '{"error": "try later"}' : '""');
      });
    });
    transport = new Transport({ retry: { retries: 2, baseDelayMs: 5 }, onExchange: (e) => exchanges.push(e) });
  });

  beforeEach(function () {
    exchanges.length = 0;
    seen = [];
    answers = [];
  });

  after(async function () {
    transport.close();
    await server.close();
  });

  it('retries a GET on 5xx with backoff and reports every attempt', async function () {
    answers = [503, 502];
    const res = await transport.request({ service: 'index', route: 'indexPing', baseUrl: server.url });
    expect(res.status).to.equal(200);
    await res.discard();
    expect(exchanges.map((e) => [e.attempt, e.status])).to.deep.equal([[1, 503], [2, 502], [3, 200]]);
  });

  it('returns the last 5xx when the retries run out, and never retries a POST', async function () {
    answers = [503, 503, 503, 503];
    const get = await transport.request({ service: 'index', route: 'indexPing', baseUrl: server.url });
    expect(get.status).to.equal(503);
    expect(await get.serverMessage()).to.equal('try later');
    answers = [503];
    const post = await transport.request({ service: 'index', route: 'createUser', baseUrl: server.url, body: '{}' });
    expect(post.status).to.equal(503);
    await post.discard();
    expect(seen.filter((s) => s.method === 'POST')).to.have.length(1);
  });

  it('gives up on a refused connection after the retries with a TransportError', async function () {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const err = await transport.request({ service: 'registry', route: 'getImageJson', baseUrl: deadUrl, params: { imageId: 'a'.repeat(64) } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(new RegExp(`^GET /v1/images/a{64}/json: connect ECONNREFUSED`));
    expect(exchanges.map((e) => [e.attempt, e.status])).to.deep.equal([[1, 0], [2, 0], [3, 0]]);
    expect(exchanges[0]?.error).to.match(/ECONNREFUSED/);
  });

  it('sends one X-Docker-Endpoints line per endpoint and reads every X-Docker-Token line apart', async function () {
    const res = await transport.request({
      service: 'index',
      route: 'putRepositoryImages',
      baseUrl: server.url,
      params: { ns: 'a', repo: 'b' },
      headers: { 'X-Docker-Endpoints': ['http://r1:5001/v1/', 'http://r2:5001/v1/'], Authorization: 'Basic YTpi' },
      body: '[]',
    });
    await res.discard();
    const raw = seen[0]?.rawHeaders ?? [];
    const endpointLines = raw.filter((_v, i) => i % 2 === 1 && raw[i - 1] === 'X-Docker-Endpoints');
    expect(endpointLines).to.deep.equal(['http://r1:5001/v1/', 'http://r2:5001/v1/']);
    expect(res.headerLines('X-Docker-Token')).to.have.length(2);
    expect(exchanges[0]?.requestHeaders.Authorization).to.equal('Basic ****');
    expect(exchanges[0]?.responseHeaders['x-docker-token']).to.equal('signature=abcdef…,repository="a/b",access=read, signature=mnopqr…,repository="a/b",access=read');
    expect(exchanges[0]?.requestBytes).to.equal(2);
  });

  it('masks Basic, tokens and cookies', function () {
    expect(maskHeaderValue('Authorization', 'Basic Og==')).to.equal('Basic ****');
    expect(maskHeaderValue('Authorization', 'Token Token signature=ABCDEFGHIJKLMNOP,repository="library/foo",access=read')).to.equal('Token Token signature=ABCDEF…,repository="library/foo",access=read');
    expect(maskHeaderValue('Set-Cookie', 'session=secret')).to.equal('****');
    expect(maskHeaderValue('X-Docker-Endpoints', 'r1:5001')).to.equal('r1:5001');
  });

  it('builds endpoint URLs with the Index scheme from comma-separated and repeated lines (§3.2 item 4)', function () {
    expect(registryEndpoints(['r1:5001 \t,  r2.example.com ', 'r3:80'], 'https://index.example:5000')).to.deep.equal([
      'https://r1:5001',
      'https://r2.example.com',
      'https://r3:80',
    ]);
  });

  it('reads X-Docker-Registry-Standalone as Docker 1.x did (§5.6)', function () {
    expect(readStandalone('True', {})).to.equal(true);
    expect(readStandalone('1', {})).to.equal(true);
    expect(readStandalone('False', {})).to.equal(false);
    expect(readStandalone('mirror', {})).to.equal(false);
    expect(readStandalone(null, {})).to.equal(true);
    expect(readStandalone(null, { standalone: false })).to.equal(false);
  });
});
