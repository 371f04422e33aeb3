/**
 * Records ↔ Redis hashes. Hash fields are strings: booleans are "1"/"0", times decimal milliseconds,
 * string lists JSON. Decoding a hash that lacks a field yields a clear error rather than a half record.
 */
import type { OrganizationRecord, RepositoryRecord, UserRecord } from '../metadata-store.js';

export type Hash = Record<string, string>;

export function encodeUser(user: Partial<UserRecord>): string[] {
  return fields({
    username: user.username,
    email: user.email,
    passwordHash: user.passwordHash,
    active: flag(user.active),
    admin: flag(user.admin),
    createdAt: number(user.createdAt),
  });
}

export function decodeUser(hash: Hash): UserRecord {
  return {
    username: text(hash, 'username'),
    email: text(hash, 'email'),
    passwordHash: text(hash, 'passwordHash'),
    active: text(hash, 'active') === '1',
    admin: text(hash, 'admin') === '1',
    createdAt: Number(text(hash, 'createdAt')),
  };
}

export function decodeOrganization(hash: Hash, members: readonly string[]): OrganizationRecord {
  return { name: text(hash, 'name'), owner: text(hash, 'owner'), members: [...members].sort(), createdAt: Number(text(hash, 'createdAt')) };
}

export function encodeRepository(record: Partial<RepositoryRecord>): string[] {
  return fields({
    namespace: record.namespace,
    repository: record.repository,
    owner: record.owner,
    private: flag(record.private),
    description: record.description,
    collaborators: record.collaborators === undefined ? undefined : JSON.stringify(record.collaborators),
    deletePending: flag(record.deletePending),
    createdAt: number(record.createdAt),
    updatedAt: number(record.updatedAt),
  });
}

export function decodeRepository(hash: Hash): RepositoryRecord {
  return {
    namespace: text(hash, 'namespace'),
    repository: text(hash, 'repository'),
    owner: text(hash, 'owner'),
    private: text(hash, 'private') === '1',
    description: text(hash, 'description'),
    collaborators: JSON.parse(text(hash, 'collaborators')) as string[],
    deletePending: text(hash, 'deletePending') === '1',
    createdAt: Number(text(hash, 'createdAt')),
    updatedAt: Number(text(hash, 'updatedAt')),
  };
}

/** A flat `[field, value, field, value, …]` reply (HGETALL inside Lua) as an object. */
export function hashFromPairs(reply: unknown): Hash {
  if (!Array.isArray(reply)) throw new TypeError(`expected a field/value list from Redis, got ${typeof reply}`);
  const hash: Hash = {};
  for (let i = 0; i + 1 < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
  return hash;
}

/** `[field, value, …]` for the defined entries, ready for HSET. */
function fields(entries: Record<string, string | undefined>): string[] {
  return Object.entries(entries).flatMap(([field, value]) => (value === undefined ? [] : [field, value]));
}

function flag(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : value ? '1' : '0';
}

function number(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

function text(hash: Hash, field: string): string {
  const value = hash[field];
  if (value === undefined) throw new TypeError(`Redis hash is missing the field "${field}"`);
  return value;
}
