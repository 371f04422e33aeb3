/**
 * Where a service publishes its exchanges for live viewers. Nothing is built or kept while nobody listens
 * (`active` is false, and publishers check it first), and a slow viewer never slows a request: each viewer
 * has a bounded queue that drops its oldest events when full and says how many it dropped.
 */
import type { ExchangeEvent } from './exchange-event.js';

export type ExchangeListener = (event: ExchangeEvent) => void;

export class ExchangeFeed {
  private readonly listeners = new Set<ExchangeListener>();
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

  /** Returns the unsubscribe function. */
  subscribe(listener: ExchangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
