/**
 * Issues and validates `X-Docker-Token` tokens (v1-protocol.md §5). This is the heart of the Index/Registry
 * split: a registry forwards the client's `Authorization: Token …` and the Index answers true or false.
 *
 * Tokens are multi-use until they expire (registries ≥0.7 validate on every request, §5.4), bound to user,
 * repository and access, and stored under their repository in the metadata store so every Index sharing it
 * validates them and deleting a repository revokes them. Validation is a key lookup — never a scan — so it
 * costs the same with 10 live tokens as with 20 000. Every issue and validation goes to the audit trail.
 *
 * A token is a grant checked against the policy as it is *now*, on every validation: the account still
 * exists, is active and has the password it had when the token was issued, and the access policy still
 * lets that account (or anyone, for an anonymous read) do the token's access to its repository. So removing
 * a collaborator or an organisation member, making a repository private, suspending an account or changing
 * a password ends the affected tokens at once, on every Index sharing the store.
 */
import crypto from 'node:crypto';
import { formatRepoName, formatToken, maskSecret, parseAuthorization, parseRepoName, selectSingleGrant, type Access, type Logger, type RepoName } from '@v1hub/shared';
import type { AuditEvent, MetadataStore, TokenRecord, UserRecord } from '../store/metadata-store.js';
import type { AccessPolicy } from './access-policy.js';

export interface ValidateOptions {
  /** Who asked (a registry's address), for the audit trail. */
  readonly peer?: string;
  /** The access the caller needs; the token must grant exactly it. */
  readonly need?: Access;
  readonly kind?: AuditEvent['kind'];
}

/** The fingerprint stored with a token: which password hash its user had (TokenRecord.credential). */
export function credentialFingerprint(user: Pick<UserRecord, 'passwordHash'>): string {
  return crypto.createHash('sha256').update(user.passwordHash).digest('hex').slice(0, 16);
}

export interface IssuedToken {
  /** The exact `X-Docker-Token` value. */
  readonly value: string;
  readonly record: TokenRecord;
}

export type ValidationResult =
  /** `user`: the account the token was issued to, as validation found it (null for an anonymous token). */
  | { readonly valid: true; readonly token: TokenRecord; readonly user: UserRecord | null }
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

/** Who is told of each issue and validation (the Index's metrics); the domain knows no metrics library. */
export interface TokenObserver {
  issued(access: Access): void;
  validated(valid: boolean): void;
}

export class TokenService {
  private issued = 0;
  private granted = 0;
  private denied = 0;
  private readonly latencies: number[] = [];

  constructor(
    private readonly store: MetadataStore,
    private readonly policy: AccessPolicy,
    private readonly ttlMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly observer: TokenObserver | null = null,
  ) {}

  /** Mints a token (160 random bits, 40 hex characters like the Hub's, §5.1) and records it. */
  async issue(req: { user: string | null; repo: RepoName; access: Access; peer?: string }): Promise<IssuedToken> {
    const repository = formatRepoName(req.repo);
    const issuedAt = this.now();
    const account = req.user === null ? null : await this.store.users.get(req.user);
    const record: TokenRecord = {
      signature: crypto.randomBytes(20).toString('hex'),
      repository,
      access: req.access,
      user: req.user,
      issuedAt,
      expiresAt: issuedAt + this.ttlMs,
      ...(account ? { credential: credentialFingerprint(account) } : {}),
    };
    await this.store.tokens.save(record);
    this.issued++;
    this.observer?.issued(req.access);
    await this.audit({ kind: 'token-issued', user: req.user, repository, access: req.access, result: 'granted', token: maskSecret(record.signature), ...(req.peer ? { peer: req.peer } : {}) });
    return { value: formatToken(record), record };
  }

  /**
   * Answers a registry's question "is this token good for this repository?" (§5.3 step 5). The header must
   * state exactly one grant (several values of the same grant are fine, §5.1; tokens that disagree are
   * refused), for the repository asked about. That one token must be known, unexpired, its stored access
   * must equal what its text claims (so editing `access=read` into `access=write` is caught) and `need`,
   * and the policy must still allow it (see the file comment).
   */
  async validate(authorization: string | undefined, repo: RepoName, opts: ValidateOptions = {}): Promise<ValidationResult> {
    const { peer, need, kind = 'token-validated' } = opts;
    const started = process.hrtime.bigint();
    const repository = formatRepoName(repo);
    const result = await this.check(authorization, repository, need);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.recordLatency(ms);
    if (result.valid) this.granted++;
    else this.denied++;
    this.observer?.validated(result.valid);
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

  private async check(authorization: string | undefined, repository: string, need: Access | undefined): Promise<ValidationResult> {
    const parsed = parseAuthorization(authorization);
    if (!parsed.ok) return { valid: false, reason: 'malformed' };
    if (parsed.value.scheme !== 'token') return { valid: false, reason: 'not-a-token' };
    const grant = selectSingleGrant(parsed.value.tokens);
    if (!grant.ok) return { valid: false, reason: 'mixed-tokens' };
    const wire = grant.value.token;
    if (wire.repository !== repository) return { valid: false, reason: 'wrong-repository' };
    const record = await this.store.tokens.get(repository, wire.signature);
    if (!record) return { valid: false, reason: 'unknown' };
    if (record.expiresAt <= this.now()) return { valid: false, reason: 'expired' };
    if (wire.access !== record.access) return { valid: false, reason: 'access-mismatch' };
    if (need !== undefined && record.access !== need) return { valid: false, reason: 'wrong-access' };
    return this.checkPolicy(record);
  }

  /** Whether today's policy still allows what `token` grants; valid with the token's account if it does. */
  private async checkPolicy(token: TokenRecord): Promise<ValidationResult> {
    const refused = (reason: string): ValidationResult => ({ valid: false, reason });
    let user: UserRecord | null = null;
    if (token.user !== null) {
      user = await this.store.users.get(token.user);
      if (!user) return refused('account-gone');
      if (!user.active) return refused('account-inactive');
      if (token.credential !== credentialFingerprint(user)) return refused('password-changed');
    }
    const name = parseRepoName(token.repository);
    if (!name.ok) return refused('repository-gone');
    const repo = await this.store.repositories.get(name.value.namespace, name.value.repository);
    if (!repo) return refused('repository-gone');
    if (!(await this.policy.can(user, token.access, name.value.namespace, repo))) return refused('access-revoked');
    return { valid: true, token, user };
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
