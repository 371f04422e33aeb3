/**
 * Where a service publishes its exchanges for live viewers. Nothing is built or kept while nobody listens
 * (`active` is false, and publishers check it first), and a slow viewer never slows a request: each viewer
 * has a bounded queue that drops its oldest events when full and says how many it dropped.
 */
import type { ExchangeEvent } from './exchange-event.js';

export type ExchangeListener = (event: ExchangeEvent) => void;

export class ExchangeFeed {
  private readonly listeners = new Set<ExchangeListener>();
  private readonly enders = new Set<() => void>();
  private sequence = 0;

  constructor(readonly source: string) {}

  /** True while at least one viewer listens: publishers build nothing otherwise. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** A fresh id for an event of this feed. */
  nextId(): string {
    this.sequence += 1;
    return `${this.source}:${this.sequence}`;
  }

  publish(event: ExchangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Returns the unsubscribe function. `onEnd` runs if the feed ends first (the service shutting down). */
  subscribe(listener: ExchangeListener, onEnd?: () => void): () => void {
    this.listeners.add(listener);
    if (onEnd) this.enders.add(onEnd);
    return () => {
      this.listeners.delete(listener);
      if (onEnd) this.enders.delete(onEnd);
    };
  }

  /**
   * Ends every subscription (their streams close), so a shutdown is not held up by viewers: an open event
   * stream is a request that never finishes by itself.
   */
  end(): void {
    for (const onEnd of [...this.enders]) onEnd();
    this.enders.clear();
    this.listeners.clear();
  }
}
