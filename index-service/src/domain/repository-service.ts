/**
 * Repositories on the Index: allocation on push (I6), image lists (I8/I9, merge rules §3.2 item 3), the
 * two-call delete flow (I7/I7b, §6.4), privacy, descriptions, collaborators and stars.
 */
import { I12_MAX_REPOSITORIES, LIBRARY_NAMESPACE, V1Error, formatRepoName, indexUnauthorized, invalidRequest, isRegistryImageId, isValidTag, parseRepoName, type RepoName } from '@v1hub/shared';
import { mergeImageLists } from '../store/image-list-merge.js';
import { NotFoundError, type ImageEntry, type MetadataStore, type RepositoryRecord, type UserRecord } from '../store/metadata-store.js';
import type { AccessPolicy, RepoAction } from './access-policy.js';

/**
 * A push whose I9 has not come this long after its I6 is abandoned: the next push starts afresh instead of
 * adding to its list. Its ids were never listed to anyone who could not write the repository.
 */
export const ABANDONED_PUSH_MS = 24 * 60 * 60 * 1000;

/**
 * Parses the I6/I9 body: a JSON list of `{"id": <16 or 64 hex>, "Tag"?: <tag>, "checksum"?: <string>}`. The id
 * rule is the registry's (§8, since docker-registry 0.9.1), so an id one service takes the other takes too. Other keys
 * are kept, since the first list is stored verbatim (§3.2 item 3); an empty or null checksum counts as none.
 */
export function readImageList(body: unknown): ImageEntry[] {
  if (!Array.isArray(body)) throw invalidRequest('Expected a JSON list of images: [{"id": "<16 or 64 hex>", "Tag": "<tag>"}]');
  return body.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalidRequest(`Image #${i}: expected an object with "id"`);
    const { id, Tag, checksum } = item as Record<string, unknown>;
    if (typeof id !== 'string' || !isRegistryImageId(id)) throw invalidRequest(`Image #${i}: "id" must be 16 or 64 lowercase hex characters`);
    if (Tag !== undefined && (typeof Tag !== 'string' || !isValidTag(Tag))) throw invalidRequest(`Image #${i}: invalid "Tag"`);
    if (checksum !== undefined && checksum !== null && typeof checksum !== 'string') throw invalidRequest(`Image #${i}: "checksum" must be a string`);
    const { checksum: _unusable, ...rest } = item as Record<string, unknown>;
    return { ...rest, id, ...(typeof checksum === 'string' && checksum !== '' ? { checksum } : {}) };
  });
}

/** Each id once, its first entry kept whole (the first list is stored verbatim, §3.2 item 3). */
function firstOfEachId(entries: readonly ImageEntry[]): ImageEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => !seen.has(entry.id) && Boolean(seen.add(entry.id)));
}

export class RepositoryService {
  constructor(
    private readonly store: MetadataStore,
    private readonly policy: AccessPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async get(name: RepoName): Promise<RepositoryRecord | null> {
    return this.store.repositories.get(name.namespace, name.repository);
  }

  /** Rejects REPOSITORY_NOT_FOUND when absent. */
  async require(name: RepoName): Promise<RepositoryRecord> {
    const repo = await this.get(name);
    if (!repo) throw new V1Error('REPOSITORY_NOT_FOUND');
    return repo;
  }

  /**
   * Rejects 403 when `user` may not do `action`, 401 when nobody is logged in. With `deniedReadIs401` (the
   * pull's GET images) a refused read is a 401 whoever asks: "GET images needs valid Basic for a user with
   * read access, else 401" (§3.2 item 5), and a 401 is what makes a client offer other credentials.
   */
  async authorize(user: UserRecord | null, action: RepoAction, name: RepoName, repo: RepositoryRecord | null, opts: { deniedReadIs401?: boolean } = {}): Promise<void> {
    if (await this.policy.can(user, action, name.namespace, repo)) return;
    if (action === 'read' && opts.deniedReadIs401) {
      throw indexUnauthorized('UNAUTHORIZED', user ? `${user.username} may not read ${formatRepoName(name)}` : undefined);
    }
    // Someone who may not even read a repository learns nothing of it: the answer a missing one gets.
    if (repo !== null && !(await this.policy.can(user, 'read', name.namespace, repo))) throw new V1Error('REPOSITORY_NOT_FOUND');
    if (!user) throw indexUnauthorized();
    if (name.namespace === LIBRARY_NAMESPACE && action !== 'read') {
      throw new V1Error('FORBIDDEN', { message: `The library namespace is reserved for official images; only administrators may ${action} there` });
    }
    throw new V1Error('FORBIDDEN', { message: `${user.username} may not ${action} ${formatRepoName(name)}` });
  }

  async can(user: UserRecord | null, action: RepoAction, name: RepoName, repo: RepositoryRecord | null): Promise<boolean> {
    return this.policy.can(user, action, name.namespace, repo);
  }

  /**
   * I6: allocates (or re-opens) the repository for a push and remembers the declared ids as the push in
   * progress. A stranger's I6 on an existing repository it may not read gets the 403 a missing one gets.
   */
  async allocateForPush(user: UserRecord, name: RepoName, images: readonly ImageEntry[]): Promise<{ record: RepositoryRecord; created: boolean }> {
    const existing = await this.get(name);
    const visible = existing !== null && (await this.policy.can(user, 'read', name.namespace, existing)) ? existing : null;
    await this.authorize(user, 'write', name, visible);
    const now = this.now();
    let repo = existing;
    let created = false;
    if (!repo) {
      ({ record: repo, created } = await this.store.repositories.create({
        namespace: name.namespace,
        repository: name.repository,
        owner: user.username,
        private: false,
        description: '',
        collaborators: [],
        deletePending: false,
        createdAt: now,
        updatedAt: now,
      }));
    } else if (repo.deletePending) {
      // A push after the first delete call but before the purge revives the repository.
      repo = await this.store.repositories.update(name.namespace, name.repository, { deletePending: false }, now);
    }
    // Concurrent pushes of one repository (two writers, or one client's retry) share the declared list; the
    // first repository to declare an id is the one that may upload it (image ids are global).
    await this.store.repositories.addPending(name.namespace, name.repository, images, user.username, now, now - ABANDONED_PUSH_MS);
    await this.store.repositories.claimImages(formatRepoName(name), images.map((entry) => entry.id));
    return { record: repo, created };
  }

  /**
   * A first v2 push (a token asked with push): the repository is created at the Index, owned by `user`, with
   * no push in progress (v2 has no I6/I9 pair to end one). Refused exactly as a v1 push would be. For a caller
   * that found no repository: if a racing push created it meanwhile, that one is returned unchanged (whoever
   * may write a new repository of a namespace owns the namespace, so may do anything to the one found).
   */
  async createForV2Push(user: UserRecord, name: RepoName): Promise<RepositoryRecord> {
    await this.authorize(user, 'write', name, null);
    const now = this.now();
    const { record } = await this.store.repositories.create({ namespace: name.namespace, repository: name.repository, owner: user.username, private: false, description: '', collaborators: [], deletePending: false, createdAt: now, updatedAt: now });
    return record;
  }

  /**
   * I9: the push's declared ids join the image list (the first list verbatim, §3.2 item 3), then `images`.
   * Returns the stored list and what the push declared (the push webhook says which tags and images).
   */
  async completePush(name: RepoName, images: readonly ImageEntry[]): Promise<{ list: ImageEntry[]; declared: readonly ImageEntry[] }> {
    await this.require(name);
    const pending = await this.store.repositories.takePending(name.namespace, name.repository);
    if (pending) await this.mergeImages(name, firstOfEachId(pending.images));
    return { list: await this.mergeImages(name, images), declared: pending?.images ?? [] };
  }

  async mergeImages(name: RepoName, images: readonly ImageEntry[]): Promise<ImageEntry[]> {
    try {
      return await this.store.repositories.mergeImages(name.namespace, name.repository, images);
    } catch (err) {
      if (err instanceof NotFoundError) throw new V1Error('REPOSITORY_NOT_FOUND');
      throw err;
    }
  }

  /**
   * The stored image list; with `includePending`, as it will be once the push in progress completes (only
   * for those who may write the repository). REPOSITORY_NOT_FOUND when the repository is unknown.
   */
  async listImages(name: RepoName, opts: { includePending?: boolean } = {}): Promise<ImageEntry[]> {
    const images = await this.store.repositories.listImages(name.namespace, name.repository);
    if (images === null) throw new V1Error('REPOSITORY_NOT_FOUND');
    if (!opts.includePending) return images;
    const pending = await this.store.repositories.getPending(name.namespace, name.repository);
    return pending ? mergeImageLists(images.length === 0 ? null : images, firstOfEachId(pending.images)) : images;
  }

  /**
   * What a registry asking with a write token may upload (R5's "belongs to the repository"): the stored list,
   * and the ids the push in progress declared that this repository claimed first — or whose first claimant
   * is gone, or is a repository `user` may write. An id someone else declared first is not the pusher's to
   * upload: nobody can complete, on any registry, an image another repository's push declared.
   */
  async uploadableImages(name: RepoName, user: UserRecord | null): Promise<ImageEntry[]> {
    const stored = await this.listImages(name);
    const pending = await this.store.repositories.getPending(name.namespace, name.repository);
    if (!pending) return stored;
    const own = formatRepoName(name);
    const claims = await this.store.repositories.imageClaims(pending.images.map((entry) => entry.id));
    const mayUpload = new Map<string, boolean>();
    const allowed: ImageEntry[] = [];
    for (const entry of firstOfEachId(pending.images)) {
      const claimant = claims[entry.id] ?? own;
      if (!mayUpload.has(claimant)) mayUpload.set(claimant, claimant === own || (await this.claimantYields(claimant, user)));
      if (mayUpload.get(claimant)) allowed.push(entry);
    }
    return mergeImageLists(stored.length === 0 ? null : stored, allowed);
  }

  /** I12's legacy question (no holders named): is the id in the repository's list, and not someone else's? */
  async listedAndOwn(name: RepoName, user: UserRecord | null, imageId: string): Promise<boolean> {
    if (!(await this.listImages(name)).some((image) => image.id === imageId)) return false;
    const claimant = (await this.store.repositories.imageClaims([imageId]))[imageId];
    return claimant === undefined || claimant === formatRepoName(name) || (await this.mayReadAny(user, [claimant]));
  }

  /** A claim gives way when its repository is gone, or `user` may write it. */
  private async claimantYields(claimant: string, user: UserRecord | null): Promise<boolean> {
    const name = parseRepoName(claimant);
    if (!name.ok) return true;
    const repo = await this.get(name.value);
    return repo === null || (await this.policy.can(user, 'write', name.value.namespace, repo));
  }

  /** I12 with holders: true when `user` (null: anyone) may read at least one of the named repositories now. */
  async mayReadAny(user: UserRecord | null, names: readonly string[]): Promise<boolean> {
    for (const text of names.slice(0, I12_MAX_REPOSITORIES)) {
      const name = parseRepoName(text);
      if (!name.ok) continue;
      const repo = await this.get(name.value);
      if (repo && !repo.deletePending && (await this.policy.can(user, 'read', name.value.namespace, repo))) return true;
    }
    return false;
  }

  /** I7 first call: marks the repository for deletion. */
  async markForDeletion(name: RepoName): Promise<RepositoryRecord> {
    return this.store.repositories.update(name.namespace, name.repository, { deletePending: true }, this.now());
  }

  /** I7b: removes every record of the repository, its tokens included; returns whether it existed. */
  async purge(name: RepoName): Promise<boolean> {
    return this.store.repositories.delete(name.namespace, name.repository);
  }

  /** Description and privacy (v1hub addition). */
  async updateInfo(name: RepoName, body: unknown): Promise<RepositoryRecord> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('Expected a JSON object with "description" and/or "private"');
    const { description, private: isPrivate } = body as Record<string, unknown>;
    if (description === undefined && isPrivate === undefined) throw invalidRequest('Nothing to change: give "description" and/or "private"');
    if (description !== undefined && (typeof description !== 'string' || description.length > 4000)) throw invalidRequest('"description" must be a string of at most 4000 characters');
    if (isPrivate !== undefined && typeof isPrivate !== 'boolean') throw invalidRequest('"private" must be true or false');
    return this.store.repositories.update(name.namespace, name.repository, {
      ...(typeof description === 'string' ? { description } : {}),
      ...(typeof isPrivate === 'boolean' ? { private: isPrivate } : {}),
    }, this.now());
  }

  async setCollaborator(name: RepoName, repo: RepositoryRecord, username: string, present: boolean): Promise<RepositoryRecord> {
    if (present && !(await this.store.users.get(username))) throw new V1Error('USER_NOT_FOUND');
    const others = repo.collaborators.filter((u) => u !== username);
    const collaborators = present ? [...others, username].sort() : others;
    return this.store.repositories.update(name.namespace, name.repository, { collaborators }, this.now());
  }

  async setStar(name: RepoName, username: string, starred: boolean): Promise<number> {
    try {
      return starred
        ? await this.store.repositories.star(name.namespace, name.repository, username)
        : await this.store.repositories.unstar(name.namespace, name.repository, username);
    } catch (err) {
      if (err instanceof NotFoundError) throw new V1Error('REPOSITORY_NOT_FOUND');
      throw err;
    }
  }
}
