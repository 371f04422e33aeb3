/**
 * One layer upload, as Docker 1.x made it (v1-protocol.md §6.3 step 2.3, §7): the plain layer tar is read
 * from its source, gzipped, and streamed chunked to `PUT /v1/images/<id>/layer`. In the same pass the
 * TarSum is computed over the plain tar (with the image json as `extra`) and the payload checksum over
 * the gzip bytes exactly as sent. Nothing is held in memory beyond the stream buffers.
 */
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { DEFAULT_COMPRESSION_LEVEL, parallelGzip } from './parallel-gzip.js';
import { createLayerDigester, digestTap, type LayerDigester } from '../checksum/layer-digester.js';
import { createPayloadChecksum, type PayloadChecksum } from '../checksum/payload-checksum.js';
import type { LocalImage } from './image-source.js';
import type { RegistryApi } from './registry-api.js';
import type { TransportResponse } from './transport-response.js';

/** The digests of the bytes that reached the registry. */
export interface UploadedLayer {
  /** Gzip bytes sent. */
  readonly layerBytes: number;
  /** Plain tar bytes read from the source. */
  readonly tarBytes: number;
  /** `tarsum+sha256:…`, or null when the source is not a readable tar (with `tarsumError`). */
  readonly tarsum: string | null;
  readonly tarsumError: string | null;
  /** `sha256:<hex>` of json ‖ "\n" ‖ gzip bytes (§7.1). */
  readonly payload: string;
}

interface AttemptState {
  readonly tarsum: LayerDigester;
  readonly payload: PayloadChecksum;
  gzipBytes: number;
}

/**
 * Sends the layer; resolves with the response and, when the body was sent whole, its digests. The
 * transport may call the body factory again on a retry, so the digests are those of the last attempt.
 */
export async function uploadLayer(
  registry: RegistryApi,
  base: string,
  image: LocalImage,
  authorization: string,
  onTarBytes?: (bytesRead: number) => void,
  compressionLevel = DEFAULT_COMPRESSION_LEVEL,
): Promise<{ res: TransportResponse; layer: () => Promise<UploadedLayer> }> {
  let state: AttemptState | null = null;
  const body = (): Readable => {
    // Progress is counted only for someone listening: no extra stage on the stream otherwise.
    const source = onTarBytes ? countedLayer(image.openLayer(), onTarBytes) : image.openLayer();
    const attempt: AttemptState = {
      // TarSum only: the payload checksum is over the gzip bytes (below), and nothing reads a plain sha256.
      tarsum: createLayerDigester({ json: image.json, tarsumVersions: ['tarsum'], rawSha256: false, payloadChecksum: false }),
      payload: createPayloadChecksum(image.json),
      gzipBytes: 0,
    };
    state = attempt;
    const sentTap = new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
        attempt.payload.update(chunk);
        attempt.gzipBytes += chunk.length;
        callback(null, chunk);
      },
    });
    // LEGACY: §7.2 — Docker 1.x sent a gzip stream. Here it is compressed in fixed blocks on every core
    // (parallel-gzip.ts), still deterministic: the same tar always yields the same payload checksum.
    return pipeline(source, digestTap(attempt.tarsum), parallelGzip(compressionLevel), sentTap, () => {
      // NOTE: a failure destroys `sentTap`, which fails the upload with that error; nothing more to do here.
    });
  };
  const res = await registry.putImageLayer(base, image.id, body, authorization);
  const layer = async (): Promise<UploadedLayer> => {
    const sent = state as AttemptState | null;
    if (!sent) throw new Error('the layer body was never sent');
    const digests = await sent.tarsum.finish();
    return {
      layerBytes: sent.gzipBytes,
      tarBytes: digests.size,
      tarsum: digests.tarsums.tarsum ?? null,
      tarsumError: digests.tarsumError,
      payload: sent.payload.digest(),
    };
  };
  return { res, layer };
}

/** The layer stream, reporting the bytes read so far after each chunk. A source failure fails the result. */
function countedLayer(layer: Readable, onTarBytes: (bytesRead: number) => void): Readable {
  let bytesRead = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
      bytesRead += chunk.length;
      onTarBytes(bytesRead);
      callback(null, chunk);
    },
  });
  return pipeline(layer, counter, () => {
    // NOTE: a failure destroys `counter`, which fails the upload pipeline reading it.
  });
}
