/** The Index's metrics: the shared request metrics plus tokens, validations and webhook deliveries. */
import { Counter, ServiceMetrics } from '@v1hub/shared';

export class IndexMetrics extends ServiceMetrics {
  readonly tokensIssued: Counter<'access'>;
  readonly validations: Counter<'result'>;
  readonly webhookDeliveries: Counter<'outcome'>;

  constructor() {
    super('index');
    this.tokensIssued = new Counter({ name: 'v1hub_tokens_issued_total', help: 'Tokens issued, by access', labelNames: ['access'], registers: [this.registry] });
    this.validations = new Counter({ name: 'v1hub_token_validations_total', help: 'Token validations answered for registries, by result (true/false)', labelNames: ['result'], registers: [this.registry] });
    this.webhookDeliveries = new Counter({ name: 'v1hub_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome (delivered, refused, failed)', labelNames: ['outcome'], registers: [this.registry] });
  }
}
