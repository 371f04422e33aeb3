/**
 * Concurrent identical questions to another service share calls, and no caller ever gets an answer older
 * than its own question (issue 12).
 *
 * A caller starts a call of its own while fewer than `maxInFlight` calls of its key are in flight. A caller
 * that finds them all in flight does not join one: a call may have been answered before the caller arrived
 * (a token revoked in between would still be "true"). It waits for the next call instead, which starts when
 * one in flight settles and is shared by every caller that arrived in the meantime. So each answer comes from
 * a call sent after its caller asked, exactly as if every caller had asked alone, and under load a key costs
 * at most `maxInFlight` calls in flight whatever the number of callers.
 */
interface Flight<T> {
  /** Calls of this key in flight. */
  flying: number;
  /** Callers waiting for the next call to start; null while nobody is. */
  next: { promise: Promise<T>; resolve: (answer: Promise<T>) => void } | null;
}

export class FreshCallSharing<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** `maxInFlight`: calls of one key in flight at once; a caller finding that many waits for the next. */
  constructor(private readonly maxInFlight = 1) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  }

  /** `call` is what every caller of `key` would send: the same key must mean the same question. */
  run(key: string, call: () => Promise<T>): Promise<T> {
    let flight = this.flights.get(key);
    if (!flight) {
      flight = { flying: 0, next: null };
      this.flights.set(key, flight);
    }
    if (flight.flying < this.maxInFlight) return this.fly(key, flight, call);
    if (flight.next === null) {
      let resolve!: (answer: Promise<T>) => void;
      const promise = new Promise<T>((r) => (resolve = r));
      flight.next = { promise, resolve };
    }
    return flight.next.promise;
  }

  /** Keys with a call in flight (for tests: nothing is left behind once every call settled). */
  get inFlight(): number {
    return this.flights.size;
  }

  private fly(key: string, flight: Flight<T>, call: () => Promise<T>): Promise<T> {
    flight.flying += 1;
    const answer = Promise.resolve().then(call);
    const settled = (): void => {
      flight.flying -= 1;
      const waiting = flight.next;
      if (waiting !== null) {
        flight.next = null;
        waiting.resolve(this.fly(key, flight, call));
      } else if (flight.flying === 0) {
        this.flights.delete(key);
      }
    };
    answer.then(settled, settled);
    return answer;
  }
}
