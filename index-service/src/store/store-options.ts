/** Options every MetadataStore implementation accepts. */
import type { Clock, Logger } from '@v1hub/shared';

/** The audit log keeps this many most recent events unless told otherwise. */
export const DEFAULT_AUDIT_CAPACITY = 10_000;

export interface CommonStoreOptions {
  /**
   * The time the memory and file stores use to forget expired tokens; defaults to the system clock. Pass the
   * token service's clock so that tokens issued at a fake time are not forgotten at once. (Redis expires
   * tokens by its own clock.)
   */
  readonly clock?: Clock;
  /** How many audit events to keep; defaults to DEFAULT_AUDIT_CAPACITY. */
  readonly auditCapacity?: number;
  /** Lifecycle lines (replay, compaction, connection lost and back); silent when absent. */
  readonly log?: Logger;
}
