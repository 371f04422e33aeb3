/**
 * Collects exchanges while a scenario runs and files them under the current step. Client exchanges come
 * from the client shim's hook; registry → Index calls from each registry's IndexClient observer. Both run
 * in this process, so one event counter orders them: a request is stamped when it reaches an in-process
 * service (Node's `http.server.request.start` diagnostics channel, published as its headers arrive, before any
 * handler runs) and every exchange when it is recorded, i.e. complete. Ordering never depends on clock
 * readings, so it cannot race on a busy machine.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { maskTokenValue } from '@v1hub/shared/core';
import type { Expectation, Participant, RecordedExchange, StepRecord } from './transcript.js';

/** A service of this process received a request's headers (before its handler ran). */
const SERVER_REQUEST_START = 'http.server.request.start';
/**
 * A node:http client request of this process was sent. Node 20 publishes it only once the request body has
 * ended — after the server may have answered a streamed upload — so it serves only for services in other
 * processes, where there is no arrival to stamp.
 */
const CLIENT_REQUEST_START = 'http.client.request.start';

/**
 * Masks every secret a free-form text may carry: token signatures (maskTokenValue) and Basic credentials.
 * Everything a transcript says in its own words (expectation details, notes, errors, remarks) goes through it.
 */
export function maskSecrets(text: string): string {
  // Basic credentials: only words that decode to `user:password`, so prose such as "Basic credentials" stays.
  return maskTokenValue(text).replace(/\b(Basic\s+)([A-Za-z0-9+/]+=*)/g, (whole, prefix: string, b64: string) => (Buffer.from(b64, 'base64').toString('utf8').includes(':') ? `${prefix}****` : whole));
}

/** One key per request: method and normalised URL. */
function requestKey(method: string, url: string): string | null {
  try {
    return `${method.toUpperCase()} ${new URL(url).href}`;
  } catch {
    return null;
  }
}

export interface RawExchange {
  readonly from: Participant;
  readonly to: Participant;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly ms: number;
  readonly requestHeaders?: Readonly<Record<string, string>>;
  readonly responseHeaders?: Readonly<Record<string, string>>;
  readonly verdict?: 'true' | 'false';
  readonly summary?: string;
}

/** Headers worth showing in a transcript, by lower-case name → the spelling the protocol uses. */
const SHOWN_HEADERS: Record<string, string> = {
  authorization: 'Authorization',
  'x-docker-token': 'X-Docker-Token',
  'www-authenticate': 'WWW-Authenticate',
  'x-docker-endpoints': 'X-Docker-Endpoints',
  'x-docker-registry-standalone': 'X-Docker-Registry-Standalone',
  'x-docker-checksum': 'X-Docker-Checksum',
  'x-docker-checksum-payload': 'X-Docker-Checksum-Payload',
  'x-docker-size': 'X-Docker-Size',
  range: 'Range',
  'content-range': 'Content-Range',
};

export function pickHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const name = SHOWN_HEADERS[k.toLowerCase()];
    if (name) out[name] = v;
  }
  return out;
}

/** A step's number, title and narration (docs/workflows.md numbering, our own words). */
export interface StepHeading {
  readonly number: string;
  readonly title: string;
  readonly narration: string;
}

export class Recorder {
  private readonly started = performance.now();
  private seq = 0;
  /** The run's event counter (see the file comment). */
  private clock = 0;
  /** Requests stamped (see watchRequests) but not recorded yet: key → stamps, oldest first. */
  private readonly pending = new Map<string, number[]>();
  readonly steps: StepRecord[] = [];
  /** Exchanges seen before the first step (kept so nothing is lost). */
  private readonly loose: RecordedExchange[] = [];

  elapsed(): number {
    return Math.round((performance.now() - this.started) * 100) / 100;
  }

  /** While set, each exchange is filed under the step this returns (created on first use). */
  private classifier: ((x: RecordedExchange) => StepHeading) | null = null;

  begin(number: string, title: string, narration: string): StepRecord {
    const step: StepRecord = { number, title, narration, exchanges: [], expectations: [], notes: [] };
    this.steps.push(step);
    return step;
  }

  /** The step numbered `number`, created (at the end) when it does not exist yet. */
  stepFor(heading: StepHeading): StepRecord {
    return this.steps.find((s) => s.number === heading.number) ?? this.begin(heading.number, heading.title, heading.narration);
  }

  /** Files exchanges by `classify` until the returned function is called. */
  classify(classify: (x: RecordedExchange) => StepHeading): () => void {
    this.classifier = classify;
    return () => {
      this.classifier = null;
    };
  }

  private current(): StepRecord | null {
    return this.steps.at(-1) ?? null;
  }

  private muted = 0;

  /** Runs `fn` without recording its exchanges (scenario set-up that is not part of the lesson). */
  async quietly<T>(fn: () => Promise<T>): Promise<T> {
    this.muted++;
    try {
      return await fn();
    } finally {
      this.muted--;
    }
  }

  private tick(): number {
    return ++this.clock;
  }

  /**
   * Stamps requests until the returned function is called: as they reach a service of this process
   * (`in-process`), or, when the services run elsewhere, as they leave this process (`external`). One source
   * only, so a stamp can never be taken by the wrong request. The stamp becomes the `opened` of the exchange
   * recorded for that request (matched by method and URL, oldest first); an exchange without one (the
   * validation cache) is opened when it is recorded. Either way a validation call the registry made while
   * serving a request is recorded after that request was opened and before it was recorded.
   */
  watchRequests(services: 'in-process' | 'external'): () => void {
    const stamp = (key: string | null): void => {
      if (!key) return;
      const queue = this.pending.get(key) ?? [];
      queue.push(this.tick());
      this.pending.set(key, queue);
    };
    const onArrival = (message: unknown): void => {
      const request = (message as { request?: IncomingMessage }).request;
      if (request?.method && request.url && request.headers.host) stamp(requestKey(request.method, `http://${request.headers.host}${request.url}`));
    };
    const onSent = (message: unknown): void => {
      const request = (message as { request?: ClientRequest }).request;
      if (request) stamp(requestKey(request.method, `${request.protocol}//${String(request.getHeader('host'))}${request.path}`));
    };
    const [channel, listener] = services === 'in-process' ? [SERVER_REQUEST_START, onArrival] : [CLIENT_REQUEST_START, onSent];
    diagnostics.subscribe(channel, listener);
    return () => {
      diagnostics.unsubscribe(channel, listener);
      this.pending.clear();
    };
  }

  /** The `opened` stamp of the oldest unrecorded request to `method url`. */
  private takeOpened(method: string, url: string): number | undefined {
    const key = requestKey(method, url);
    if (!key) return undefined;
    const queue = this.pending.get(key);
    const opened = queue?.shift();
    if (queue?.length === 0) this.pending.delete(key);
    return opened;
  }

  /** Records an exchange that just completed (`ms` after it started). */
  record(raw: RawExchange): void {
    // Even a muted exchange consumes its stamp, so a later request to the same URL is not given it.
    const opened = this.takeOpened(raw.method, raw.url) ?? this.tick();
    if (this.muted > 0) return;
    const closed = this.tick();
    const endMs = this.elapsed();
    const url = new URL(raw.url, 'http://placeholder');
    const exchange: RecordedExchange = {
      seq: ++this.seq,
      opened,
      closed,
      from: raw.from,
      to: raw.to,
      method: raw.method,
      path: `${url.pathname}${url.search}`,
      status: raw.status,
      startMs: Math.max(0, Math.round((endMs - raw.ms) * 100) / 100),
      endMs,
      requestHeaders: pickHeaders(raw.requestHeaders),
      responseHeaders: pickHeaders(raw.responseHeaders),
      ...(raw.verdict ? { verdict: raw.verdict } : {}),
      ...(raw.summary ? { summary: maskSecrets(raw.summary) } : {}),
    };
    const target = this.classifier ? this.stepFor(this.classifier(exchange)) : this.current();
    (target?.exchanges ?? this.loose).push(exchange);
  }

  /**
   * Records an expectation in the current step, or in the step numbered `number`. `held: null` with a
   * `notObservable` reason records one that could not be checked. Text is masked here, whatever the caller
   * passed, so no detail can carry a token.
   */
  expect(description: string, held: boolean | null, detail?: string, number?: string, notObservable?: string): Expectation {
    const expectation: Expectation = {
      description: maskSecrets(description),
      held,
      ...(detail !== undefined ? { detail: maskSecrets(detail) } : {}),
      ...(held === null ? { notObservable: maskSecrets(notObservable ?? 'not observable') } : {}),
    };
    const step = number ? this.steps.find((s) => s.number === number) : this.current();
    step?.expectations.push(expectation);
    return expectation;
  }

  note(text: string, number?: string): void {
    (number ? this.steps.find((s) => s.number === number) : this.current())?.notes.push(maskSecrets(text));
  }
}

/** Exchanges of a step in the order their requests left (a validation call nests inside the client request that caused it). */
export function sortedExchanges(step: StepRecord): RecordedExchange[] {
  return [...step.exchanges].sort((a, b) => a.opened - b.opened || a.seq - b.seq);
}
