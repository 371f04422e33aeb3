/**
 * Garbage collection on demand (`v1hub gc`, `POST /v1/_admin/gc`): mark every image a tag of any repository
 * reaches through its ancestry (and the standalone index's lists, and the ids the Index says pushes in
 * progress declared), sweep the complete images nothing reaches.
 *
 * Safe against pushes running meanwhile, in three ways: an image still being uploaded (its marker present)
 * is never swept; an image whose files changed within the grace period (its upload just finished, its tag
 * not yet set) is kept; and the mark runs a second time right before the sweep, so a tag set during the
 * first pass saves the image it names. What is left is a tag set after the second mark naming an old
 * unreachable image in the instant before it is removed: that tag's PUT then fails (the image is gone), a
 * loud error rather than a dangling tag, and pushing again restores it.
 */
import { createLayerStorage } from '../storage/create-layer-storage.js';
import type { LayerStorage } from '../storage/layer-storage.js';
import * as paths from '../storage/paths.js';
import { parseStorageUrl } from '../storage/storage-url.js';
import { TagStore } from '../tags/tag-store.js';
import { ImageStore, notFoundAs } from './image-store.js';
import { referencedImages } from './repository-cleanup.js';
import { collectV2Garbage, type V2GcReport } from '../v2/v2-garbage.js';

export interface GcOptions {
  readonly dryRun: boolean;
  /** Keep images whose files changed within this many milliseconds of the start. */
  readonly graceMs: number;
  /** Ids the Index lists for pushes in progress: reachable whatever the tags say. */
  readonly declared?: ReadonlySet<string>;
  readonly now?: () => number;
}

export interface GcReport {
  readonly dryRun: boolean;
  /** Images in the store when the collection started. */
  readonly scanned: number;
  readonly reachable: number;
  /** Removed, or that would be with `dryRun`. */
  readonly freed: readonly { readonly id: string; readonly bytes: number }[];
  readonly freedBytes: number;
  /** Unreachable but kept: still uploading, or changed within the grace period. */
  readonly kept: { readonly uploading: number; readonly recent: number };
  /** The v2 side (v2-garbage.ts): blobs no manifest of any repository names, and abandoned uploads. */
  readonly v2: V2GcReport;
}

async function markReachable(tags: TagStore, images: ImageStore, declared: ReadonlySet<string>): Promise<Set<string>> {
  const reachable = await referencedImages(tags, images);
  for (const id of declared) reachable.add(id);
  return reachable;
}

/**
 * When any file of the image last changed, in epoch ms (0 when none exists). A storage fault rejects: an image
 * whose age cannot be read is not collected.
 */
async function lastChanged(storage: LayerStorage, id: string): Promise<number> {
  const times = await Promise.all([paths.imageJson(id), paths.imageLayer(id), paths.imageChecksum(id), paths.imageAncestry(id)].map((p) => storage.stat(p).then((s) => s.modifiedAt.getTime(), notFoundAs(0))));
  return Math.max(...times);
}

export async function collectGarbage(deps: { storage: LayerStorage; images: ImageStore; tags: TagStore }, opts: GcOptions): Promise<GcReport> {
  const now = opts.now ?? Date.now;
  const started = now();
  const declared = opts.declared ?? new Set<string>();
  const listed = await deps.storage.list(paths.imagesRoot).catch(() => [] as string[]);
  const all = listed.map((name) => paths.unquoteComponent(name)).filter((id): id is string => id !== null);
  const first = await markReachable(deps.tags, deps.images, declared);
  const candidates: string[] = [];
  let uploading = 0;
  let recent = 0;
  for (const id of all) {
    if (first.has(id)) continue;
    if (!(await deps.images.isComplete(id))) {
      uploading += 1;
      continue;
    }
    if ((await lastChanged(deps.storage, id)) > started - opts.graceMs) {
      recent += 1;
      continue;
    }
    candidates.push(id);
  }
  // Again, right before the sweep: a tag set while the first pass ran saves what it names.
  const second = candidates.length > 0 ? await markReachable(deps.tags, deps.images, declared) : first;
  const freed: { id: string; bytes: number }[] = [];
  for (const id of candidates) {
    if (second.has(id)) continue;
    const bytes = await deps.images.layerSize(id).catch(() => 0);
    if (!opts.dryRun) await deps.images.delete(id);
    freed.push({ id, bytes });
  }
  const v2 = await collectV2Garbage(deps.storage, { dryRun: opts.dryRun, graceMs: opts.graceMs, started });
  return {
    v2,
    dryRun: opts.dryRun,
    scanned: all.length,
    reachable: all.filter((id) => second.has(id)).length,
    freed,
    freedBytes: freed.reduce((sum, f) => sum + f.bytes, 0),
    kept: { uploading, recent },
  };
}

/**
 * `v1hub gc`: a collection over a storage URL directly (the registry need not run; running, it may keep
 * serving), keeping what `declared` lists. Opens the storage, collects, closes it.
 */
export async function collectGarbageAt(storageUrl: string, opts: GcOptions): Promise<GcReport> {
  const parsed = parseStorageUrl(storageUrl);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const storage = await createLayerStorage(parsed.config);
  try {
    return await collectGarbage({ storage, images: new ImageStore(storage), tags: new TagStore(storage) }, opts);
  } finally {
    await storage.close();
  }
}
