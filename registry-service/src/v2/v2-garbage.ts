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

/** Storage lists blobs, links and pointers by the hex of their digest. */
const digestOf = (hex: string): string => `sha256:${hex}`;

/** Every repository directory under v2/repositories, as storage paths. */
async function repositoryDirs(storage: LayerStorage): Promise<string[]> {
  const dirs: string[] = [];
  for (const ns of await storage.list(paths.v2RepositoriesRoot).catch(notFoundAs([] as string[]))) {
    for (const repo of await storage.list(`${paths.v2RepositoriesRoot}/${ns}`).catch(notFoundAs([] as string[]))) dirs.push(paths.listedRepositoryDir(ns, repo));
  }
  return dirs;
}

/** One walk of the repositories: the hex of every blob some manifest names (the manifests included), and the repositories walked. */
interface Mark {
  readonly referenced: Set<string>;
  readonly repositories: readonly string[];
}

async function markReferenced(storage: LayerStorage): Promise<Mark> {
  const referenced = new Set<string>();
  const repositories = await repositoryDirs(storage);
  for (const dir of repositories) {
    for (const hex of await storage.list(paths.manifestLinksIn(dir)).catch(notFoundAs([] as string[]))) {
      referenced.add(hex);
      const bytes = await storage.getContent(paths.blob(digestOf(hex))).catch(notFoundAs(null));
      if (bytes === null) continue;
      try {
        const manifest = JSON.parse(bytes.toString()) as { config?: { digest?: string }; layers?: Array<{ digest?: string }> };
        for (const digest of [manifest.config?.digest, ...(manifest.layers ?? []).map((l) => l.digest)]) if (typeof digest === 'string') referenced.add(digest.replace(/^sha256:/, ''));
      } catch {
        // Not JSON: a manifest v1hub would not have stored; nothing more to mark.
      }
    }
  }
  return { referenced, repositories };
}

/**
 * The blob's size and when it was last touched: its bytes written, or any of `repositories` linking it (a push
 * that uploads, or mounts, a blob that already existed rewrites only its link). Null when the blob is gone.
 */
async function touched(storage: LayerStorage, hex: string, repositories: readonly string[]): Promise<{ size: number; at: number } | null> {
  const stat = await storage.stat(paths.blob(digestOf(hex))).catch(notFoundAs(null));
  if (stat === null) return null;
  const links = await Promise.all(repositories.map((dir) => storage.stat(paths.layerLinkIn(dir, digestOf(hex))).then((st) => st.modifiedAt.getTime(), notFoundAs(0))));
  return { size: stat.size, at: Math.max(stat.modifiedAt.getTime(), ...links) };
}

export async function collectV2Garbage(storage: LayerStorage, opts: { dryRun: boolean; graceMs: number; started: number }): Promise<V2GcReport> {
  const all = await storage.list(paths.blobsRoot).catch(notFoundAs([] as string[]));
  const recentSince = opts.started - opts.graceMs;
  const first = await markReferenced(storage);
  const candidates: string[] = [];
  let keptRecent = 0;
  for (const hex of all) {
    if (first.referenced.has(hex)) continue;
    const blob = await touched(storage, hex, first.repositories);
    if (blob === null) continue;
    if (blob.at > recentSince) keptRecent += 1;
    else candidates.push(hex);
  }
  // Again, right before the sweep, over the repositories as they are now: a manifest pushed meanwhile saves
  // what it names, and a blob linked meanwhile (mounted, perhaps into a repository created since) is recent.
  // A push landing between this last look at a blob and its delete can still lose it: only a registry that
  // takes no pushes while gc runs is safe from that (distribution's garbage-collect asks for read-only mode).
  const second = candidates.length > 0 ? await markReferenced(storage) : first;
  const freed: { digest: string; bytes: number }[] = [];
  for (const hex of candidates) {
    if (second.referenced.has(hex)) continue;
    const blob = await touched(storage, hex, second.repositories);
    if (blob === null) continue;
    if (blob.at > recentSince) {
      keptRecent += 1;
      continue;
    }
    if (!opts.dryRun) {
      for (const dir of second.repositories) await storage.delete(paths.layerLinkIn(dir, digestOf(hex))).catch(() => undefined);
      await storage.delete(paths.blob(digestOf(hex))).catch(() => undefined);
    }
    freed.push({ digest: digestOf(hex), bytes: blob.size });
  }
  // Pointers to v1 layers that v1's collection removed.
  for (const hex of await storage.list(paths.v1LayerPointersRoot).catch(notFoundAs([] as string[]))) {
    const pointer = paths.v1LayerPointer(digestOf(hex));
    const id = await storage.getContent(pointer).catch(notFoundAs(null));
    if (id !== null && !(await storage.exists(imageLayer(id.toString()))) && !opts.dryRun) await storage.delete(pointer).catch(() => undefined);
  }
  let abandonedUploads = 0;
  for (const uuid of await storage.list(paths.uploadsRoot).catch(notFoundAs([] as string[]))) {
    // An upload is alive while any of its files (its start, or its latest chunk) is within the grace period.
    const files = await storage.list(paths.upload(uuid)).catch(notFoundAs([] as string[]));
    const times = await Promise.all(files.map((file) => storage.stat(paths.uploadFile(uuid, file)).then((st) => st.modifiedAt.getTime(), notFoundAs(0))));
    if (Math.max(0, ...times) > recentSince) continue;
    abandonedUploads += 1;
    if (!opts.dryRun) await storage.delete(paths.upload(uuid)).catch(() => undefined);
  }
  return { scanned: all.length, freed, freedBytes: freed.reduce((sum, f) => sum + f.bytes, 0), keptRecent, abandonedUploads };
}
