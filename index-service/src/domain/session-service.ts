/**
 * Web UI sessions: sign-in gives the browser a random cookie value, and the store keeps only its sha256
 * (store/metadata-store.ts SessionRecord). A session ends at sign-out, at expiry, when the account is
 * deactivated, and when its password changes (the credential fingerprint no longer matches), exactly as
 * tokens do. The Docker wire API never reads sessions: it keeps its Basic and Token schemes.
 */
import crypto from 'node:crypto';
import type { MetadataStore, SessionRecord, UserRecord } from '../store/metadata-store.js';
import { credentialFingerprint } from './token-service.js';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface ActiveSession {
  readonly session: SessionRecord;
  readonly user: UserRecord;
}

function randomValue(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function sessionId(cookie: string): string {
  return crypto.createHash('sha256').update(cookie).digest('hex');
}

/** Equal-length constant-time comparison of two form tokens (a mismatch in length is simply false). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export class SessionService {
  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number = Date.now,
    readonly ttlMs = SESSION_TTL_MS,
  ) {}

  /** A new session for `user`; returns the cookie value to hand the browser (never stored). */
  async start(user: UserRecord): Promise<{ cookie: string; session: SessionRecord }> {
    const cookie = randomValue();
    const now = this.now();
    const session: SessionRecord = {
      id: sessionId(cookie),
      username: user.username,
      csrf: randomValue(),
      credential: credentialFingerprint(user),
      createdAt: now,
      expiresAt: now + this.ttlMs,
    };
    await this.store.sessions.save(session);
    return { cookie, session };
  }

  /** The live session a cookie value names, with its account; null when it names none that still holds. */
  async resolve(cookie: string): Promise<ActiveSession | null> {
    if (cookie === '') return null;
    const session = await this.store.sessions.get(sessionId(cookie));
    if (!session || session.expiresAt <= this.now()) return null;
    const user = await this.store.users.get(session.username);
    if (!user || !user.active || !sameSecret(credentialFingerprint(user), session.credential)) return null;
    return { session, user };
  }

  async end(cookie: string): Promise<void> {
    if (cookie !== '') await this.store.sessions.delete(sessionId(cookie));
  }

  /** A fresh form token for a visitor who is not signed in (kept in its own cookie, checked by double submit). */
  newFormToken(): string {
    return randomValue();
  }
}
