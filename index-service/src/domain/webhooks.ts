/**
 * Notifies `--webhook` URLs after a push completes (I9) and after a repository is purged (I7b). Delivery is
 * best effort and never delays the client: each POST has a 5 s timeout, failures are logged, and shutdown
 * waits for deliveries in flight.
 */
import type { Logger } from '@v1hub/shared';

export interface RepositoryEvent {
  readonly event: 'push' | 'delete';
  readonly repository: string;
  readonly user: string | null;
  /** ISO-8601. */
  readonly time: string;
}

export class WebhookNotifier {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly urls: readonly string[],
    private readonly log: Logger,
    private readonly timeoutMs = 5_000,
    /** Told each attempt's outcome (the Index's metrics). */
    private readonly onOutcome: (outcome: 'delivered' | 'refused' | 'failed') => void = () => undefined,
  ) {}

  notify(event: RepositoryEvent): void {
    for (const url of this.urls) {
      const delivery = this.deliver(url, event).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  private async deliver(url: string, event: RepositoryEvent): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'v1hub-index' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer();
      if (res.ok) this.log.debug('webhook delivered', { url, event: event.event, status: res.status });
      else this.log.warn('webhook refused', { url, event: event.event, status: res.status });
      this.onOutcome(res.ok ? 'delivered' : 'refused');
    } catch (err) {
      this.log.warn('webhook failed', { url, event: event.event, error: (err as Error).message });
      this.onOutcome('failed');
    }
  }

  /** Resolves when every delivery started so far has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
