/**
 * Runs reads and operations against a StoreState on behalf of the memory and file stores: copies records
 * in and out (callers never hold a reference into the state), applies each operation atomically (it is
 * synchronous), hands changed operations to an optional `persist` hook and resolves once that hook has
 * made them durable, and forgets expired tokens.
 */
import type { Clock } from '@v1hub/shared';
import { applyOperation, type Operation, type OperationResult, type OperationType } from './operations.js';
import { sweepExpiredTokens, type StoreState } from './store-state.js';

export interface StateEngineOptions {
  readonly clock: Clock;
  readonly auditCapacity: number;
  /**
   * Called synchronously right after an operation changed the state (so calls arrive in apply order);
   * the operation is acknowledged when the returned promise resolves.
   */
  readonly persist?: (op: Operation) => Promise<void>;
  /** Throws StoreUnavailableError when the store cannot serve requests (closed, journal broken). */
  readonly checkAvailable: () => void;
  /** Period of the background sweep of expired tokens; 0 disables it. */
  readonly sweepIntervalMs: number;
}

export class StateEngine {
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly state: StoreState,
    private readonly options: StateEngineOptions,
  ) {
    if (options.sweepIntervalMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs);
      // NOTE: the sweep is housekeeping; it must not keep a process (or a test run) alive.
      this.sweeper.unref();
    }
  }

  now(): number {
    return this.options.clock.now();
  }

  /** Runs a query; the answer is a deep copy. */
  read<T>(query: (state: StoreState) => T): Promise<T> {
    try {
      this.options.checkAvailable();
      return Promise.resolve(structuredClone(query(this.state)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Applies a copy of `op`; resolves with a copy of its result once it is durable. */
  write<T extends OperationType>(op: Extract<Operation, { type: T }>): Promise<OperationResult<T>> {
    try {
      this.options.checkAvailable();
      const own = structuredClone(op);
      const applied = applyOperation(this.state, own, { auditCapacity: this.options.auditCapacity });
      const value = structuredClone(applied.value);
      if (!applied.changed || this.options.persist === undefined) return Promise.resolve(value);
      return this.options.persist(own).then(() => value);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Drops expired tokens (not an operation: replaying a journal and then sweeping gives the same state). */
  sweep(): number {
    return sweepExpiredTokens(this.state, this.now());
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}
