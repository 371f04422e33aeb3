/**
 * Tags and repository-level records of the v1 registry (v1-protocol.md §4.1 R13–R21, docker-registry
 * `tags.py`): tags are files `tag_<tag>` holding an image id, per-tag metadata comes from the client's
 * User-Agent, privacy is a `_private` flag, and the standalone fake index keeps `_index_images`.
 */
import { V1Error, formatRepoName, isRegistryImageId, isValidTag, type RepoName } from '@v1hub/shared';
import type { LayerStorage } from '../storage/layer-storage.js';
import * as paths from '../storage/paths.js';
import { notFoundAs } from '../images/image-store.js';

/** Per-tag client metadata (R17), parsed from the pushing client's User-Agent (§10 Q18). */
export interface TagJson {
  readonly last_update: number | null;
  readonly docker_version: string | null;
  readonly docker_go_version: string | null;
  readonly arch: string;
  readonly os: string;
  readonly kernel: string | null;
}

/** LEGACY: §4.1 R17/R18 — a missing tag json is not a 404 but these defaults. */
export const DEFAULT_TAG_JSON: TagJson = { last_update: null, docker_version: null, docker_go_version: null, arch: 'amd64', os: 'linux', kernel: null };

/** `docker/1.5.0 go/go1.4.1 git-commit/a8a31ef kernel/3.13.0 os/linux arch/amd64` → tag json. */
export function tagJsonFromUserAgent(userAgent: string, nowSeconds: number): TagJson {
  const parts = new Map<string, string>();
  for (const word of userAgent.split(/\s+/)) {
    const slash = word.indexOf('/');
    if (slash > 0) parts.set(word.slice(0, slash).toLowerCase(), word.slice(slash + 1));
  }
  return {
    last_update: nowSeconds,
    docker_version: parts.get('docker') ?? null,
    docker_go_version: parts.get('go') ?? null,
    arch: parts.get('arch') ?? 'amd64',
    os: parts.get('os') ?? 'linux',
    kernel: parts.get('kernel') ?? null,
  };
}

export interface ImageEntryRecord {
  readonly id: string;
  readonly checksum?: string;
  readonly Tag?: string;
}

/** Repositories whose tags are remembered (their listing version with them); the oldest is forgotten first. */
const REMEMBERED_LISTINGS = 10_000;

export class TagStore {
  /**
   * R13 answers by repository, with the storage's listing version they were read under. The per-tag files stay
   * the truth: an answer is reused only while the version is unchanged, and any write by any process sharing
   * the storage changes it (LayerStorage.listingVersion); drivers without versions are read every time.
   */
  private readonly listings = new Map<string, { version: string; tags: Readonly<Record<string, string>> }>();

  constructor(
    private readonly storage: LayerStorage,
    private readonly now: () => number = Date.now,
  ) {}

  /** R13: `{"<tag>": "<id>"}`. Rejects REPOSITORY_NOT_FOUND when the repository directory is absent. */
  async list(repo: RepoName): Promise<Record<string, string>> {
    const dir = paths.repositoryDir(repo.namespace, repo.repository);
    // The version is taken before the listing: a write during it changes the version, so the next call reads again.
    const version = await this.storage.listingVersion(dir).catch(notFoundAs(undefined));
    if (version === undefined) {
      this.listings.delete(dir);
      throw new V1Error('REPOSITORY_NOT_FOUND');
    }
    const remembered = this.listings.get(dir);
    if (version !== null && remembered?.version === version) return { ...remembered.tags };
    const tags = await this.readTags(dir);
    this.listings.delete(dir);
    if (version !== null) {
      this.listings.set(dir, { version, tags: { ...tags } });
      if (this.listings.size > REMEMBERED_LISTINGS) this.listings.delete(this.listings.keys().next().value as string);
    }
    return tags;
  }

  private async readTags(dir: string): Promise<Record<string, string>> {
    const entries = await this.storage.list(dir).catch(notFoundAs(null));
    if (entries === null) throw new V1Error('REPOSITORY_NOT_FOUND');
    const tags: Record<string, string> = {};
    for (const entry of entries) {
      const tag = paths.tagNameFromEntry(entry);
      if (tag === null) continue;
      const id = await this.storage.getContent(`${dir}/${entry}`).catch(notFoundAs(null));
      if (id !== null) tags[tag] = id.toString('utf8');
    }
    return tags;
  }

  /** R14. Rejects TAG_NOT_FOUND. */
  async get(repo: RepoName, tag: string): Promise<string> {
    if (!isValidTag(tag)) throw new V1Error('TAG_NOT_FOUND');
    const id = await this.storage.getContent(paths.tag(repo.namespace, repo.repository, tag)).catch(notFoundAs(null));
    if (id === null) throw new V1Error('TAG_NOT_FOUND');
    return id.toString('utf8');
  }

  /**
   * R15, in docker-registry's order: tag name, body, image existence. No check that the image is complete or
   * belongs to the repository (LEGACY: §10 Q18).
   */
  async put(repo: RepoName, tag: string, body: unknown, userAgent: string, imageExists: (id: string) => Promise<boolean>): Promise<void> {
    if (!isValidTag(tag)) throw new V1Error('INVALID_TAG');
    if (typeof body !== 'string' || body === '') throw new V1Error('INVALID_DATA');
    if (!isRegistryImageId(body) || !(await imageExists(body))) throw new V1Error('IMAGE_NOT_FOUND');
    await this.storage.putContent(paths.tag(repo.namespace, repo.repository, tag), body);
    const json = JSON.stringify(tagJsonFromUserAgent(userAgent, Math.floor(this.now() / 1000)));
    await this.storage.putContent(paths.tagJson(repo.namespace, repo.repository, tag), json);
    if (tag === 'latest') await this.storage.putContent(paths.repositoryJson(repo.namespace, repo.repository), json);
  }

  /** The v1 tag of an image pushed with v2 (v1-bridge.ts): the tag, and its json as a v2 push leaves it. */
  async putDerived(repo: RepoName, tag: string, id: string): Promise<void> {
    if (!isValidTag(tag)) return;
    await this.storage.putContent(paths.tag(repo.namespace, repo.repository, tag), id);
    const json = JSON.stringify(tagJsonFromUserAgent('', Math.floor(this.now() / 1000)));
    await this.storage.putContent(paths.tagJson(repo.namespace, repo.repository, tag), json);
    if (tag === 'latest') await this.storage.putContent(paths.repositoryJson(repo.namespace, repo.repository), json);
  }

  /** R16. Rejects `Tag not found: <tag>` (404). */
  async delete(repo: RepoName, tag: string): Promise<void> {
    if (!isValidTag(tag)) throw new V1Error('TAG_NOT_FOUND', { message: `Tag not found: ${tag}` });
    try {
      await this.storage.delete(paths.tag(repo.namespace, repo.repository, tag));
    } catch (err) {
      notFoundAs(null)(err);
      throw new V1Error('TAG_NOT_FOUND', { message: `Tag not found: ${tag}` });
    }
    await this.storage.delete(paths.tagJson(repo.namespace, repo.repository, tag)).catch(notFoundAs(undefined));
  }

  /** R17. Never 404. */
  async getTagJson(repo: RepoName, tag: string): Promise<TagJson> {
    if (!isValidTag(tag)) return DEFAULT_TAG_JSON;
    return this.readJson(paths.tagJson(repo.namespace, repo.repository, tag));
  }

  /** R18. Never 404. */
  async getRepositoryJson(repo: RepoName): Promise<TagJson> {
    return this.readJson(paths.repositoryJson(repo.namespace, repo.repository));
  }

  /** R19: deletes all tags and the repository directory (not the images). Rejects REPOSITORY_NOT_FOUND. */
  async deleteRepository(repo: RepoName): Promise<void> {
    try {
      await this.storage.delete(paths.repositoryDir(repo.namespace, repo.repository));
    } catch (err) {
      notFoundAs(null)(err);
      throw new V1Error('REPOSITORY_NOT_FOUND');
    }
  }

  /** R20. */
  async isPrivate(repo: RepoName): Promise<boolean> {
    return this.storage.exists(paths.privateFlag(repo.namespace, repo.repository));
  }

  /** R21. */
  async setPrivate(repo: RepoName, isPrivate: boolean): Promise<void> {
    const flag = paths.privateFlag(repo.namespace, repo.repository);
    if (isPrivate) await this.storage.putContent(flag, 'true');
    else await this.storage.delete(flag).catch(notFoundAs(undefined));
  }

  /**
   * The fake index's image list as stored: the first PUT's bytes verbatim (§3.3, §10 Q17), a merged list
   * after that. Null when nothing was stored.
   */
  async getIndexImagesBytes(repo: RepoName): Promise<Buffer | null> {
    return this.storage.getContent(paths.indexImages(repo.namespace, repo.repository)).catch(notFoundAs(null));
  }

  /** The entries of that list that name an image (objects with a string `id`); anything else a client sent is skipped. */
  async getIndexImages(repo: RepoName): Promise<ImageEntryRecord[] | null> {
    const bytes = await this.getIndexImagesBytes(repo);
    if (bytes === null) return null;
    const list = JSON.parse(bytes.toString('utf8')) as unknown;
    return Array.isArray(list) ? list.filter(isImageEntry) : [];
  }

  async putIndexImagesBytes(repo: RepoName, bytes: Buffer): Promise<void> {
    await this.storage.putContent(paths.indexImages(repo.namespace, repo.repository), bytes);
  }

  async putIndexImages(repo: RepoName, images: readonly ImageEntryRecord[]): Promise<void> {
    await this.putIndexImagesBytes(repo, Buffer.from(JSON.stringify(images)));
  }

  /** R22: the names (`ns/repo`) of the public repositories held here that contain `term` (lower-cased). */
  async searchPublic(term: string): Promise<string[]> {
    const found: string[] = [];
    for (const repo of await this.listRepositories()) {
      const name = formatRepoName(repo);
      if (name.includes(term) && !(await this.isPrivate(repo))) found.push(name);
    }
    return found;
  }

  /** Every repository this registry holds, as `[namespace, repository]` pairs (R22 search). */
  async listRepositories(): Promise<RepoName[]> {
    const namespaces = await this.storage.list(paths.repositoriesRoot).catch(notFoundAs([] as string[]));
    const out: RepoName[] = [];
    for (const ns of namespaces) {
      const repos = await this.storage.list(`${paths.repositoriesRoot}/${ns}`).catch(notFoundAs([] as string[]));
      for (const repo of repos) {
        const namespace = paths.unquoteComponent(ns);
        const repository = paths.unquoteComponent(repo);
        if (namespace !== null && repository !== null) out.push({ namespace, repository });
      }
    }
    return out;
  }

  private async readJson(path: string): Promise<TagJson> {
    const bytes = await this.storage.getContent(path).catch(notFoundAs(null));
    if (bytes === null) return DEFAULT_TAG_JSON;
    try {
      return { ...DEFAULT_TAG_JSON, ...(JSON.parse(bytes.toString('utf8')) as Partial<TagJson>) };
    } catch {
      return DEFAULT_TAG_JSON;
    }
  }
}

/**
 * The fake index's merge of a later list into the stored one (§3.2 item 3; the first list is stored as sent):
 * combined, deduplicated by id keeping id and checksum, a stored checksum never overwritten, nothing removed.
 */
export function mergeImageLists(stored: readonly ImageEntryRecord[], incoming: readonly ImageEntryRecord[]): ImageEntryRecord[] {
  const byId = new Map<string, ImageEntryRecord>();
  for (const entry of [...stored, ...incoming]) {
    const known = byId.get(entry.id);
    const checksum = known?.checksum ?? entry.checksum;
    byId.set(entry.id, checksum ? { id: entry.id, checksum } : { id: entry.id });
  }
  return [...byId.values()];
}

/** An item of an image list that names an image: an object with a string `id`. */
export function isImageEntry(value: unknown): value is ImageEntryRecord {
  return value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string';
}
