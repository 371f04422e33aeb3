/**
 * Password hashing with scrypt (node:crypto), compared in constant time, plus a cache of verified
 * credentials: a push makes several Basic-authenticated Index calls and each would otherwise pay the KDF.
 * The cache key is a SHA-256 of the credentials (never the password itself) and an entry is only honoured
 * while the user's stored hash is unchanged, so a password change invalidates it at once.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

export interface KdfParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** ~50 ms on a laptop core: slow for guessing, fine for logins thanks to the cache. */
export const DEFAULT_KDF: KdfParams = { N: 16384, r: 8, p: 1 };
const KEYLEN = 32;

/** `scrypt$N$r$p$<salt b64>$<hash b64>` */
export async function hashPassword(password: string, params: KdfParams = DEFAULT_KDF): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, KEYLEN, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  const actual = await scrypt(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r });
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/** A bounded, time-limited memory of credentials that passed the KDF. */
export class VerifiedCredentialsCache {
  private readonly entries = new Map<string, { storedHash: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly capacity = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  private key(username: string, password: string): string {
    return crypto.createHash('sha256').update(username).update('\0').update(password).digest('base64');
  }

  /** True when these credentials were verified against exactly `storedHash` recently. */
  has(username: string, password: string, storedHash: string): boolean {
    const key = this.key(username, password);
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.expiresAt <= this.now() || entry.storedHash !== storedHash) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  remember(username: string, password: string, storedHash: string): void {
    const key = this.key(username, password);
    this.entries.delete(key);
    this.entries.set(key, { storedHash, expiresAt: this.now() + this.ttlMs });
    // Map iteration order is insertion order: the first key is the oldest.
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
