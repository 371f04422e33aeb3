/**
 * Webhooks (Docker Hub style): each repository's hooks (added by its owners) and the global `--webhook` URLs
 * are told of pushes, deletions and new repositories. A delivery is queued in the metadata store — so it
 * survives a restart, and Indexes sharing a Redis share one queue — then sent by whichever Index claims it:
 * POSTed with an HMAC-SHA256 signature of the body (repository hooks), retried with exponential backoff on an
 * error, a non-2xx answer or a timeout, and every try recorded. Nothing of it is on a client's path: a push
 * waits only for the queue write, never for a receiver.
 */
import crypto from 'node:crypto';
import dns from 'node:dns';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { requestText, type Logger } from '@v1hub/shared';
import type { DeliveryRecord, MetadataStore, WebhookEvent } from '../store/metadata-store.js';

export interface RepositoryEvent {
  readonly event: WebhookEvent;
  readonly repository: string;
  readonly user: string | null;
  /** ISO-8601. */
  readonly time: string;
  /** Push: the tags the push set and the images it declared. */
  readonly tags?: readonly { readonly tag: string; readonly image: string }[];
  readonly images?: readonly string[];
  /** Tag: which tag, what it names now (null once deleted), and what happened. */
  readonly tag?: string;
  readonly image?: string | null;
  readonly action?: 'set' | 'delete';
}

export type DeliveryOutcome = 'delivered' | 'refused' | 'failed';

export interface WebhookOptions {
  readonly now?: () => number;
  /** Told each try's outcome (the Index's metrics). */
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  readonly timeoutMs?: number;
  /** The first retry waits this long, each later one twice as long, up to MAX_BACKOFF_MS. */
  readonly backoffMs?: number;
  readonly maxAttempts?: number;
  readonly pollMs?: number;
  /** Allow hooks to loopback, private and link-local addresses (off: an owner could aim the Index at its own network). */
  readonly allowPrivateTargets?: boolean;
}

export const SIGNATURE_HEADER = 'X-V1hub-Signature';
/** The hook id of deliveries to the `--webhook` URLs. */
export const GLOBAL_HOOK = 'global';
const MAX_BACKOFF_MS = 5 * 60_000;
const LEASE_MS = 60_000;
const CLAIM_BATCH = 16;

/** Addresses a hook may not reach unless private targets are allowed. */
const PRIVATE = new net.BlockList();
for (const [prefix, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) PRIVATE.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['::ffff:0:0', 96]] as const) PRIVATE.addSubnet(prefix, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  return PRIVATE.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

/** A DNS lookup that refuses private answers: checked when connecting, so a name that changes its answer later cannot slip past. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: false }, (err, address, family) => {
    if (err) return callback(err, '', 0);
    if (isPrivateAddress(address as string)) return callback(Object.assign(new Error(`${hostname} resolves to a private address (${address}): refused`), { code: 'EPRIVATE' }), '', 0);
    callback(null, address as string, family);
  });
};

export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  readonly maxAttempts: number;
  private readonly pollMs: number;
  private readonly allowPrivate: boolean;

  constructor(
    private readonly store: MetadataStore,
    private readonly globalUrls: readonly string[],
    private readonly log: Logger,
    private readonly options: WebhookOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.backoffMs = options.backoffMs ?? 1_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.pollMs = options.pollMs ?? 1_000;
    this.allowPrivate = options.allowPrivateTargets ?? false;
  }

  /** Starts sending what the queue holds (also what an earlier run left). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.pollMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** A hook URL the Index may call, or the reason it may not. */
  async targetProblem(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `not a URL: ${url}`;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'a hook URL is http:// or https://';
    if (parsed.username || parsed.password) return 'a hook URL carries no credentials: use the signature to authenticate the Index';
    if (this.allowPrivate) return null;
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    const addresses = net.isIP(host) ? [host] : await dns.promises.lookup(host, { all: true }).then((all) => all.map((a) => a.address), () => []);
    if (addresses.length === 0) return `${host} does not resolve`;
    if (addresses.some(isPrivateAddress)) return `${host} is a private address: hooks go to public receivers (start the Index with --webhook-private-targets to allow them)`;
    return null;
  }

  /**
   * Queues the event for every global URL and every hook of the repository subscribed to it, then sends at
   * once what is due. Never throws: a queue that cannot be written is logged, and the request goes on.
   */
  async notify(event: RepositoryEvent): Promise<void> {
    try {
      const body = JSON.stringify(event);
      const hooks = (await this.store.webhooks.list(event.repository)).filter((hook) => hook.events.includes(event.event));
      const targets = [
        ...this.globalUrls.map((url) => ({ hookId: GLOBAL_HOOK, url, signature: null as string | null })),
        ...hooks.map((hook) => ({ hookId: hook.id, url: hook.url, signature: signBody(hook.secret, body) })),
      ];
      for (const target of targets) {
        const id = crypto.randomBytes(12).toString('hex');
        const now = this.now();
        await this.store.webhooks.enqueue({
          id,
          hookId: target.hookId,
          repository: event.repository,
          url: target.url,
          event: event.event,
          body,
          headers: { 'Content-Type': 'application/json', 'User-Agent': 'v1hub-index', 'X-V1hub-Event': event.event, 'X-V1hub-Delivery': id, ...(target.signature ? { [SIGNATURE_HEADER]: target.signature } : {}) },
          createdAt: now,
          state: 'pending',
          nextAt: now,
          attempts: [],
        });
      }
      if (targets.length > 0) void this.runOnce();
    } catch (err) {
      this.log.warn('webhook event not queued', { event: event.event, repository: event.repository, error: (err as Error).message });
    }
  }

  /** Claims what is due and sends it; resolves with how many were tried. One round at a time. */
  runOnce(): Promise<number> {
    this.running ??= this.round().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async round(): Promise<number> {
    let claimed: DeliveryRecord[];
    try {
      claimed = await this.store.webhooks.claimDue(this.now(), LEASE_MS, CLAIM_BATCH);
    } catch (err) {
      this.log.warn('webhook queue unavailable', { error: (err as Error).message });
      return 0;
    }
    await Promise.all(claimed.map((delivery) => this.track(this.attempt(delivery))));
    return claimed.length;
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    const started = this.now();
    const t0 = process.hrtime.bigint();
    let status = 0;
    let error: string | undefined;
    try {
      const res = await requestText(delivery.url, {
        method: 'POST',
        headers: { ...delivery.headers, 'X-V1hub-Attempt': String(delivery.attempts.length + 1) },
        body: delivery.body,
        timeoutMs: this.timeoutMs,
        // A repository owner's hook may not reach private addresses; the operator's own --webhook URLs may.
        ...(this.allowPrivate || delivery.hookId === GLOBAL_HOOK ? {} : { lookup: publicLookup }),
      });
      status = res.status;
      if (status < 200 || status >= 300) error = `answered ${status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    const ms = Math.round(Number(process.hrtime.bigint() - t0) / 1e5) / 10;
    const delivered = error === undefined;
    const tries = delivery.attempts.length + 1;
    this.options.onOutcome?.(delivered ? 'delivered' : status === 0 ? 'failed' : 'refused');
    const next = delivered
      ? { state: 'delivered' as const }
      : tries >= this.maxAttempts
        ? { state: 'failed' as const }
        : { state: 'pending' as const, nextAt: this.now() + Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** (tries - 1)) };
    try {
      await this.store.webhooks.recordAttempt(delivery.id, { at: started, status, ms, ...(error ? { error } : {}) }, next);
    } catch (err) {
      // The lease runs out and the delivery is tried again: at least once, never lost.
      this.log.warn('webhook try not recorded', { delivery: delivery.id, error: (err as Error).message });
    }
    if (delivered) this.log.debug('webhook delivered', { url: delivery.url, event: delivery.event, status, tries });
    else this.log.warn(next.state === 'failed' ? 'webhook given up' : 'webhook failed, will retry', { url: delivery.url, event: delivery.event, status, tries, error });
  }

  /** Resolves when nothing due now is left to send and nothing is in flight (retries scheduled later excepted). */
  async drain(): Promise<void> {
    for (;;) {
      await Promise.all([...this.inFlight]);
      if ((await this.runOnce()) === 0 && this.inFlight.size === 0) return;
    }
  }

  /** Stops claiming and waits for the tries in flight (shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await Promise.all([...this.inFlight]);
  }
}
