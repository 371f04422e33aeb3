/**
 * Step 3 of a pull (v1-protocol.md §6.2): the ancestry of the tagged image, then json and layer of each
 * ancestor, oldest first, from one registry; on failure the next endpoint takes over and only fetches
 * what is still missing, as Docker's "already local" check made a failover resume naturally (§9 item 2).
 *
 * Image json is fetched in order (it is small and tells the layer size and checksum); layers then
 * download concurrently, at most `concurrency` at once, each straight into its own file.
 */
import { join } from 'node:path';
import { isImageId } from '../protocol/names.js';
import { Header } from '../protocol/headers.js';
import { V1ClientError } from './client-error.js';
import { asClientError, attempt, protocolError, responseError, type ClientContext } from './context.js';
import { downloadLayer } from './layer-download.js';
import type { DockerSaveFile } from './docker-save-writer.js';
import { discardSink, fileLayerSink, tarballLayerSink } from './layer-sink.js';
import { Limiter } from './limiter.js';
import { emitLayerProgress } from './progress.js';
import { hostOf } from './remote.js';
import type { ReadSession } from './repository-lookup.js';
import type { PulledImage, StepLog } from './reports.js';

/** One image on disk (or only verified, without a staging directory). */
export interface FetchedImage {
  readonly report: PulledImage;
  readonly json: Buffer;
  /** The staged layer tar file, or null when nothing is kept or the layer went straight into the tarball. */
  readonly layerPath: string | null;
  /** True when the layer was written straight into the output tarball. */
  readonly inTarball: boolean;
}

/** Inputs of {@link pullAncestry}. */
export interface AncestryPull {
  readonly ctx: ClientContext;
  readonly session: ReadSession;
  readonly imageId: string;
  /** Directory for the layer files, or null to verify and drop the layers. */
  readonly staging: string | null;
  /** The tarball being written: a layer that can go straight into it does (written once, not staged). */
  readonly output?: DockerSaveFile | null;
  readonly operation: string;
  readonly log: StepLog;
  /** The registry that served the tags: tried first, the others follow in the Index's order. */
  readonly preferred: string;
  /** Images fetched already (by an earlier tag of the same pull): not fetched again. */
  readonly known?: Map<string, FetchedImage>;
}

/** Fetches the whole ancestry, failing over across endpoints. Resolves oldest first. */
export async function pullAncestry(job: AncestryPull): Promise<{ images: FetchedImage[]; failed: { endpoint: string; error: string }[] }> {
  const local = job.known ?? new Map<string, FetchedImage>();
  const failed: { endpoint: string; error: string }[] = [];
  const errors: { endpoint: string; error: V1ClientError }[] = [];
  const endpoints = [job.preferred, ...job.session.endpoints.filter((e) => e !== job.preferred)];
  for (const endpoint of endpoints) {
    try {
      const order = await pullFrom(job, endpoint, local);
      return { images: order.map((id) => local.get(id) as FetchedImage), failed };
    } catch (err) {
      const error = asClientError(job.operation, err);
      // A local problem (disk full, unwritable directory) is not the registry's fault.
      if (error.code === 'SOURCE') throw error;
      failed.push({ endpoint: hostOf(endpoint), error: error.message });
      errors.push({ endpoint: hostOf(endpoint), error });
      job.log.add({ step: '3', action: 'failover', endpoint: hostOf(endpoint), note: error.message });
    }
  }
  if (errors.length === 1) throw (errors[0] as { error: V1ClientError }).error;
  const reasons = errors.map(({ endpoint, error }) => `${endpoint}: ${error.reason}`).join('; ');
  throw new V1ClientError({ operation: job.operation, detail: `no registry endpoint could serve image ${job.imageId} (${reasons})`, code: 'UNREACHABLE' });
}

/** Everything from one registry; returns the ancestry oldest first. */
async function pullFrom(job: AncestryPull, endpoint: string, local: Map<string, FetchedImage>): Promise<string[]> {
  const { ctx, session, operation, log } = job;
  const host = hostOf(endpoint);
  const res = await attempt(operation, () => ctx.registry.getImageAncestry(endpoint, job.imageId, session.authorization));
  log.add({ step: '3.1', action: 'getImageAncestry', status: res.status, endpoint: host, imageId: job.imageId });
  if (res.status !== 200) throw await responseError(operation, res);
  const ancestry = await attempt(operation, () => res.json());
  if (!Array.isArray(ancestry) || ancestry.length === 0 || !ancestry.every((id) => typeof id === 'string' && isImageId(id))) {
    throw protocolError(operation, res, 'the ancestry is not a list of image ids');
  }
  const oldestFirst = [...(ancestry as string[])].reverse();

  const limiter = new Limiter(ctx.concurrency);
  const downloads: Promise<void>[] = [];
  let stopped: unknown = null;
  let downloadFailed = false;
  try {
    for (const id of oldestFirst) {
      if (downloadFailed) break;
      if (local.has(id)) {
        log.add({ step: '3.2', action: 'skip', endpoint: host, imageId: id, note: 'already downloaded' });
        continue;
      }
      const json = await attempt(operation, () => ctx.registry.getImageJson(endpoint, id, session.authorization));
      log.add({ step: '3.2', action: 'getImageJson', status: json.status, endpoint: host, imageId: id });
      if (json.status !== 200) throw await responseError(operation, json);
      const bytes = await attempt(operation, () => json.buffer());
      const sizeHeader = json.header(Header.Size);
      const size = sizeHeader === null ? null : Number(sizeHeader);
      if (size !== null && !(Number.isSafeInteger(size) && size >= 0)) throw protocolError(operation, json, `invalid X-Docker-Size: ${sizeHeader}`);
      checkJsonId(operation, json.path, bytes, id);
      const expectedPayload = json.header(Header.ChecksumPayload);
      const release = await limiter.acquire();
      const staged = job.staging ? join(job.staging, `${id}.layer.tar`) : null;
      const download = (async () => {
        const claimed = job.output ? await job.output.claimLayer(id, bytes).catch((err: unknown) => {
          throw new V1ClientError({ operation, detail: `cannot write the tarball: ${(err as Error).message}`, code: 'SOURCE', cause: err });
        }) : null;
        const layerPath = claimed ? null : staged;
        const sink = claimed ? tarballLayerSink(claimed) : layerPath ? fileLayerSink(layerPath) : discardSink();
        try {
          const listener = ctx.onLayerProgress;
          const onBytes = listener && ((received: number) => emitLayerProgress(listener, { direction: 'pull', imageId: id, endpoint: host, bytes: received, total: size }));
          const layer = await downloadLayer({ registry: ctx.registry, base: endpoint, id, authorization: session.authorization, json: bytes, size, expectedPayload, sink, policy: ctx.transport.retryPolicy, operation, ...(onBytes ? { onBytes } : {}) });
          log.add({ step: '3.3', action: 'getImageLayer', status: 200, endpoint: host, imageId: id, bytes: layer.layerBytes, ...(layer.resumes ? { note: `resumed ${layer.resumes}×` } : {}) });
          const report: PulledImage = { id, endpoint: host, layerBytes: layer.layerBytes, tarBytes: layer.tarBytes, payload: layer.payload, verified: layer.verified, resumes: layer.resumes };
          local.set(id, { report, json: bytes, layerPath, inTarball: claimed !== null });
        } catch (err) {
          await sink.abort();
          throw err;
        } finally {
          release();
        }
      })();
      // Observed at once so an early failure is never "unhandled"; awaited below.
      download.catch(() => {
        downloadFailed = true;
      });
      downloads.push(download);
    }
  } catch (err) {
    stopped = err;
  }
  // Never leave a download running behind a failure: wait for every started one to settle first.
  const settled = await Promise.allSettled(downloads);
  if (stopped !== null) throw stopped;
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return oldestFirst;
}

/** The json must be an object whose `id` is the one asked for (a registry serving another image is broken). */
function checkJsonId(operation: string, path: string, bytes: Buffer, id: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new V1ClientError({ operation, method: 'GET', path, detail: 'the image json is not JSON', code: 'PROTOCOL' });
  }
  const actual = parsed !== null && typeof parsed === 'object' ? (parsed as { id?: unknown }).id : undefined;
  if (actual !== id) throw new V1ClientError({ operation, method: 'GET', path, detail: `the image json names image ${String(actual)}`, code: 'PROTOCOL' });
}

