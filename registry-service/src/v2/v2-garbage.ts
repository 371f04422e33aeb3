/**
 * Garbage collection of the v2 side, run by the same `v1hub gc` after v1's: mark every blob a manifest of
 * any repository names (the manifests themselves, their configs and layers; an index's manifests are in the
 * repository's own links), sweep the blobs nothing names, with the links repositories kept to them, and
 * drop uploads abandoned for longer than the grace period. As on the v1 side a blob changed or linked within
 * the grace period is kept (a push uploads blobs before the manifest that names them), and the mark runs
 * again right before the sweep. v1 images are v1's to collect: once one is gone, the v2 pointer to its layer is removed
 * too.
 */
import { notFoundAs } from '../images/image-store.js';
import type { LayerStorage } from '../storage/layer-storage.js';
import { imageLayer } from '../storage/paths.js';
import * as paths from './v2-paths.js';

export interface V2GcReport {
  /** Blobs in the store when the collection started. */
  readonly scanned: number;
  readonly freed: readonly { readonly digest: string; readonly bytes: number }[];
  readonly freedBytes: number;
  /** Unreferenced but changed within the grace period. */
  readonly keptRecent: number;
  /** Uploads started before the grace period and never completed, removed (or that would be). */
  readonly abandonedUploads: number;
}

/** Every repository directory under v2/repositories, as storage paths. */
async function repositoryDirs(storage: LayerStorage): Promise<string[]> {
  const dirs: string[] = [];
  for (const ns of await storage.list(paths.v2RepositoriesRoot).catch(notFoundAs([] as string[]))) {
    for (const repo of await storage.list(`${paths.v2RepositoriesRoot}/${ns}`).catch(notFoundAs([] as string[]))) dirs.push(`${paths.v2RepositoriesRoot}/${ns}/${repo}`);
  }
  return dirs;
}

/** The hex of every blob some repository's manifest names, the manifests included. */
async function markReferenced(storage: LayerStorage): Promise<Set<string>> {
  const marked = new Set<string>();
  for (const dir of await repositoryDirs(storage)) {
    for (const hex of await storage.list(`${dir}/_manifests`).catch(notFoundAs([] as string[]))) {
      marked.add(hex);
      const bytes = await storage.getContent(paths.blob(`sha256:${hex}`)).catch(() => null);
      if (bytes === null) continue;
      try {
        const manifest = JSON.parse(bytes.toString()) as { config?: { digest?: string }; layers?: Array<{ digest?: string }> };
        for (const digest of [manifest.config?.digest, ...(manifest.layers ?? []).map((l) => l.digest)]) if (typeof digest === 'string') marked.add(digest.replace(/^sha256:/, ''));
      } catch {
        // Not JSON: a manifest v1hub would not have stored; nothing more to mark.
      }
    }
  }
  return marked;
}

export async function collectV2Garbage(storage: LayerStorage, opts: { dryRun: boolean; graceMs: number; started: number }): Promise<V2GcReport> {
  const blobsDir = `${paths.v2Root}/blobs/sha256`;
  const all = await storage.list(blobsDir).catch(notFoundAs([] as string[]));
  const first = await markReferenced(storage);
  const candidates: string[] = [];
  let keptRecent = 0;
  const dirs = await repositoryDirs(storage);
  for (const hex of all) {
    if (first.has(hex)) continue;
    const stat = await storage.stat(`${blobsDir}/${hex}`).catch(() => null);
    if (stat === null) continue;
    // A blob is recent when its bytes are, or when any repository linked it lately: a push that uploads
    // (or mounts) a blob that already existed rewrites only its link.
    const links = await Promise.all(dirs.map((dir) => storage.stat(`${dir}/_layers/${hex}`).then((st) => st.modifiedAt.getTime(), () => 0)));
    if (Math.max(stat.modifiedAt.getTime(), ...links) > opts.started - opts.graceMs) keptRecent += 1;
    else candidates.push(hex);
  }
  const second = candidates.length > 0 ? await markReferenced(storage) : first;
  const freed: { digest: string; bytes: number }[] = [];
  for (const hex of candidates) {
    if (second.has(hex)) continue;
    const bytes = (await storage.stat(`${blobsDir}/${hex}`).catch(() => null))?.size ?? 0;
    if (!opts.dryRun) {
      for (const dir of dirs) await storage.delete(`${dir}/_layers/${hex}`).catch(() => undefined);
      await storage.delete(`${blobsDir}/${hex}`).catch(() => undefined);
    }
    freed.push({ digest: `sha256:${hex}`, bytes });
  }
  // Pointers to v1 layers that v1's collection removed.
  for (const hex of await storage.list(`${paths.v2Root}/v1layers`).catch(notFoundAs([] as string[]))) {
    const id = await storage.getContent(`${paths.v2Root}/v1layers/${hex}`).catch(() => null);
    if (id !== null && !(await storage.exists(imageLayer(id.toString()))) && !opts.dryRun) await storage.delete(`${paths.v2Root}/v1layers/${hex}`).catch(() => undefined);
  }
  let abandonedUploads = 0;
  for (const uuid of await storage.list(`${paths.v2Root}/uploads`).catch(notFoundAs([] as string[]))) {
    // An upload is alive while any of its files (its start, or its latest chunk) is within the grace period.
    const files = await storage.list(paths.upload(uuid)).catch(notFoundAs([] as string[]));
    const times = await Promise.all(files.map((file) => storage.stat(`${paths.upload(uuid)}/${file}`).then((st) => st.modifiedAt.getTime(), () => 0)));
    if (Math.max(0, ...times) > opts.started - opts.graceMs) continue;
    abandonedUploads += 1;
    if (!opts.dryRun) await storage.delete(paths.upload(uuid)).catch(() => undefined);
  }
  return { scanned: all.length, freed, freedBytes: freed.reduce((sum, f) => sum + f.bytes, 0), keptRecent, abandonedUploads };
}
