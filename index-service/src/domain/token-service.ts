/**
 * Issues and validates `X-Docker-Token` tokens (v1-protocol.md §5). This is the heart of the Index/Registry
 * split: a registry forwards the client's `Authorization: Token …` and the Index answers true or false.
 *
 * Tokens are multi-use until they expire (registries ≥0.7 validate on every request, §5.4), bound to user,
 * repository and access, and stored under their repository in the metadata store so every Index sharing it
 * validates them and deleting a repository revokes them. Validation is a key lookup — never a scan — so it
 * costs the same with 10 live tokens as with 20 000. Every issue and validation goes to the audit trail.
 */
import crypto from 'node:crypto';
import { formatRepoName, formatToken, maskSecret, parseAuthorization, type Access, type Logger, type RepoName } from '@v1hub/shared';
import type { AuditEvent, MetadataStore, TokenRecord } from '../store/metadata-store.js';

export interface IssuedToken {
  /** The exact `X-Docker-Token` value. */
  readonly value: string;
  readonly record: TokenRecord;
}

export type ValidationResult =
  | { readonly valid: true; readonly token: TokenRecord }
  | { readonly valid: false; readonly reason: string };

/** Counters for `/v1/_admin/stats` and the scenarios. */
export interface TokenStats {
  issued: number;
  validationsGranted: number;
  validationsDenied: number;
  /** Validation latency in milliseconds over the recent window. */
  latency: { count: number; meanMs: number; p50Ms: number; p99Ms: number; maxMs: number };
}

const LATENCY_WINDOW = 1024;

export class TokenService {
  private issued = 0;
  private granted = 0;
  private denied = 0;
  private readonly latencies: number[] = [];

  constructor(
    private readonly store: MetadataStore,
    private readonly ttlMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Mints a token (160 random bits, 40 hex characters like the Hub's, §5.1) and records it. */
  async issue(req: { user: string | null; repo: RepoName; access: Access; peer?: string }): Promise<IssuedToken> {
    const repository = formatRepoName(req.repo);
    const issuedAt = this.now();
    const record: TokenRecord = {
      signature: crypto.randomBytes(20).toString('hex'),
      repository,
      access: req.access,
      user: req.user,
      issuedAt,
      expiresAt: issuedAt + this.ttlMs,
    };
    await this.store.tokens.save(record);
    this.issued++;
    await this.audit({ kind: 'token-issued', user: req.user, repository, access: req.access, result: 'granted', token: maskSecret(record.signature), ...(req.peer ? { peer: req.peer } : {}) });
    return { value: formatToken(record), record };
  }

  /**
   * Answers a registry's question "is this token good for this repository?" (§5.3 step 5). Valid when one of
   * the presented tokens is known, unexpired, and its stored repository and access equal what the token text
   * claims (so editing `access=read` into `access=write` is caught) and the repository asked about.
   */
  async validate(authorization: string | undefined, repo: RepoName, peer?: string, kind: AuditEvent['kind'] = 'token-validated'): Promise<ValidationResult> {
    const started = process.hrtime.bigint();
    const repository = formatRepoName(repo);
    const result = await this.check(authorization, repository);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.recordLatency(ms);
    if (result.valid) this.granted++;
    else this.denied++;
    const claimed = result.valid ? result.token : null;
    // NOTE: not awaited — the audit write stays off the validation's critical path (a file store fsyncs).
    void this.audit({
      kind,
      user: claimed?.user ?? null,
      repository,
      access: claimed?.access ?? null,
      result: result.valid ? 'granted' : 'denied',
      ...(result.valid ? { token: maskSecret(result.token.signature) } : { reason: result.reason }),
      ...(peer ? { peer } : {}),
      ms: Math.round(ms * 100) / 100,
    });
    this.log.info('token validation', { repository, result: result.valid ? 'true' : 'false', reason: result.valid ? undefined : result.reason, peer, ms: Math.round(ms * 100) / 100 });
    return result;
  }

  private async check(authorization: string | undefined, repository: string): Promise<ValidationResult> {
    const parsed = parseAuthorization(authorization);
    if (!parsed.ok) return { valid: false, reason: 'malformed' };
    if (parsed.value.scheme !== 'token') return { valid: false, reason: 'not-a-token' };
    let reason = 'wrong-repository';
    for (const wire of parsed.value.tokens) {
      if (wire.repository !== repository) continue;
      const record = await this.store.tokens.get(repository, wire.signature);
      if (!record) {
        reason = 'unknown';
        continue;
      }
      if (record.expiresAt <= this.now()) {
        reason = 'expired';
        continue;
      }
      if (wire.access !== record.access) {
        reason = 'access-mismatch';
        continue;
      }
      return { valid: true, token: record };
    }
    return { valid: false, reason };
  }

  /** Consumes a token (spec delete flow, I11: "the Index invalidates the token"). */
  async revoke(token: TokenRecord): Promise<void> {
    await this.store.tokens.delete(token.repository, token.signature);
    await this.audit({ kind: 'token-revoked', user: token.user, repository: token.repository, access: token.access, result: 'granted', token: maskSecret(token.signature) });
  }

  /** Records that every token of a repository was revoked (the store already removed them with the repository). */
  async recordRepositoryRevocation(repository: string, user: string | null, count: number): Promise<void> {
    await this.audit({ kind: 'token-revoked', user, repository, access: null, result: 'granted', reason: `repository deleted, ${count} token(s) revoked` });
  }

  stats(): TokenStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pick = (q: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : 0);
    const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0;
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      issued: this.issued,
      validationsGranted: this.granted,
      validationsDenied: this.denied,
      latency: { count: sorted.length, meanMs: round(mean), p50Ms: round(pick(0.5)), p99Ms: round(pick(0.99)), maxMs: round(sorted.at(-1) ?? 0) },
    };
  }

  private recordLatency(ms: number): void {
    this.latencies.push(ms);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
  }

  private async audit(event: Omit<AuditEvent, 'time'>): Promise<void> {
    try {
      await this.store.audit.append({ time: this.now(), ...event });
    } catch (err) {
      // NOTE: a lost audit line must not fail the request that caused it; it is logged instead.
      this.log.warn('audit append failed', { err, kind: event.kind, repository: event.repository });
    }
  }
}
