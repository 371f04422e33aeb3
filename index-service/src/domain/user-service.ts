/**
 * Accounts with Docker 1.x login semantics (v1-protocol.md §3.1 I3–I5, §6.1): create on POST, check on
 * GET with Basic, update with PUT. Validation follows §8 (username 4–30 `[a-z0-9_]`, password ≥ 5).
 */
import { V1Error, indexUnauthorized, invalidRequest } from '@v1hub/shared/core';
import { ConflictError, NotFoundError, type MetadataStore, type UserRecord } from '../store/metadata-store.js';
import { hashPassword, verifyPassword, VerifiedCredentialsCache, DEFAULT_KDF, type KdfParams } from './passwords.js';

const USERNAME_RE = /^[a-z0-9_]{4,30}$/;
// Deliberately simple: one '@', something on each side, a dot in the domain, no spaces.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function usernameProblem(username: string): string | null {
  return USERNAME_RE.test(username) ? null : `Invalid username (${username}): 4 to 30 characters, only [a-z0-9_]`;
}

export function passwordProblem(password: string): string | null {
  return password.length >= 5 ? null : 'Invalid password: at least 5 characters';
}

export function emailProblem(email: string): string | null {
  return email.length <= 254 && EMAIL_RE.test(email) ? null : `Invalid email address (${email})`;
}

export interface Registration {
  readonly username: string;
  readonly password: string;
  readonly email: string;
}

export class UserService {
  private readonly cache = new VerifiedCredentialsCache();
  // A fixed hash checked when the user does not exist, so a wrong username costs as much as a wrong password.
  private decoyHash: Promise<string> | null = null;

  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number = Date.now,
    private readonly kdf: KdfParams = DEFAULT_KDF,
    /** False with `--activation admin`: accounts wait for an administrator (§8: inactive ⇒ 403 until then). */
    private readonly newAccountsActive = true,
  ) {}

  /**
   * I3. Rejects USER_EXISTS (the bare-string 400 that makes Docker fall back to the GET) when the username
   * or email is taken — checked before the fields are validated, because a client logging in to an existing
   * account may send an empty or different email.
   */
  async register(body: unknown): Promise<UserRecord> {
    const fields = readRegistration(body);
    if (await this.store.users.get(fields.username)) throw new V1Error('USER_EXISTS');
    if (await this.store.organizations.get(fields.username)) throw new V1Error('USER_EXISTS');
    return this.createAccount(fields);
  }

  /** Creates an account directly (admin bootstrap, tests). Rejects USER_EXISTS or INVALID_REQUEST. */
  async createAccount(fields: Registration & { admin?: boolean }): Promise<UserRecord> {
    const problem = usernameProblem(fields.username) ?? passwordProblem(fields.password) ?? emailProblem(fields.email);
    if (problem) throw invalidRequest(problem);
    const user: UserRecord = {
      username: fields.username,
      email: fields.email,
      passwordHash: await hashPassword(fields.password, this.kdf),
      // Administrators (the bootstrap account) are active from the start, or nobody could activate anyone.
      active: fields.admin === true || this.newAccountsActive,
      admin: fields.admin ?? false,
      createdAt: this.now(),
    };
    try {
      await this.store.users.create(user);
    } catch (err) {
      if (err instanceof ConflictError) throw new V1Error('USER_EXISTS');
      throw err;
    }
    return user;
  }

  /**
   * Checks Basic credentials. Rejects 401 (challenge `Basic realm="auth required",Token`) for unknown users
   * or wrong passwords — the same answer for both — and 403 for inactive accounts (§3.1 I4).
   */
  async authenticate(username: string, password: string): Promise<UserRecord> {
    const user = username === '' ? null : await this.store.users.get(username);
    if (!user) {
      await verifyPassword(password, await this.decoy());
      throw indexUnauthorized('BAD_CREDENTIALS');
    }
    if (!this.cache.has(username, password, user.passwordHash)) {
      if (!(await verifyPassword(password, user.passwordHash))) throw indexUnauthorized('BAD_CREDENTIALS');
      this.cache.remember(username, password, user.passwordHash);
    }
    if (!user.active) throw new V1Error('ACCOUNT_INACTIVE');
    return user;
  }

  /**
   * I5: the user themself (or an admin) changes email and/or password; an admin may also set `active`
   * (activate an account waiting under `--activation admin`, or suspend one). Another user's account is a
   * 403 whether or not it exists, so the answer does not tell which usernames are taken.
   */
  async update(actor: UserRecord, username: string, body: unknown): Promise<UserRecord> {
    if (actor.username !== username && !actor.admin) throw new V1Error('FORBIDDEN', { message: 'You can only change your own account' });
    const target = await this.store.users.get(username);
    if (!target) throw new V1Error('USER_NOT_FOUND');
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('Expected a JSON object with "email" and/or "password"');
    const { email, password, active } = body as { email?: unknown; password?: unknown; active?: unknown };
    if (email === undefined && password === undefined && active === undefined) throw invalidRequest('Nothing to change: give "email" and/or "password"');
    if (email !== undefined && (typeof email !== 'string' || emailProblem(email))) throw invalidRequest(emailProblem(String(email)) ?? 'Invalid email address');
    if (password !== undefined && (typeof password !== 'string' || passwordProblem(password))) throw invalidRequest('Invalid password: at least 5 characters');
    if (active !== undefined) {
      if (typeof active !== 'boolean') throw invalidRequest('"active" must be true or false');
      if (!actor.admin) throw new V1Error('FORBIDDEN', { message: 'Only administrators activate or suspend accounts' });
      if (!active && actor.username === username) throw invalidRequest('An administrator cannot suspend their own account');
    }
    try {
      return await this.store.users.update(username, {
        ...(typeof email === 'string' ? { email } : {}),
        ...(typeof password === 'string' ? { passwordHash: await hashPassword(password, this.kdf) } : {}),
        ...(typeof active === 'boolean' ? { active } : {}),
      });
    } catch (err) {
      if (err instanceof ConflictError) throw invalidRequest('That email address belongs to another account');
      if (err instanceof NotFoundError) throw new V1Error('USER_NOT_FOUND');
      throw err;
    }
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword('decoy password', this.kdf);
    return this.decoyHash;
  }
}

function readRegistration(body: unknown): Registration {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('Expected a JSON object with "username", "password" and "email"');
  const { username, password, email } = body as Record<string, unknown>;
  if (typeof username !== 'string' || username === '') throw invalidRequest('Missing "username"');
  if (typeof password !== 'string') throw invalidRequest('Missing "password"');
  return { username, password, email: typeof email === 'string' ? email : '' };
}
