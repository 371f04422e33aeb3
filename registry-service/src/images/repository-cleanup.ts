/**
 * What a repository delete removes beyond its tags (workflows.md C4: "deletes the repository and everything
 * that belongs to it"). v1 image ids are global and repositories share ancestors, so an image goes only when
 * no remaining repository's tags reach it through their ancestry.
 *
 * LEGACY: docker-registry's delete (R19) removed tags and the repository directory and kept every image;
 * v1hub also collects the images nothing else references. Images still being uploaded (marker present) are
 * never touched: they may belong to a push in flight. A push of another repository that reuses one of these
 * images at the very moment of the delete can still lose it (it saw "Image already exists" just before);
 * re-pushing restores it.
 */
import { formatRepoName, sameRepo, type RepoName } from '@v1hub/shared';
import type { ImageStore } from './image-store.js';
import type { TagStore } from '../tags/tag-store.js';

/** Ids the repository's tags (and the fake index's list) reach, collected before the delete. */
export async function imagesOfRepository(tags: TagStore, images: ImageStore, repo: RepoName): Promise<Set<string>> {
  const ids = new Set<string>();
  const tagged = await tags.list(repo).catch(() => ({}) as Record<string, string>);
  for (const id of Object.values(tagged)) for (const ancestor of await images.getAncestry(id).catch(() => [id])) ids.add(ancestor);
  for (const entry of (await tags.getIndexImages(repo)) ?? []) ids.add(entry.id);
  return ids;
}

/** Every id some repository's tags (or fake-index list) reach, leaving out `except`'s. */
export async function referencedImages(tags: TagStore, images: ImageStore, except: RepoName | null = null): Promise<Set<string>> {
  const referenced = new Set<string>();
  for (const repo of await tags.listRepositories()) {
    if (except !== null && sameRepo(repo, except)) continue;
    for (const id of await imagesOfRepository(tags, images, repo)) referenced.add(id);
  }
  return referenced;
}

/** Removes the `candidates` no other repository reaches; returns the ids removed. */
export async function removeUnreferencedImages(tags: TagStore, images: ImageStore, deleted: RepoName, candidates: ReadonlySet<string>): Promise<string[]> {
  if (candidates.size === 0) return [];
  const referenced = await referencedImages(tags, images, deleted);
  const removed: string[] = [];
  for (const id of candidates) {
    if (referenced.has(id) || !(await images.isComplete(id))) continue;
    await images.delete(id);
    removed.push(id);
  }
  return removed;
}

export function describeCleanup(repo: RepoName, removed: readonly string[]): Record<string, unknown> {
  return { repository: formatRepoName(repo), imagesRemoved: removed.length };
}
