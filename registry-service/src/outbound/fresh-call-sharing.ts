/**
 * Concurrent identical questions to another service share calls, and no caller ever gets an answer older
 * than its own question (issue 12).
 *
 * The first caller of a key starts a call. A caller that arrives while that call is in flight does not join
 * it: the call may have been answered before the caller arrived (a token revoked in between would still be
 * "true"). It waits for the next call instead, which starts when the one in flight settles and is shared by
 * every caller that arrived in the meantime. So each answer comes from a call sent after its caller asked,
 * exactly as if every caller had asked alone, and under load a key costs at most two calls in flight
 * whatever the number of callers.
 */
interface Flight<T> {
  /** Callers waiting for the call after the one in flight; null while nobody is. */
  next: { promise: Promise<T>; resolve: (answer: Promise<T>) => void } | null;
}

export class FreshCallSharing<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** `call` is what every caller of `key` would send: the same key must mean the same question. */
  run(key: string, call: () => Promise<T>): Promise<T> {
    const flight = this.flights.get(key);
    if (flight) {
      if (flight.next === null) {
        let resolve!: (answer: Promise<T>) => void;
        const promise = new Promise<T>((r) => (resolve = r));
        flight.next = { promise, resolve };
      }
      return flight.next.promise;
    }
    const started: Flight<T> = { next: null };
    this.flights.set(key, started);
    return this.fly(key, started, call);
  }

  /** Keys with a call in flight (for tests: nothing is left behind once every call settled). */
  get inFlight(): number {
    return this.flights.size;
  }

  private fly(key: string, flight: Flight<T>, call: () => Promise<T>): Promise<T> {
    const answer = Promise.resolve().then(call);
    const settled = (): void => {
      const waiting = flight.next;
      if (waiting === null) {
        this.flights.delete(key);
        return;
      }
      flight.next = null;
      waiting.resolve(this.fly(key, flight, call));
    };
    answer.then(settled, settled);
    return answer;
  }
}
