/**
 * `docker pull` as Docker 1.5 did it on the v1 path (v1-protocol.md §6.2): ping; image list, read token
 * and endpoints from the Index; the tag list from the first registry that answers; then the ancestry,
 * and json + layer for every ancestor, oldest first. Optionally writes the result as a `docker save`
 * tarball that `docker load` accepts.
 *
 * Improvements over Docker 1.x: layers download concurrently (bounded) straight to disk; each layer is
 * verified against the registry's payload checksum while it streams; a broken layer download resumes
 * with a Range request; and a registry that is down or failing is skipped for the next endpoint (§9).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isImageId, type ImageReference } from '../protocol/names.js';
import { V1ClientError } from './client-error.js';
import { attempt, type ClientContext } from './context.js';
import { DockerSaveFile, IN_FILE, type SavedImage } from './docker-save-writer.js';
import { pingIndex } from './ping.js';
import { pullAncestry, type FetchedImage } from './pull-endpoint.js';
import { displayName, hostOf, remoteRepository, toImageReference } from './remote.js';
import { fetchTags, openReadSession } from './repository-lookup.js';
import { StepLog, type PullReport } from './reports.js';

/** Options of a pull. */
export interface PullOptions {
  /** Write a `docker save` tarball here (temp file next to it, renamed at the end). Default: none. */
  readonly to?: string | null;
  /** Every tag of the repository (`pull --all-tags`, as `docker pull -a`), not only `ref.tag`. */
  readonly allTags?: boolean;
}

/** Pulls `ref` (`[server/]name[:tag]`, tag `latest` by default). Rejects with a {@link V1ClientError}. */
export async function pull(ctx: ClientContext, refInput: string | ImageReference, opts: PullOptions = {}): Promise<PullReport> {
  const started = performance.now();
  const ref = toImageReference(refInput);
  const repo = remoteRepository(ref);
  const operation = `pull ${displayName(repo)}`;
  const log = new StepLog();
  const ping = await pingIndex(ctx, operation);
  log.add({ step: '0', action: 'ping', endpoint: hostOf(ctx.indexUrl), note: ping.standalone ? 'standalone' : 'not standalone' });
  const session = await openReadSession(ctx, repo, operation, ping, log);
  const remote = await fetchTags(ctx, repo, session, operation, log);
  const existing = Object.keys(remote.tags).sort();
  const wanted: Record<string, string> = opts.allTags ? { ...remote.tags } : {};
  if (!opts.allTags) {
    const id = remote.tags[ref.tag];
    if (id === undefined) {
      const which = existing.length > 0 ? `its tags: ${existing.join(', ')}` : 'it has no tags';
      throw new V1ClientError({ operation, detail: `Tag ${ref.tag} not found in repository ${displayName(repo)} (${which})`, code: 'TAG_NOT_FOUND' });
    }
    wanted[ref.tag] = id;
  }
  if (Object.keys(wanted).length === 0) throw new V1ClientError({ operation, detail: `repository ${displayName(repo)} has no tags to pull`, code: 'TAG_NOT_FOUND' });
  // §8 "Image id (client)": Docker refused anything but 64 hex characters before fetching.
  for (const id of Object.values(wanted)) if (!isImageId(id)) throw new V1ClientError({ operation, detail: `image ID '${id}' is invalid`, code: 'PROTOCOL' });
  const firstTag = opts.allTags ? (existing.includes(ref.tag) ? ref.tag : (existing[0] as string)) : ref.tag;
  const imageId = wanted[firstTag] as string;

  const to = opts.to ?? null;
  let staging: string | null = null;
  let output: DockerSaveFile | null = null;
  try {
    // Layers are staged next to the destination so the final tarball never crosses file systems twice;
    // one layer at a time goes straight into the tarball instead, written once.
    if (to) staging = await mkdtemp(join(dirname(to), `.${basename(to)}.v1hub-`));
    if (to) output = await DockerSaveFile.create(to);
  } catch (err) {
    if (staging) await rm(staging, { recursive: true, force: true });
    throw new V1ClientError({ operation, detail: `cannot write next to ${to}: ${(err as Error).message}`, code: 'SOURCE', cause: err });
  }
  let finished = false;
  try {
    // Tags that share ancestors fetch them once.
    const known = new Map<string, FetchedImage>();
    const fetched = { images: [] as FetchedImage[], failed: [] as { endpoint: string; error: string }[] };
    for (const id of new Set(Object.values(wanted))) {
      const one = await pullAncestry({ ctx, session, imageId: id, staging, output, operation, log, preferred: remote.endpoint, known });
      for (const image of one.images) if (!fetched.images.includes(image)) fetched.images.push(image);
      fetched.failed.push(...one.failed);
    }
    if (to && output) {
      // The name `docker pull` would have given the image locally, which `docker save` then records.
      const localName = `${ref.server ?? hostOf(ctx.indexUrl)}/${ref.remoteName}`;
      const file = output;
      finished = true; // finish() removes its temporary itself when it fails
      await attempt(operation, () => file.finish({ repositories: { [localName]: wanted }, images: fetched.images.map(savedImage) }));
      log.add({ step: '4', action: 'write', note: to });
    }
    return {
      repository: displayName(repo),
      tag: firstTag,
      tags: wanted,
      imageId,
      tagsEndpoint: hostOf(remote.endpoint),
      failedEndpoints: [...remote.failed, ...fetched.failed],
      images: fetched.images.map((image) => image.report),
      steps: log.steps,
      bytesReceived: fetched.images.reduce((sum, image) => sum + image.report.layerBytes, 0),
      output: to,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    if (output && !finished) await output.abort();
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

function savedImage(image: FetchedImage): SavedImage {
  return { id: image.report.id, json: image.json, layer: image.inTarball ? IN_FILE : { path: image.layerPath as string, size: image.report.tarBytes } };
}
