/** The registry's metrics: the shared request metrics plus layer bytes and the Index round trip. */
import type { Context } from 'koa';
import { Counter, Histogram, ServiceMetrics } from '@v1hub/shared';

/** Routes whose answer body is a layer. */
const LAYER_OUT_ROUTES = new Set(['getImageLayer', 'getPrivateImageLayer']);

export class RegistryMetrics extends ServiceMetrics {
  readonly layerBytes: Counter<'direction'>;
  readonly indexValidationDuration: Histogram;

  constructor() {
    super('registry');
    this.layerBytes = new Counter({ name: 'v1hub_layer_bytes_total', help: 'Layer bytes received from pushes (in) and sent to pulls (out)', labelNames: ['direction'], registers: [this.registry] });
    this.indexValidationDuration = new Histogram({ name: 'v1hub_index_validation_duration_seconds', help: 'Round trip of a registry → Index question (token validation, layer access), cache answers left out', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [this.registry] });
    // Both directions exist from the start, so a scrape before the first push already shows them (at 0).
    this.layerBytes.inc({ direction: 'in' }, 0);
    this.layerBytes.inc({ direction: 'out' }, 0);
  }

  override observeRequest(ctx: Context, seconds: number): void {
    super.observeRequest(ctx, seconds);
    const route = (ctx.state as { routeName?: string }).routeName;
    if (route === undefined || !LAYER_OUT_ROUTES.has(route) || ctx.method !== 'GET' || (ctx.status !== 200 && ctx.status !== 206)) return;
    // The whole body went out ('finish'): its declared length is what was sent. A relayed mirror answer without one is not counted.
    const length = Number(ctx.res.getHeader('Content-Length'));
    if (Number.isFinite(length) && length > 0) this.layerBytes.inc({ direction: 'out' }, length);
  }
}
