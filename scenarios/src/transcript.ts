/**
 * What a scenario replay records: each numbered workflow step (docs/workflows.md) with the HTTP exchanges
 * that carried it out — the client's, and the registry → Index validation calls the client never sees — and
 * the expectations the step checked. Every renderer (text, json, mermaid, html) reads only this.
 */

/** Who talks in a scenario: the client, an Index (`index`, `index-2`) or a registry (`registry`, `registry-2`…). */
export type Participant = 'client' | `index${string}` | `registry${string}`;

export interface RecordedExchange {
  /** Order in which exchanges completed in the whole run (1-based). */
  readonly seq: number;
  /**
   * When the request left and when its answer was complete, as positions on the run's one event counter
   * (shared by every client request and every registry → Index call seen in this process). Unlike the
   * millisecond timings these cannot tie or race: a validation call the registry made while serving a client
   * request is always strictly inside that request's `opened`…`closed`.
   */
  readonly opened: number;
  readonly closed: number;
  readonly from: Participant;
  readonly to: Participant;
  readonly method: string;
  /** Path and query (no scheme or host). */
  readonly path: string;
  /** HTTP status, or 0 when the peer could not be reached. */
  readonly status: number;
  /** Milliseconds since the scenario started, when the request left and when the answer came back. */
  readonly startMs: number;
  readonly endMs: number;
  /** The v1 headers that matter, tokens masked. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** For registry → Index validations: the registry's conclusion. */
  readonly verdict?: 'true' | 'false';
  /** A short description of the body, e.g. `[2 images]` or `{"error": "…"}`. */
  readonly summary?: string;
}

export interface Expectation {
  readonly description: string;
  /**
   * Whether it held; `null` when it could not be observed at all (what passes between or inside services
   * already running elsewhere) — neither held nor failed, and `notObservable` says why.
   */
  readonly held: boolean | null;
  /** What was seen, when it did not hold (or to show the evidence). Tokens masked. */
  readonly detail?: string;
  /** Set exactly when `held` is null: why the expectation could not be checked. */
  readonly notObservable?: string;
}

/** An expectation that was checked and did not hold (one that could not be observed is not a failure). */
export function failed(e: Expectation): boolean {
  return e.held === false;
}

export interface StepRecord {
  /** The workflow's step number (`A1`, `B4`…) or a branch label (`A4'`). */
  readonly number: string;
  readonly title: string;
  /** Our own words for what happens in this step. */
  readonly narration: string;
  readonly exchanges: RecordedExchange[];
  readonly expectations: Expectation[];
  readonly notes: string[];
  /** An exception that ended the step, if any. */
  error?: string;
}

export interface Transcript {
  readonly scenario: string;
  readonly workflow: string;
  readonly title: string;
  readonly summary: string;
  /** Which backends ran it: `memory + local`, or `external` for already-running services. */
  readonly backend: string;
  readonly participants: Participant[];
  readonly steps: StepRecord[];
  readonly ok: boolean;
  readonly ms: number;
  /** Facts worth saying next to the run (e.g. what standalone mode gives up). */
  readonly remarks: string[];
}

/** The closing verdict of a transcript, the same in every format. */
export function verdictOf(t: Transcript): string {
  if (!t.ok) return 'some expectations failed';
  const unobserved = t.steps.reduce((n, s) => n + s.expectations.filter((e) => e.held === null).length, 0);
  return unobserved ? `every observable expectation held (${unobserved} not observable)` : 'every expectation held';
}
