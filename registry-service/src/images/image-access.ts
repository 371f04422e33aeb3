/**
 * What a token may read among images (design §5.4 "Images belong to repositories"). Image routes carry no
 * repository, and v1 ids are global, so the question is asked per image: through the grant of repository R,
 * image X is readable when
 * - R holds X (R's push uploaded it, or R tagged it: ImageStore holders) — decided here, no Index call; or
 * - X is complete and the Index says the grant's user may read one of X's holders now (a public one for an
 *   anonymous token): I12 with the holder list, one call per distinct holder list.
 * An image nobody holds, or one another repository is still uploading, is readable by nobody but its
 * uploader: every other caller gets the 404 `Image not found` a missing image gets. Standalone registries
 * have no Index to ask and let everything through (§5.5).
 */
import { formatRepoName } from '@v1hub/shared';
import type { AccessController, Grant } from '../auth/access-controller.js';
import type { ImageStore } from './image-store.js';

export class ImageAccess {
  constructor(
    private readonly images: ImageStore,
    private readonly access: AccessController,
  ) {}

  /** May `grant` read every image of `ids` (an image and its ancestry, say)? */
  async mayReadAll(grant: Grant, ids: readonly string[]): Promise<boolean> {
    if (this.access.mode === 'standalone') return true;
    if (!grant.repository) return false;
    const reader = formatRepoName(grant.repository);
    const questions = new Map<string, { id: string; holders: string[] }>();
    for (const id of ids) {
      if (await this.images.isHeldBy(id, reader)) continue;
      if (!(await this.images.isComplete(id))) return false;
      const holders = await this.images.holders(id);
      if (holders.length === 0) return false;
      const key = holders.join(',');
      if (!questions.has(key)) questions.set(key, { id, holders });
    }
    for (const { id, holders } of questions.values()) {
      if (!(await this.access.layerAccess(grant, id, holders))) return false;
    }
    return true;
  }

  async mayRead(grant: Grant, id: string): Promise<boolean> {
    return this.mayReadAll(grant, [id]);
  }
}
