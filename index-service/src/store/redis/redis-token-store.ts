/**
 * Tokens, Web UI sessions and the audit log in Redis. A token is one string key under its repository's hash tag, expiring
 * at `expiresAt`; it is found by that key alone (one GET), never by KEYS or SCAN. The repository's
 * `:tokens` sorted set lets revokeAll and repository deletion find every token by key too.
 */
import { NotFoundError, type AuditEvent, type AuditLog, type SessionRecord, type SessionStore, type TokenRecord, type TokenStore } from '../metadata-store.js';
import { execMulti, guard, type RedisContext } from './redis-support.js';
import { revokeTokens, saveToken } from './scripts.js';

export function createRedisTokenStore({ client, keys }: RedisContext): TokenStore {
  return {
    save: (token) =>
      guard(async () => {
        const repo = keys.repository(token.repository);
        // PXAT takes whole milliseconds; rounding up never forgets a token early.
        const expiresAt = Math.ceil(token.expiresAt);
        const saved = await saveToken.run(client, [repo.meta, repo.tokens, repo.token(token.signature)], [JSON.stringify(token), expiresAt, token.signature]);
        if (saved !== 1) throw new NotFoundError('repository', token.repository);
      }),

    get: (repository, signature) =>
      guard(async () => {
        const json = await client.get(keys.repository(repository).token(signature));
        return json === null ? null : (JSON.parse(json) as TokenRecord);
      }),

    delete: (repository, signature) =>
      guard(async () => {
        const repo = keys.repository(repository);
        await execMulti(client.multi().del(repo.token(signature)).zrem(repo.tokens, signature));
      }),

    revokeAll: (repository) =>
      guard(async () => {
        const repo = keys.repository(repository);
        return Number(await revokeTokens.run(client, [repo.tokens], [repo.tokenPrefix]));
      }),
  };
}

/** A session is one string key expiring with it: Redis forgets it on time, so no sweep is needed. */
export function createRedisSessionStore({ client, keys }: RedisContext): SessionStore {
  return {
    save: (session) =>
      guard(async () => {
        await client.set(keys.session(session.id), JSON.stringify(session), 'PXAT', Math.ceil(session.expiresAt));
      }),

    get: (id) =>
      guard(async () => {
        const json = await client.get(keys.session(id));
        return json === null ? null : (JSON.parse(json) as SessionRecord);
      }),

    delete: (id) =>
      guard(async () => {
        await client.del(keys.session(id));
      }),
  };
}

export function createRedisAuditLog({ client, keys }: RedisContext, capacity: number): AuditLog {
  return {
    append: (event) =>
      guard(async () => {
        await execMulti(client.multi().lpush(keys.audit(), JSON.stringify(event)).ltrim(keys.audit(), 0, capacity - 1));
      }),

    list: (limit) =>
      guard(async () => {
        const count = Math.min(Math.max(0, Math.floor(limit)), capacity);
        if (count === 0) return [];
        const lines = await client.lrange(keys.audit(), 0, count - 1);
        return lines.map((line) => JSON.parse(line) as AuditEvent);
      }),
  };
}
