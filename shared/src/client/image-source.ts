/**
 * What a push reads: local images (json bytes and a plain-tar layer opened on demand) and the tags to
 * push. A `docker save` tarball is one such source (docker-save.ts); tests may build others.
 */
import type { Readable } from 'node:stream';

/** One local image. */
export interface LocalImage {
  /** 64 hex characters. */
  readonly id: string;
  /** The parent id, or null for a base image. */
  readonly parent: string | null;
  /** The image json exactly as it will be PUT (the checksums depend on these bytes, §7.1). */
  readonly json: Buffer;
  /** Size of the uncompressed layer tar. */
  readonly layerSize: number;
  /** Opens the uncompressed layer tar as a fresh stream (called again for a retry or another endpoint). */
  openLayer(): Readable;
}

/** A tag to push and the image it names. */
export interface TagTarget {
  readonly tag: string;
  readonly id: string;
}

/** Everything one push needs: the tags (in push order) and every image they reach. */
export interface LocalImageSet {
  readonly tags: readonly TagTarget[];
  /** Looks an image up by id; undefined when the set does not hold it. */
  image(id: string): LocalImage | undefined;
}

/** An image list in the order Docker 1.5 pushed it, and the tags of each image. */
export interface PushPlan {
  /** Parents first, per tag, each image once (MOBY graph/push.go@v1.5.0 getImageList). */
  readonly imageIds: readonly string[];
  /** Tags by image id, in the order given. */
  readonly tagsByImage: ReadonlyMap<string, readonly string[]>;
}

/**
 * Orders the images the way Docker 1.5 did: for each tag, walk from the tagged image to its base,
 * stop at an image already listed, and append that walk reversed (parents first). Throws when an
 * ancestor is missing from the set.
 */
export function planPush(set: LocalImageSet): PushPlan {
  const imageIds: string[] = [];
  const seen = new Set<string>();
  const tagsByImage = new Map<string, string[]>();
  for (const { tag, id } of set.tags) {
    tagsByImage.set(id, [...(tagsByImage.get(id) ?? []), tag]);
    const walk: string[] = [];
    for (let current: string | null = id; current !== null && !seen.has(current); ) {
      const image = set.image(current);
      if (!image) throw new Error(`image ${current} (an ancestor of tag ${tag}) is not in the source`);
      seen.add(current);
      walk.push(current);
      current = image.parent;
    }
    imageIds.push(...walk.reverse());
  }
  return { imageIds, tagsByImage };
}
