/**
 * Step 2 of a push, for one registry (v1-protocol.md §6.3, MOBY graph/push.go@v1.5.0
 * pushImageToEndpoint): existence checks for every image, then, parents first, json → layer → checksum
 * for the missing ones and the tags of each image right after it.
 *
 * Improvement over Docker 1.x: up to `concurrency` layers upload at once. Image json still goes up
 * strictly parents first (the registry needs the parent's json, §4.1 R5), and a tag is only set once
 * its image and every image before it are complete. With concurrency 1 the order is exactly Docker's.
 */
import { V1ClientError } from './client-error.js';
import { attempt, responseError, type ClientContext } from './context.js';
import type { LocalImage, LocalImageSet, PushPlan } from './image-source.js';
import { uploadLayer } from './layer-upload.js';
import { Limiter, mapLimit } from './limiter.js';
import { emitLayerProgress } from './progress.js';
import { hostOf, indexRepoParams, type RemoteRepository } from './remote.js';
import type { PushedImage, StepLog } from './reports.js';
import type { TransportResponse } from './transport-response.js';

/** Docker 1.5 ran at most 5 existence-check workers. */
const LOOKUP_WORKERS = 5;
/** LEGACY: §6.3 step 2.2 — the text Docker matched in the `error` of a PUT json (or checksum) reply. */
const ALREADY_EXISTS = 'Image already exists';

/** Inputs of {@link pushToEndpoint}. */
export interface EndpointPush {
  readonly ctx: ClientContext;
  /** Registry base URL. */
  readonly endpoint: string;
  readonly plan: PushPlan;
  readonly source: LocalImageSet;
  readonly repo: RemoteRepository;
  readonly authorization: string;
  readonly operation: string;
  readonly log: StepLog;
}

/** Pushes every image and tag of the plan to one registry. Rejects with the first failure. */
export async function pushToEndpoint(job: EndpointPush): Promise<PushedImage[]> {
  const { ctx, endpoint, plan, source, repo, authorization, operation, log } = job;
  const host = hostOf(endpoint);
  const results: PushedImage[] = [];

  // 2.1 — any non-200 (404, 400 while uploading, the 401 a write token gets on GET, §10 Q2) means "push it".
  const present = new Set<string>();
  await mapLimit(plan.imageIds, LOOKUP_WORKERS, async (id) => {
    const res = await attempt(operation, () => ctx.registry.getImageJson(endpoint, id, authorization));
    await res.discard();
    log.add({ step: '2.1', action: 'getImageJson', status: res.status, endpoint: host, imageId: id });
    if (res.status === 200) present.add(id);
  });

  const limiter = new Limiter(ctx.concurrency);
  const uploads: Promise<void>[] = [];
  let failure: unknown = null;
  const track = (upload: Promise<void>): void => {
    // Handled at once so a failure never goes unobserved while the loop is busy; rethrown below.
    upload.catch((err: unknown) => {
      failure ??= err;
    });
    uploads.push(upload);
  };
  const settle = async (): Promise<void> => {
    await Promise.allSettled(uploads);
    if (failure !== null) throw failure;
  };

  try {
    for (const id of plan.imageIds) {
      if (failure !== null) break;
      const image = source.image(id) as LocalImage;
      if (present.has(id)) {
        results.push({ id, endpoint: host, outcome: 'present' });
      } else {
        const release = await limiter.acquire();
        if (failure !== null) {
          release();
          break;
        }
        let uploading = false;
        try {
          const res = await attempt(operation, () => ctx.registry.putImageJson(endpoint, id, image.json, authorization));
          log.add({ step: '2.2', action: 'putImageJson', status: res.status, endpoint: host, imageId: id });
          if (res.status !== 200) {
            if ((await errorText(res)) !== ALREADY_EXISTS) throw await responseError(operation, res);
            log.add({ step: '2.2', action: 'skip', endpoint: host, imageId: id, note: 'Image already pushed, skipping' });
            results.push({ id, endpoint: host, outcome: 'already-exists' });
          } else {
            await res.discard();
            uploading = true;
            track(uploadImage(job, image, host).then((pushed) => void results.push(pushed)).finally(release));
          }
        } finally {
          if (!uploading) release();
        }
      }
      const tags = plan.tagsByImage.get(id) ?? [];
      if (tags.length > 0) await settle();
      for (const tag of tags) {
        const res = await attempt(operation, () => ctx.registry.putTag(endpoint, indexRepoParams(repo), tag, id, authorization, repo.library));
        log.add({ step: '2.5', action: 'putTag', status: res.status, endpoint: host, imageId: id, note: tag });
        if (res.status !== 200 && res.status !== 201) throw await responseError(operation, res);
        await res.discard();
      }
    }
  } catch (err) {
    // Let the uploads already started finish (or fail) before reporting, so nothing outlives the push.
    await Promise.allSettled(uploads);
    throw err;
  }
  await settle();
  const order = new Map(plan.imageIds.map((id, index) => [id, index]));
  return results.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** 2.3 and 2.4 for one image: the layer, then both checksums. */
async function uploadImage(job: EndpointPush, image: LocalImage, host: string): Promise<PushedImage> {
  const { ctx, endpoint, authorization, operation, log } = job;
  const listener = ctx.onLayerProgress;
  const progress = listener && ((bytes: number) => emitLayerProgress(listener, { direction: 'push', imageId: image.id, endpoint: host, bytes, total: image.layerSize }));
  const { res, layer } = await attempt(operation, () => uploadLayer(ctx.registry, endpoint, image, authorization, progress, ctx.compressionLevel));
  if (res.status !== 200) throw await responseError(operation, res);
  await res.discard();
  const sent = await layer();
  log.add({ step: '2.3', action: 'putImageLayer', status: res.status, endpoint: host, imageId: image.id, bytes: sent.layerBytes });
  if (sent.tarsum === null) {
    throw new V1ClientError({ operation, detail: `the layer of image ${image.id} is not a readable tar archive: ${sent.tarsumError ?? 'unknown error'}`, code: 'SOURCE' });
  }
  const checksum = await attempt(operation, () => ctx.registry.putImageChecksum(endpoint, image.id, { tarsum: sent.tarsum as string, payload: sent.payload }, authorization));
  log.add({ step: '2.4', action: 'putImageChecksum', status: checksum.status, endpoint: host, imageId: image.id });
  if (checksum.status !== 200 && (await errorText(checksum)) !== ALREADY_EXISTS) {
    throw await responseError(operation, checksum);
  }
  await checksum.discard();
  return { id: image.id, endpoint: host, outcome: 'uploaded', layerBytes: sent.layerBytes, tarBytes: sent.tarBytes, tarsum: sent.tarsum, payload: sent.payload };
}

/** The `error` member of a JSON error body, as Docker read it into a map[string]string; '' otherwise. */
async function errorText(res: TransportResponse): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown } | null;
    return body !== null && typeof body === 'object' && typeof body.error === 'string' ? body.error : '';
  } catch {
    return '';
  }
}
