/**
 * Bounded exponential backoff, one of the shim's improvements over Docker 1.x (which retried only image
 * json and layer GETs, with fixed linear delays, v1-protocol.md §6.2 steps 3.2–3.3).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How often and how patiently a failed call is repeated. */
export interface RetryPolicy {
  /** Extra attempts after the first one (0 = no retry). */
  readonly retries: number;
  /** Delay before the first retry; doubled on each further retry. */
  readonly baseDelayMs: number;
  /** Upper bound of any single delay. */
  readonly maxDelayMs: number;
}

/** 3 retries: 200 ms, 400 ms, 800 ms. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Fills a partial policy with the defaults and clamps it to sane bounds (at most 10 retries). */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const retries = Math.min(10, Math.max(0, Math.floor(partial.retries ?? DEFAULT_RETRY_POLICY.retries)));
  const baseDelayMs = Math.max(0, partial.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs);
  const maxDelayMs = Math.max(baseDelayMs, partial.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs);
  return { retries, baseDelayMs, maxDelayMs };
}

/** The delay before retry number `retry` (1-based): base · 2^(retry−1), capped. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
}

/** Waits the backoff delay of retry number `retry`; rejects early when `signal` aborts. */
export async function waitBeforeRetry(policy: RetryPolicy, retry: number, signal?: AbortSignal): Promise<void> {
  const ms = backoffDelay(policy, retry);
  if (ms > 0) await sleep(ms, undefined, signal ? { signal } : {});
}

/** True for statuses worth another try: every 5xx (a registry restarting, a proxy in trouble). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status <= 599;
}
