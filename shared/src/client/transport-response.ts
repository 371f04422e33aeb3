/**
 * A response of the transport: status, header lines kept apart (Docker read every `X-Docker-Token` and
 * `X-Docker-Endpoints` line, §3.2 item 4, §5.2), and a body read exactly once — as text, as JSON, as a
 * stream, or discarded. The exchange is reported when the body has been read to the end or failed, so
 * transcripts carry byte counts and the full duration.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { serverMessageOf } from './client-error.js';

/** Bodies read as text are small by protocol; this bounds a misbehaving server. */
const MAX_TEXT_BODY = 16 * 1024 * 1024;

/** Called once when the body is finished: its byte count and, if it failed, why. */
export type BodyDone = (bytes: number, error: Error | null) => void;

/**
 * One HTTP response. Read the body either as a whole (buffer(), text(), json(), serverMessage(), any
 * number of times) or once as a stream(); or discard() it.
 */
export class TransportResponse {
  private consumed = false;
  private bodyCache: Promise<Buffer> | null = null;

  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The request method. */
    readonly method: string,
    /** The request path (no host, no query), for error messages. */
    readonly path: string,
    /** The full request URL. */
    readonly url: string,
    private readonly message: IncomingMessage,
    private readonly onBodyDone: BodyDone,
  ) {}

  /** The header's lines joined with ", " (Node's own join), or null when absent. */
  header(name: string): string | null {
    const lines = this.headerLines(name);
    return lines.length === 0 ? null : lines.join(', ');
  }

  /** Every line of a header, untouched and in order; [] when absent. */
  headerLines(name: string): string[] {
    return [...(this.message.headersDistinct[name.toLowerCase()] ?? [])];
  }

  /** All response headers, lower-case names, repeated lines joined with ", ". */
  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, lines] of Object.entries(this.message.headersDistinct)) {
      if (lines) out[name] = lines.join(', ');
    }
    return out;
  }

  /** The whole body as bytes (memoised, so it may be read again). Rejects on a cut or oversized body. */
  buffer(): Promise<Buffer> {
    this.bodyCache ??= this.readAll();
    return this.bodyCache;
  }

  /** The whole body as UTF-8 text (see buffer()). */
  async text(): Promise<string> {
    return (await this.buffer()).toString('utf8');
  }

  /** The body parsed as JSON; rejects with a one-line reason when it is not JSON. */
  async json(): Promise<unknown> {
    const text = await this.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`expected JSON, got ${JSON.stringify(text.slice(0, 80))}`);
    }
  }

  private async readAll(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    const body = this.stream();
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_TEXT_BODY) throw new Error(`response body larger than ${MAX_TEXT_BODY} bytes`);
        chunks.push(chunk);
      }
    } finally {
      body.destroy();
    }
    return Buffer.concat(chunks);
  }

  /** The server's message in the body (see serverMessageOf). Reads the body if not read yet. */
  async serverMessage(): Promise<string> {
    try {
      return serverMessageOf(await this.text());
    } catch (err) {
      return `(body unreadable: ${(err as Error).message})`;
    }
  }

  /** The body as a byte stream. It errors when the connection breaks before the end. */
  stream(): Readable {
    if (this.consumed) throw new Error('response body already consumed');
    this.consumed = true;
    let bytes = 0;
    let reported = false;
    const report = (error: Error | null): void => {
      if (reported) return;
      reported = true;
      this.onBodyDone(bytes, error);
    };
    const counter = new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
        bytes += chunk.length;
        callback(null, chunk);
      },
      flush(callback: TransformCallback): void {
        report(null);
        callback();
      },
    });
    this.message.pipe(counter);
    this.message.once('error', (err) => {
      report(err);
      counter.destroy(err);
    });
    // A connection cut mid-body ends the message without 'end' on some Node versions: catch that too.
    this.message.once('close', () => {
      if (!this.message.complete) {
        const err = new Error(`connection closed after ${bytes} body bytes`);
        report(err);
        counter.destroy(err);
      }
    });
    counter.once('close', () => {
      if (!reported) report(new Error('body stream closed before the end'));
      // The reader gave up early: release the connection rather than leave it half read.
      if (!this.message.complete) this.message.destroy();
    });
    return counter;
  }

  /** Reads and drops the body (keeps the connection reusable). Never rejects. */
  async discard(): Promise<void> {
    if (this.consumed && this.bodyCache === null) return;
    try {
      await this.buffer();
    } catch {
      // NOTE: the body is unwanted; a cut connection is already reported through the exchange.
    }
  }
}
