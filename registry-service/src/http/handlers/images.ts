/**
 * Image routes of the Registry (v1-protocol.md §4.1 R4–R12). Reads run tok → id → access → done → 304:
 * the id is checked first on every route (an over-long id never reaches storage), and an image the grant
 * may not read answers 404 `Image not found` before anything else can tell it exists (not even the
 * "being uploaded" 400 or an If-Modified-Since 304).
 */
import type { Context } from 'koa';
import { Header, V1Error, answerNotModified, readRawBody, sendJson, sendRawJson, setCacheHeaders } from '@v1hub/shared';
import type { RegistryDeps } from '../../deps.js';
import { grantOf, imageIdOf, requireReadable, uploaderOf } from '../request-helpers.js';
import { parseLegacyRange, formatLegacyContentRange } from '../range.js';
import { sendObject } from '../send-object.js';

/** Image json is small metadata; 8 MiB is far beyond any real one. */
const IMAGE_JSON_LIMIT = 8 * 1024 * 1024;

export function imageHandlers(deps: RegistryDeps) {
  const { images } = deps;

  /** The read guards every image GET shares, in order: id → access → done → 304. Null when 304 answered. */
  async function readableImage(ctx: Context): Promise<string | null> {
    const id = imageIdOf(ctx);
    await requireReadable(ctx, deps, id);
    await images.assertComplete(id);
    return answerNotModified(ctx) ? null : id;
  }

  /** R4: raw json bytes with size and payload checksum headers. */
  async function getImageJson(ctx: Context): Promise<void> {
    const id = await readableImage(ctx);
    if (id === null) return;
    const stored = await images.getJson(id);
    setCacheHeaders(ctx);
    if (stored.layerSize !== null) ctx.set(Header.Size, String(stored.layerSize));
    if (stored.payloadChecksum !== null) ctx.set(Header.ChecksumPayload, stored.payloadChecksum);
    sendRawJson(ctx, stored.bytes);
  }

  /**
   * R6: 200 stream, or 206 for a valid Range. HEAD answers the same headers without opening the layer.
   * LEGACY: §4.1 R6 — docker-registry checked the upload marker before the id; the id comes first here, so
   * an over-long id is the 404 `Invalid image ID`, never a storage error.
   */
  async function getImageLayer(ctx: Context): Promise<void> {
    const id = await readableImage(ctx);
    if (id === null) return;
    const size = await images.layerSize(id);
    setCacheHeaders(ctx);
    ctx.set('Accept-Ranges', 'bytes');
    // LEGACY: §10 Q12 — a zero-byte stored layer is a 416 even without a Range header.
    if (size === 0) throw new V1Error('RANGE_NOT_SATISFIABLE');
    const rangeHeader = ctx.get('Range');
    const range = rangeHeader === '' ? null : parseLegacyRange(rangeHeader, size);
    if (range === 'invalid') throw new V1Error('RANGE_NOT_SATISFIABLE', { headers: { 'Content-Range': `*/${size}` } });
    ctx.type = 'application/octet-stream';
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', formatLegacyContentRange(range, size));
      ctx.length = range.last - range.start + 1;
    } else {
      ctx.status = 200;
      ctx.length = size;
    }
    if (ctx.method === 'HEAD') return;
    const opened = await images.openLayer(id, range ? { start: range.start, end: range.last } : undefined);
    await sendObject(ctx, opened);
  }

  /** R10. */
  async function getImageFiles(ctx: Context): Promise<void> {
    const id = await readableImage(ctx);
    if (id === null) return;
    const files = await images.getFiles(id);
    sendJson(ctx, 200, files);
    setCacheHeaders(ctx);
  }

  return {
    getImageJson,
    getImageLayer,
    getImageFiles,
    // R12: the ≤0.8 private routes answer like the public ones (the privacy check runs either way).
    getPrivateImageJson: getImageJson,
    getPrivateImageLayer: getImageLayer,
    getPrivateImageFiles: getImageFiles,

    /** R5. */
    async putImageJson(ctx: Context): Promise<void> {
      const id = imageIdOf(ctx);
      const raw = await readRawBody(ctx, IMAGE_JSON_LIMIT);
      const grant = grantOf(ctx);
      await images.putJson(id, raw, {
        belongsToRepository: (imageId) => grant.images === null || grant.images.includes(imageId),
        // The parent and its whole ancestry must be readable through this token already (I12 for what the
        // repository does not hold): declaring someone else's id in one's own push grants nothing.
        parentAccess: (ancestry) => deps.imageAccess.mayReadAll(grant, ancestry),
      }, uploaderOf(ctx, deps));
      sendJson(ctx, 200, true);
    },

    /**
     * R7: the chunked body streams through the digester into storage. A client that disconnects aborts the
     * write, leaving nothing visible. LEGACY: §10 Q11 — docker-registry's "daemon older than 0.10" 412 never
     * fired (its version parse always failed), so it is not reproduced.
     */
    async putImageLayer(ctx: Context): Promise<void> {
      const id = imageIdOf(ctx);
      const aborted = new AbortController();
      const onClose = () => {
        if (!ctx.req.complete) aborted.abort(new Error('client disconnected during the layer upload'));
      };
      ctx.req.once('close', onClose);
      try {
        const digests = await images.putLayer(id, ctx.req, uploaderOf(ctx, deps), aborted.signal);
        ctx.state.log.info('layer stored', { image: id.slice(0, 12), bytes: digests.size, payload: digests.payload });
        deps.metrics.layerBytes.inc({ direction: 'in' }, digests.size);
      } finally {
        ctx.req.off('close', onClose);
      }
      sendJson(ctx, 200, true);
    },

    /** R8: the payload checksum must be one the registry computed; then the image is complete. */
    async putImageChecksum(ctx: Context): Promise<void> {
      const id = imageIdOf(ctx);
      const header = ctx.req.headers['x-docker-checksum-payload'];
      await images.putChecksum(id, Array.isArray(header) ? header[0] : header, uploaderOf(ctx, deps));
      sendJson(ctx, 200, true);
    },

    /** R9. */
    async getImageAncestry(ctx: Context): Promise<void> {
      const id = await readableImage(ctx);
      if (id === null) return;
      const ancestry = await images.getAncestry(id);
      sendJson(ctx, 200, ancestry);
      setCacheHeaders(ctx);
    },

    /** R11, computed inline (docker-registry needed a worker queue and Redis for it). */
    async getImageDiff(ctx: Context): Promise<void> {
      const id = await readableImage(ctx);
      if (id === null) return;
      const diff = await images.getDiff(id);
      sendJson(ctx, 200, diff);
      setCacheHeaders(ctx);
    },
  };
}
