/**
 * What a token may read among images (design §5.4 "Images belong to repositories"). Image routes carry no
 * repository, and v1 ids are global, so the question is asked per image: through the grant of repository R,
 * image X is readable when
 * - R holds X (R's push uploaded it, or R tagged it: ImageStore holders) — decided here, no Index call; or
 * - X is complete and the Index says the grant's user may read one of X's holders now (a public one for an
 *   anonymous token): I12 with the holder list, one call per distinct holder list.
 * An image nobody holds, or one another repository is still uploading, is readable by nobody but its
 * uploader: every other caller gets the 404 `Image not found` a missing image gets. Standalone registries
 * have no Index to ask and let everything through (§5.5); a mirror holds only what its upstream serves to
 * anyone.
 */
import { formatRepoName } from '@v1hub/shared';
import type { AccessController, Grant } from '../auth/access-controller.js';
import type { TagStore } from '../tags/tag-store.js';
import type { ImageStore } from './image-store.js';

export class ImageAccess {
  constructor(
    private readonly images: ImageStore,
    private readonly tags: TagStore,
    private readonly access: AccessController,
  ) {}

  /** May `grant` read every image of `ids` (an image and its ancestry, say)? */
  async mayReadAll(grant: Grant, ids: readonly string[]): Promise<boolean> {
    // Standalone: nothing is checked (§5.5). Mirror: only public content is ever held (mirror/mirror.ts).
    if (this.access.mode !== 'index') return true;
    if (!grant.repository) return false;
    const reader = formatRepoName(grant.repository);
    const questions = new Map<string, { id: string; holders: string[] }>();
    for (const id of ids) {
      if (await this.images.isHeldBy(id, reader)) continue;
      if (!(await this.images.isComplete(id))) return false;
      const holders = await this.holdersOf(id);
      if (holders.includes(reader)) continue;
      if (holders.length === 0) return false;
      const key = holders.join(',');
      if (!questions.has(key)) questions.set(key, { id, holders });
    }
    for (const { id, holders } of questions.values()) {
      if (!(await this.access.layerAccess(grant, id, holders))) return false;
    }
    return true;
  }

  /**
   * The image's holders. An image stored before v1hub recorded holders has neither owner nor holders: the
   * repositories whose tags reach it are found once, by a scan, and recorded.
   */
  private async holdersOf(id: string): Promise<string[]> {
    const holders = await this.images.holders(id);
    if (holders.length > 0 || (await this.images.ownerOf(id)) !== null) return holders;
    const found: string[] = [];
    for (const repo of await this.tags.listRepositories()) {
      const tagged = await this.tags.list(repo).catch(() => ({}) as Record<string, string>);
      for (const tagId of new Set(Object.values(tagged))) {
        if ((await this.images.getAncestry(tagId).catch(() => [] as string[])).includes(id)) {
          found.push(formatRepoName(repo));
          break;
        }
      }
    }
    for (const name of found) await this.images.addHolder(id, name);
    return found;
  }

  async mayRead(grant: Grant, id: string): Promise<boolean> {
    return this.mayReadAll(grant, [id]);
  }
}
