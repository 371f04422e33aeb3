/**
 * One layer download (v1-protocol.md §6.2 step 3.3), verified while it streams: the payload checksum
 * sha256(json ‖ "\n" ‖ bytes) is recomputed chunk by chunk and compared at the end with the one the
 * registry announced on GET json (§7.1) — something Docker 1.x never did on a v1 pull.
 *
 * A connection that breaks mid-layer is resumed the way Docker's resumable reader did it, with
 * `Range: bytes=<got>-<size>` (end = size, one past the last byte, §10 Q12) when the registry sent
 * `Accept-Ranges: bytes` and the size is known; otherwise the layer starts over. Both are bounded.
 */
import { createPayloadChecksum } from '../checksum/payload-checksum.js';
import { V1ClientError } from './client-error.js';
import { asClientError, responseError } from './context.js';
import type { LayerSink } from './layer-sink.js';
import type { RegistryApi } from './registry-api.js';
import { waitBeforeRetry, type RetryPolicy } from './retry.js';
import type { TransportResponse } from './transport-response.js';

/** Docker's resumable reader gave up after 5 failures. */
export const MAX_LAYER_RESUMES = 5;

/** Inputs of {@link downloadLayer}. */
export interface LayerDownload {
  readonly registry: RegistryApi;
  /** Registry base URL. */
  readonly base: string;
  readonly id: string;
  readonly authorization: string;
  /** The image json bytes as served (the payload checksum starts with them). */
  readonly json: Buffer;
  /** `X-Docker-Size` from GET json: the stored layer size, or null when unknown. */
  readonly size: number | null;
  /** `X-Docker-Checksum-Payload` from GET json, or null when the registry sent none. */
  readonly expectedPayload: string | null;
  readonly sink: LayerSink;
  readonly policy: RetryPolicy;
  readonly operation: string;
  /** Called with the bytes received so far after each chunk (0 again when the layer starts over). */
  readonly onBytes?: (received: number) => void;
}

/** What came down. */
export interface DownloadedLayer {
  /** Layer bytes received (the stored form, usually gzip). */
  readonly layerBytes: number;
  /** Bytes the sink stored. */
  readonly tarBytes: number;
  /** `sha256:…` recomputed from json and bytes. */
  readonly payload: string;
  /** True when an announced payload checksum was compared (and matched). */
  readonly verified: boolean;
  /** How many times the download resumed or restarted after a break. */
  readonly resumes: number;
}

/** The sink failed (a local disk problem): never worth a retry. */
class SinkFailure extends Error {}

/** Downloads, stores and verifies one layer. Rejects with a {@link V1ClientError}. */
export async function downloadLayer(job: LayerDownload): Promise<DownloadedLayer> {
  const { size, operation } = job;
  let hash = createPayloadChecksum(job.json);
  let got = 0;
  let resumes = 0;
  // Corrupt bytes make the gzip inflater fail before the checksum can be compared; the bytes are then
  // still hashed to the end, so the error names the real cause (a checksum mismatch) when it is one.
  let corrupt: Error | null = null;
  const store = async (chunk: Buffer): Promise<void> => {
    if (corrupt) return;
    try {
      await job.sink.write(chunk);
    } catch (err) {
      if (!isInflateError(err)) throw new SinkFailure(`cannot store the layer: ${(err as Error).message}`, { cause: err });
      corrupt = err as Error;
    }
  };
  const restart = async (): Promise<void> => {
    hash = createPayloadChecksum(job.json);
    got = 0;
    corrupt = null;
    job.onBytes?.(0);
    await job.sink.reset();
  };

  for (;;) {
    // LEGACY: §6.2 step 3.3 / §10 Q12 — Docker's resume form, the end being the size (one past the end).
    const range = got > 0 ? `bytes=${got}-${size ?? ''}` : undefined;
    let res: TransportResponse;
    try {
      res = await job.registry.getImageLayer(job.base, job.id, job.authorization, range);
    } catch (err) {
      // The transport already retried the request itself; a failure here is final.
      throw asClientError(operation, err);
    }
    if (res.status === 416) {
      await res.discard();
      // LEGACY: §10 Q12 — a 416 at the end of the layer (or for a zero-byte layer) means end of file.
      if (size === null || got >= size) break;
      // A 416 before the end (a server with stricter range rules than docker-registry's): start over.
      if (resumes++ >= MAX_LAYER_RESUMES) throw await responseError(operation, res, { detail: `cannot resume the layer at byte ${got}` });
      await restart();
      continue;
    }
    if (got > 0 && res.status === 200) {
      await restart(); // The server ignored the Range header and sent the whole layer again.
    } else if (res.status !== (got > 0 ? 206 : 200)) {
      throw await responseError(operation, res);
    }
    const resumable = (res.header('Accept-Ranges') ?? '').trim() === 'bytes' && size !== null && size > 0;
    try {
      for await (const chunk of res.stream() as AsyncIterable<Buffer>) {
        hash.update(chunk);
        got += chunk.length;
        job.onBytes?.(got);
        await store(chunk);
      }
      if (size !== null && got < size) throw new Error(`the body ended after ${got} of ${size} bytes`);
      break;
    } catch (err) {
      if (err instanceof SinkFailure) throw new V1ClientError({ operation, method: res.method, path: res.path, detail: err.message, code: 'SOURCE', cause: err });
      if (resumes >= MAX_LAYER_RESUMES) {
        throw new V1ClientError({ operation, method: res.method, path: res.path, detail: `layer download failed after ${resumes} resumes: ${(err as Error).message}`, code: 'UNREACHABLE', cause: err });
      }
      resumes++;
      await waitBeforeRetry(job.policy, resumes);
      if (!resumable) await restart();
    }
  }

  let tarBytes = 0;
  if (!corrupt) {
    try {
      tarBytes = await job.sink.finish();
    } catch (err) {
      if (!isInflateError(err)) throw new V1ClientError({ operation, detail: `cannot store the layer of image ${job.id}: ${(err as Error).message}`, code: 'SOURCE', cause: err });
      corrupt = err as Error;
    }
  }
  const payload = hash.digest();
  if (size !== null && got !== size) {
    throw new V1ClientError({ operation, detail: `layer of image ${job.id}: received ${got} bytes, the registry announced ${size}`, code: 'CHECKSUM_MISMATCH' });
  }
  if (job.expectedPayload !== null && payload !== job.expectedPayload.trim()) {
    throw new V1ClientError({
      operation,
      detail: `checksum mismatch for image ${job.id}: the registry announced ${job.expectedPayload.trim()}, the bytes received give ${payload}`,
      code: 'CHECKSUM_MISMATCH',
    });
  }
  if (corrupt) {
    throw new V1ClientError({ operation, detail: `the layer of image ${job.id} is not a valid gzip stream: ${(corrupt as Error).message}`, code: 'CHECKSUM_MISMATCH', cause: corrupt });
  }
  return { layerBytes: got, tarBytes, payload, verified: job.expectedPayload !== null, resumes };
}

/** zlib's errors (`Z_DATA_ERROR`, `Z_BUF_ERROR`…) mean the bytes are bad, not the disk. */
function isInflateError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
