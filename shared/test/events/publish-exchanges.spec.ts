/** The exchange publisher: idle and untouched while nobody watches; when watched, one masked event per request. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { ExchangeFeed, publishExchanges, recordValidationCall, validationCalls, type ExchangeEvent } from '../../src/index.js';

describe('publishExchanges', () => {
  let server: http.Server;
  let base: string;
  let feed: ExchangeFeed;
  let described = 0;
  let sawStore: boolean[] = [];

  before(async () => {
    feed = new ExchangeFeed('index');
    const app = new Koa();
    app.use(publishExchanges(feed, {
      to: 'index',
      callerOf: () => 'client',
      repositoryOf: () => {
        described += 1;
        return 'alice/app';
      },
    }));
    app.use(async (ctx) => {
      sawStore.push(validationCalls.getStore() !== undefined);
      recordValidationCall(() => ({ route: 'getRepositoryImages', path: '/v1/repositories/alice/app/images', status: 200, result: true, ms: 1.5 }));
      ctx.set('X-Docker-Token', 'signature=0123456789abcdef0123456789abcdef01234567,repository="alice/app",access=read');
      ctx.body = 'ok';
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('builds nothing and enters no async context while nobody listens', async () => {
    described = 0;
    sawStore = [];
    await (await fetch(`${base}/v1/repositories/alice/app/images`)).text();
    expect(described).to.equal(0);
    expect(sawStore).to.deep.equal([false]);
  });

  it('publishes one event per request with its validations, the token masked', async () => {
    const events: ExchangeEvent[] = [];
    const unsubscribe = feed.subscribe((e) => events.push(e));
    await (await fetch(`${base}/v1/repositories/alice/app/images`, { headers: { 'X-Docker-Token': 'true', Authorization: 'Basic YWxpY2U6cGFzc3dvcmQx' } })).text();
    const deadline = Date.now() + 2_000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    unsubscribe();
    expect(events).to.have.length(1);
    const [e] = events as [ExchangeEvent];
    expect(e).to.deep.include({ source: 'index', method: 'GET', path: '/v1/repositories/alice/app/images', status: 200, repository: 'alice/app', auth: 'Basic', tokenAsked: true });
    expect(e.tokenIssued?.access).to.equal('read');
    expect(e.validations).to.deep.equal([{ route: 'getRepositoryImages', path: '/v1/repositories/alice/app/images', status: 200, result: true, ms: 1.5 }]);
    const text = JSON.stringify(e);
    expect(text).not.to.include('0123456789abcdef0123456789abcdef01234567');
    expect(text).not.to.include('YWxpY2U6cGFzc3dvcmQx');
  });
});
