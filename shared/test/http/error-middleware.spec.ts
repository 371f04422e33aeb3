import { expect } from 'chai';
import Koa from 'koa';
import net from 'node:net';
import { createLogger, errorMiddleware, listen, readJsonBody, requestContext, V1Error, type RunningServer } from '../../src/index.js';

describe('error middleware', () => {
  let server: RunningServer;
  const lines: string[] = [];
  before(async () => {
    const app = new Koa();
    app.silent = true;
    const log = createLogger({ format: 'json', level: 'debug', write: (l) => lines.push(l) });
    app.use(requestContext(log)).use(errorMiddleware());
    app.use(async (ctx) => {
      switch (ctx.path) {
        case '/crash':
          ctx.set('Content-Length', '99');
          throw new Error('secret internal detail');
        case '/throw-string':
          throw 'a string';
        case '/image':
          throw new V1Error('IMAGE_NOT_FOUND');
        case '/user-exists':
          throw new V1Error('USER_EXISTS');
        case '/koa-throw':
          ctx.throw(400, 'bad thing');
          break;
        case '/json': {
          const { value } = await readJsonBody(ctx, 'INVALID_JSON', 64);
          ctx.body = { got: value };
          break;
        }
        case '/fake-index-json':
          await readJsonBody(ctx, 'JSON_DECODE');
          ctx.body = 'ok';
          break;
        case '/drain':
          for await (const chunk of ctx.req) void chunk;
          ctx.body = 'drained';
          break;
        case '/unauthorized':
          throw new V1Error('REQUIRES_AUTHORIZATION', { headers: { 'WWW-Authenticate': 'Token' } });
        default:
          break;
      }
    });
    server = await listen(app, { host: '127.0.0.1', port: 0 });
  });
  after(() => server.close());

  const call = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${server.url}${path}`, init);
    return { status: res.status, text: await res.text(), headers: res.headers };
  };

  it('renders a typed error with its exact legacy status and message', async () => {
    const r = await call('/image');
    expect(r.status).to.equal(404);
    expect(r.text).to.equal('{"error": "Image not found"}');
    expect(r.headers.get('content-type')).to.equal('application/json');
    expect(r.headers.get('cache-control')).to.equal('no-cache');
  });

  it('renders the login quirk as a bare JSON string (§3.1 I3)', async () => {
    const r = await call('/user-exists');
    expect(r.status).to.equal(400);
    expect(r.text).to.equal('"Username or email already exists"');
  });

  it('turns an unexpected exception into a generic 500, stack only in the log', async () => {
    const r = await call('/crash');
    expect(r.status).to.equal(500);
    expect(r.text).to.equal('{"error": "Internal server error"}');
    expect(r.text).not.to.include('secret internal detail');
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request failed');
    expect(JSON.stringify(logged)).to.include('secret internal detail').and.include('stack');
  });

  it('turns a thrown non-Error into a generic 500', async () => {
    expect((await call('/throw-string')).status).to.equal(500);
  });

  it('keeps the message of an exposed 4xx http error', async () => {
    const r = await call('/koa-throw');
    expect(r.status).to.equal(400);
    expect(r.text).to.equal('{"error": "bad thing"}');
  });

  it('answers malformed JSON with 400 and the route\'s legacy message', async () => {
    expect(await call('/json', { method: 'PUT', body: '{nope' })).to.include({ status: 400, text: '{"error": "Invalid JSON"}' });
    expect(await call('/fake-index-json', { method: 'PUT', body: '[' })).to.include({ status: 400, text: '{"error": "Error Decoding JSON"}' });
  });

  it('answers an oversized body with 413', async () => {
    const r = await call('/json', { method: 'PUT', body: JSON.stringify({ x: 'y'.repeat(200) }) });
    expect(r.status).to.equal(413);
    expect(r.text).to.equal('{"error": "Request body too large"}');
  });

  it('answers an oversized chunked body (no Content-Length) with 413', async () => {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('"'.padEnd(100, 'x')));
        c.close();
      },
    });
    const r = await call('/json', { method: 'PUT', body, duplex: 'half' } as RequestInit);
    expect(r.status).to.equal(413);
  });

  it('parses a JSON body whatever its content type', async () => {
    const r = await call('/json', { method: 'PUT', body: '"abc"', headers: { 'Content-Type': 'text/plain' } });
    expect(r.text).to.equal('{"got":"abc"}');
  });

  it('keeps the challenge header of a 401', async () => {
    const r = await call('/unauthorized');
    expect(r.status).to.equal(401);
    expect(r.headers.get('www-authenticate')).to.equal('Token');
    expect(r.text).to.equal('{"error": "Requires authorization"}');
  });

  it('renders a path nobody answered as a JSON 404 and writes one completion line with a request id', async () => {
    lines.length = 0;
    const r = await call('/nowhere');
    expect(r.status).to.equal(404);
    expect(r.text).to.equal('{"error": "Not found"}');
    const id = r.headers.get('x-request-id');
    expect(id).to.match(/^[0-9a-f-]{36}$/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const done = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed');
    expect(done).to.have.length(1);
    expect(done[0]).to.include({ requestId: id, status: 404, method: 'GET', path: '/nowhere' });
    expect(done[0]?.ms).to.be.a('number');
  });

  it('logs a client that hangs up mid-body as a warning, without a stack', async () => {
    lines.length = 0;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write('PUT /drain HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(1000), () => socket.destroy());
      });
      socket.on('close', () => resolve()).on('error', reject);
    });
    // The server notices the hang-up on its own schedule: wait for the request's completion line.
    const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (let i = 0; i < 200 && !parsed().some((l) => l.msg === 'request aborted by the client'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const logged = parsed();
    expect(logged.filter((l) => l.level === 'error'), 'no error line').to.deep.equal([]);
    expect(logged.find((l) => l.msg === 'client went away before the request ended')).to.include({ level: 'warn' });
    // The completion line says the client went away; it claims no status (Koa's default 404 was never sent).
    const aborted = logged.find((l) => l.msg === 'request aborted by the client');
    expect(aborted).to.include({ aborted: true, method: 'PUT', path: '/drain', bytesIn: 100000 });
    expect(aborted).not.to.have.property('status');
    expect(logged.some((l) => l.msg === 'request completed'), 'not also logged as completed').to.equal(false);
  });

  describe('requests Node\'s HTTP parser refuses before any route', () => {
    const raw = (request: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.end(request));
        let text = '';
        socket.setEncoding('latin1').on('data', (d: string) => (text += d));
        socket.on('end', () => resolve(text)).on('error', reject);
      });
    const cases: [string, string, string][] = [
      ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', '400 Bad Request'],
      ['an unknown method', 'BREW /v1/_ping HTTP/1.1\r\nHost: x\r\n\r\n', '400 Bad Request'],
      ['bad chunked framing', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', '400 Bad Request'],
      ['headers over the limit', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, '431 Request Header Fields Too Large'],
    ];
    for (const [what, request, statusLine] of cases) {
      it(`answers ${what} with a JSON error body, not a bare status line`, async () => {
        const text = await raw(request);
        const [head = '', body] = text.split('\r\n\r\n');
        expect(head.split('\r\n')[0]).to.equal(`HTTP/1.1 ${statusLine}`);
        expect(head).to.include('Content-Type: application/json').and.include('Connection: close');
        expect(body).to.equal(statusLine.startsWith('431') ? '{"error": "Request header fields too large"}' : '{"error": "Malformed HTTP request"}');
      });
    }
  });
});
