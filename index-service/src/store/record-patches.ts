/**
 * Which fields a patch may change, shared by every store so that none of them lets a patch rename a user
 * or move a repository, whatever extra keys the caller's object carries.
 */
import type { RepositoryPatch, UserPatch } from './metadata-store.js';

export const USER_PATCH_FIELDS = ['email', 'passwordHash', 'active', 'admin'] as const satisfies readonly (keyof UserPatch)[];
export const REPOSITORY_PATCH_FIELDS = ['private', 'description', 'collaborators', 'deletePending'] as const satisfies readonly (keyof RepositoryPatch)[];

type Defined<T> = { -readonly [K in keyof T]?: Exclude<T[K], undefined> };

/** The allowed fields of `patch` that are set (an `undefined` field leaves the stored value alone). */
export function pickPatch<T extends object>(patch: T, fields: readonly (keyof T)[]): Defined<T> {
  const picked: Defined<T> = {};
  for (const field of fields) {
    const value = patch[field];
    if (value !== undefined) picked[field] = value as Exclude<T[typeof field], undefined>;
  }
  return picked;
}

/** Sorted, without duplicates: the stored form of members and collaborators lists. */
export function sortedUnique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}
