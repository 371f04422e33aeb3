/**
 * What `/live` shows: the Index's own exchanges and those of the registries it advertises, merged into one
 * feed. The Index publishes into it directly; each registry's `GET /_events` (read with the shared
 * --events-key) is forwarded into it. The registry streams are open only while someone watches: nothing is
 * read, built or kept otherwise.
 */
import { ExchangeFeed, readEventStream, type ExchangeEvent, type Logger } from '@v1hub/shared';

const RETRY_MS = 2_000;

export interface RegistryStreamState {
  readonly endpoint: string;
  /** `connected`, `connecting`, or why the last attempt failed. */
  readonly state: string;
}

export class LiveFeed {
  readonly feed = new ExchangeFeed('index');
  private readonly states = new Map<string, string>();
  private abort: AbortController | null = null;

  constructor(
    private readonly endpoints: readonly string[],
    private readonly eventsKey: string | null,
    private readonly log: Logger,
    /** The Index's own scheme: a client reaches the registries with it (§2), and so does the Index. */
    private readonly scheme: 'http' | 'https' = 'http',
    private readonly ca: Buffer | undefined = undefined,
  ) {}

  /** Whether registry exchanges can be shown at all (a key is set and registries are advertised). */
  get readsRegistries(): boolean {
    return this.eventsKey !== null && this.endpoints.length > 0;
  }

  registryStates(): RegistryStreamState[] {
    return this.endpoints.map((endpoint) => ({ endpoint, state: this.states.get(endpoint) ?? 'idle' }));
  }

  /** A viewer joins; the registry streams open with the first. Returns the function that ends the subscription. */
  watch(listener: (event: ExchangeEvent) => void, onEnd?: () => void): () => void {
    const unsubscribe = this.feed.subscribe(listener, onEnd);
    if (this.feed.listenerCount === 1) this.openRegistryStreams();
    return () => {
      unsubscribe();
      if (this.feed.listenerCount === 0) this.closeRegistryStreams();
    };
  }

  /** Ends every viewer's stream and stops reading the registries (shutdown). */
  close(): void {
    this.feed.end();
    this.closeRegistryStreams();
  }

  private openRegistryStreams(): void {
    if (!this.readsRegistries || this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    for (const endpoint of this.endpoints) void this.follow(endpoint, abort.signal);
  }

  private closeRegistryStreams(): void {
    this.abort?.abort();
    this.abort = null;
    this.states.clear();
  }

  /** Reads one registry's stream until the last viewer leaves, reconnecting after a failure. */
  private async follow(endpoint: string, signal: AbortSignal): Promise<void> {
    const source = `registry ${endpoint}`;
    while (!signal.aborted) {
      this.states.set(endpoint, 'connecting');
      try {
        await readEventStream(`${this.scheme}://${endpoint}/_events`, { Authorization: `Bearer ${this.eventsKey}` }, (event) => {
          this.feed.publish({ ...event, id: `${source}:${event.id}`, source });
        }, signal, () => this.states.set(endpoint, 'connected'), this.ca);
        if (!signal.aborted) this.states.set(endpoint, 'stream ended');
      } catch (err) {
        this.states.set(endpoint, (err as Error).message);
        this.log.debug('registry event stream failed', { endpoint, error: (err as Error).message });
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
    }
  }
}
