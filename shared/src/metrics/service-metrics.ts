/**
 * The metrics both services expose at `GET /metrics` (cli.md "Operations"), through prom-client: one
 * registry per service instance (the Index and a registry may share a process, as in `v1hub up` and the
 * tests), process metrics included. `route` is always a route-table name (`unmatched` for a path no route
 * mounts), never a raw path, so image ids and repository names never become label values.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Context } from 'koa';

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Seconds; from a cheap ping to a multi-GiB layer. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'service' | 'route' | 'method' | 'status'>;
  readonly duration: Histogram<'service' | 'route'>;
  readonly storeErrors: Counter<'store'>;

  constructor(readonly service: 'index' | 'registry') {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'v1hub_http_requests_total', help: 'HTTP requests answered, by route name, method and status', labelNames: ['service', 'route', 'method', 'status'], registers: [this.registry] });
    this.duration = new Histogram({ name: 'v1hub_http_request_duration_seconds', help: 'Time from a request\'s arrival to the end of its answer, by route name', labelNames: ['service', 'route'], buckets: DURATION_BUCKETS, registers: [this.registry] });
    this.storeErrors = new Counter({ name: 'v1hub_store_errors_total', help: 'Requests failed because a backend did not answer (metadata store or layer storage)', labelNames: ['store'], registers: [this.registry] });
  }

  /**
   * The labelled children of each (route, method, status) seen, made once: prom-client hashes a label object
   * on every call otherwise, and this runs for every request, registry → Index validations included.
   */
  private readonly children = new Map<string, { readonly count: { inc(): void }; readonly time: { observe(v: number): void } }>();

  /** Called once per answered request (not for a client that went away before the answer). */
  observeRequest(ctx: Context, seconds: number): void {
    const route = (ctx.state as { routeName?: string }).routeName ?? 'unmatched';
    const key = `${route} ${ctx.method} ${ctx.status}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = { count: this.requests.labels(this.service, route, ctx.method, String(ctx.status)), time: this.duration.labels(this.service, route) };
      this.children.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Counts every request into `metrics` when its answer is complete. */
export function httpMetrics(metrics: ServiceMetrics) {
  return async function countRequest(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    const started = process.hrtime.bigint();
    ctx.res.once('finish', () => metrics.observeRequest(ctx, Number(process.hrtime.bigint() - started) / 1e9));
    await next();
  };
}
