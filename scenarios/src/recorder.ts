/**
 * Collects exchanges while a scenario runs and files them under the current step. Client exchanges come
 * from the client shim's hook; registry → Index calls from each registry's IndexClient observer. Both run
 * in this process, so one clock orders them.
 */
import { performance } from 'node:perf_hooks';
import type { Expectation, Participant, RecordedExchange, StepRecord } from './transcript.js';

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

  /** Records an exchange that just completed (`ms` after it started). */
  record(raw: RawExchange): void {
    if (this.muted > 0) return;
    const endMs = this.elapsed();
    const url = new URL(raw.url, 'http://placeholder');
    const exchange: RecordedExchange = {
      seq: ++this.seq,
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
      ...(raw.summary ? { summary: raw.summary } : {}),
    };
    const target = this.classifier ? this.stepFor(this.classifier(exchange)) : this.current();
    (target?.exchanges ?? this.loose).push(exchange);
  }

  /** Records an expectation in the current step, or in the step numbered `number`. */
  expect(description: string, held: boolean, detail?: string, number?: string): Expectation {
    const expectation: Expectation = { description, held, ...(detail !== undefined ? { detail } : {}) };
    const step = number ? this.steps.find((s) => s.number === number) : this.current();
    step?.expectations.push(expectation);
    return expectation;
  }

  note(text: string, number?: string): void {
    (number ? this.steps.find((s) => s.number === number) : this.current())?.notes.push(text);
  }
}

/** Exchanges of a step in time order (a validation call nests inside the client request that caused it). */
export function sortedExchanges(step: StepRecord): RecordedExchange[] {
  return [...step.exchanges].sort((a, b) => a.startMs - b.startMs || a.seq - b.seq);
}
