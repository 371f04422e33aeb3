/**
 * Server-sent events (text/event-stream) out of a Koa response, and into a reader. Each viewer's events
 * wait in a bounded queue while the socket is full, the oldest dropped first, so the publisher never
 * blocks; a `dropped` event says how many were lost. A comment line every 15 s keeps proxies from closing
 * an idle stream.
 */
import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { caOptions } from '../http/outbound-request.js';
import type { ExchangeEvent } from './exchange-event.js';
import type { ExchangeListener } from './exchange-feed.js';

export const EVENT_QUEUE_LIMIT = 512;
const KEEPALIVE_MS = 15_000;

export interface EventStreamOptions {
  /** Starts the viewer's subscription (`onEnd` closes the stream when the feed ends); returns the function that ends it. */
  readonly subscribe: (listener: ExchangeListener, onEnd: () => void) => () => void;
  /** Per event, whether this viewer may see it (may be async: the Index checks the repository's visibility). */
  readonly accept?: (event: ExchangeEvent) => boolean | Promise<boolean>;
  /** Sent first, as the `hello` event. */
  readonly hello: Record<string, unknown>;
}

/** Streams a feed to the client until it goes away. */
export function serveEventStream(ctx: Context, opts: EventStreamOptions): void {
  const accept = opts.accept ?? (() => true);
  const out = new PassThrough();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Accel-Buffering', 'no');
  // A stream's connection is not reused: closing it with the stream lets a shutdown finish at once.
  ctx.set('Connection', 'close');
  ctx.body = out;

  const queue: string[] = [];
  let dropped = 0;
  let waiting = false;
  const write = (chunk: string): void => {
    if (waiting || out.writableNeedDrain) {
      waiting = true;
      queue.push(chunk);
      while (queue.length > EVENT_QUEUE_LIMIT) {
        queue.shift();
        dropped += 1;
      }
      return;
    }
    out.write(chunk);
  };
  out.on('drain', () => {
    waiting = false;
    if (dropped > 0) {
      out.write(`event: dropped\ndata: ${JSON.stringify({ dropped })}\n\n`);
      dropped = 0;
    }
    while (queue.length > 0 && !out.writableNeedDrain) out.write(queue.shift() as string);
    if (queue.length > 0) waiting = true;
  });

  // Events are written in publication order even when `accept` answers asynchronously.
  let order: Promise<void> = Promise.resolve();
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    clearInterval(keepalive);
    out.end();
  };
  const unsubscribe = opts.subscribe((event) => {
    order = order.then(async () => {
      if (await accept(event)) write(`event: exchange\nid: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
    }).catch(() => undefined);
  }, () => stop());
  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  ctx.req.once('close', stop);
  ctx.res.once('close', stop);
  out.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify(opts.hello)}\n\n`);
}

/**
 * Reads an event stream at `url`, calling `onEvent` for each `exchange` event, until `signal` aborts or the
 * stream ends. Resolves when it ends; rejects when it cannot connect or the answer is not 200.
 */
export function readEventStream(url: string, headers: Record<string, string>, onEvent: (event: ExchangeEvent) => void, signal: AbortSignal, onOpen: () => void = () => undefined, ca?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const client = secure ? https : http;
    const req = client.get(url, { headers: { Accept: 'text/event-stream', ...headers }, signal, ...(secure ? caOptions(ca) : {}) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${url} answered ${res.statusCode}`));
        return;
      }
      onOpen();
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let name = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) name = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (name !== 'exchange' || data === '') continue;
          try {
            onEvent(JSON.parse(data) as ExchangeEvent);
          } catch {
            // A malformed event is skipped; the stream goes on.
          }
        }
        // A stream that never ends a block is not an event stream: stop holding it.
        if (buffer.length > 1024 * 1024) req.destroy(new Error('event stream block too large'));
      });
      res.on('end', () => resolve());
      res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
    });
    req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
  });
}
