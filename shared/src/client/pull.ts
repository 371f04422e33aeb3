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
import { writeDockerSave } from './docker-save-writer.js';
import { pingIndex } from './ping.js';
import { pullAncestry, type FetchedImage } from './pull-endpoint.js';
import { displayName, hostOf, remoteRepository, toImageReference } from './remote.js';
import { fetchTags, openReadSession } from './repository-lookup.js';
import { StepLog, type PullReport } from './reports.js';

/** Options of a pull. */
export interface PullOptions {
  /** Write a `docker save` tarball here (temp file next to it, renamed at the end). Default: none. */
  readonly to?: string | null;
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
  const imageId = remote.tags[ref.tag];
  if (imageId === undefined) {
    throw new V1ClientError({ operation, detail: `Tag ${ref.tag} not found in repository ${displayName(repo)}`, code: 'TAG_NOT_FOUND' });
  }
  // §8 "Image id (client)": Docker refused anything but 64 hex characters before fetching.
  if (!isImageId(imageId)) throw new V1ClientError({ operation, detail: `image ID '${imageId}' is invalid`, code: 'PROTOCOL' });

  const to = opts.to ?? null;
  let staging: string | null = null;
  try {
    // Layers are staged next to the destination so the final tarball never crosses file systems twice.
    if (to) staging = await mkdtemp(join(dirname(to), `.${basename(to)}.v1hub-`));
  } catch (err) {
    throw new V1ClientError({ operation, detail: `cannot write next to ${to}: ${(err as Error).message}`, code: 'SOURCE', cause: err });
  }
  try {
    const fetched = await pullAncestry({ ctx, session, imageId, staging, operation, log, preferred: remote.endpoint });
    if (to && staging) {
      // The name `docker pull` would have given the image locally, which `docker save` then records.
      const localName = `${ref.server ?? hostOf(ctx.indexUrl)}/${ref.remoteName}`;
      await attempt(operation, () => writeDockerSave(to, { repositories: { [localName]: { [ref.tag]: imageId } }, images: fetched.images.map(savedImage) }));
      log.add({ step: '4', action: 'write', note: to });
    }
    return {
      repository: displayName(repo),
      tag: ref.tag,
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
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

function savedImage(image: FetchedImage): { id: string; json: Buffer; layerPath: string; layerSize: number } {
  return { id: image.report.id, json: image.json, layerPath: image.layerPath as string, layerSize: image.report.tarBytes };
}
