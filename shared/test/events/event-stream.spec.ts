/**
 * The live view's plumbing over a real socket: events reach a reader in order, a reader that stops reading
 * never holds the publisher up (its queue stays bounded and it is told what it lost), and a reader that
 * leaves is unsubscribed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { waitUntil } from '@v1hub/shared/testing';
import Koa from 'koa';
import { EVENT_QUEUE_LIMIT, ExchangeFeed, readEventStream, serveEventStream, type ExchangeEvent } from '../../src/index.js';

function event(feed: ExchangeFeed, path: string, extra: Partial<ExchangeEvent> = {}): ExchangeEvent {
  return { id: feed.nextId(), source: feed.source, from: 'client', to: 'registry', time: Date.now(), ms: 1, method: 'GET', path, route: 'getTags', status: 200, repository: 'alice/app', step: 'A3–A5', auth: 'Token', tokenAsked: false, tokenIssued: null, verdict: null, validations: [], ...extra };
}


describe('server-sent exchange events', () => {
  let server: http.Server;
  let base: string;
  let feed: ExchangeFeed;

  beforeEach(async () => {
    feed = new ExchangeFeed('registry');
    const app = new Koa();
    // A reader hanging up ends the stream early; the services run silent too.
    app.silent = true;
    app.use(async (ctx) => {
      serveEventStream(ctx, { subscribe: (listener, onEnd) => feed.subscribe(listener, onEnd), accept: (e) => e.path !== '/hidden', hello: { source: 'registry' } });
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('delivers accepted events in order, skips the rest, and unsubscribes a reader that leaves', async () => {
    const got: string[] = [];
    const abort = new AbortController();
    let opened = false;
    const reading = readEventStream(base, {}, (e) => got.push(e.path), abort.signal, () => {
      opened = true;
    });
    await waitUntil(() => opened && feed.listenerCount === 1, 'the subscription', 5000);
    expect(feed.active).to.equal(true);
    for (const p of ['/a', '/hidden', '/b', '/c']) feed.publish(event(feed, p));
    await waitUntil(() => got.length === 3, 'three events', 5000);
    expect(got).to.deep.equal(['/a', '/b', '/c']);
    abort.abort();
    await reading;
    await waitUntil(() => feed.listenerCount === 0, 'the unsubscription', 5000);
    expect(feed.active).to.equal(false);
  });

  it('never blocks the publisher on a reader that stops reading: it drops the oldest and says how many', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get(base, resolve));
    await waitUntil(() => feed.listenerCount === 1, 'the subscription', 5000);
    res.pause();
    const big = 'x'.repeat(16 * 1024);
    // Far more than socket buffers and the queue hold; publish returns at once each time.
    for (let i = 0; i < EVENT_QUEUE_LIMIT * 8; i += 1) feed.publish(event(feed, `/${i}/${big}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.resume();
    await waitUntil(() => /event: dropped\ndata: \{"dropped":\d+\}/.test(text) && text.includes(`/${EVENT_QUEUE_LIMIT * 8 - 1}/`), 'the dropped notice and the last event', 5000);
    const dropped = Number(/"dropped":(\d+)/.exec(text)?.[1]);
    expect(dropped).to.be.greaterThan(0);
    const delivered = text.split('event: exchange').length - 1;
    expect(delivered + dropped).to.equal(EVENT_QUEUE_LIMIT * 8);
    res.destroy();
  });

  it('ends every stream when the feed ends, so a shutdown is not held up by viewers', async () => {
    let open = false;
    const reading = readEventStream(base, {}, () => undefined, new AbortController().signal, () => {
      open = true;
    });
    await waitUntil(() => open && feed.listenerCount === 1, 'the subscription', 5000);
    feed.end();
    await reading;
    expect(feed.listenerCount).to.equal(0);
  });

  it('starts with a hello event', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get(base, resolve));
    expect(res.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    const first = await new Promise<string>((resolve) => res.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(first).to.include('event: hello\ndata: {"source":"registry"}');
    res.destroy();
  });
});
