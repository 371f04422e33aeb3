/** Image routes of the Registry (v1-protocol.md §4.1 R4–R12), guards in the documented order. */
import type { Context } from 'koa';
import { Header, V1Error, answerNotModified, readRawBody, sendJson, sendRawJson, setCacheHeaders } from '@v1hub/shared';
import type { RegistryDeps } from '../../deps.js';
import { checkPrivateRead, grantOf, imageIdOf } from '../request-helpers.js';
import { parseLegacyRange, formatLegacyContentRange } from '../range.js';

/** Image json is small metadata; 8 MiB is far beyond any real one. */
const IMAGE_JSON_LIMIT = 8 * 1024 * 1024;

export function imageHandlers(deps: RegistryDeps) {
  const { images } = deps;

  /** R4: tok → id → done → 304; raw json bytes with size and payload checksum headers. */
  async function getImageJson(ctx: Context): Promise<void> {
    const id = imageIdOf(ctx);
    await images.assertComplete(id);
    if (answerNotModified(ctx)) return;
    await checkPrivateRead(ctx, deps, id);
    const stored = await images.getJson(id);
    setCacheHeaders(ctx);
    if (stored.layerSize !== null) ctx.set(Header.Size, String(stored.layerSize));
    if (stored.payloadChecksum !== null) ctx.set(Header.ChecksumPayload, stored.payloadChecksum);
    sendRawJson(ctx, stored.bytes);
  }

  /**
   * R6: tok → done → id (docker-registry's order) → 304; 200 stream, or 206 for a valid Range.
   * HEAD answers the same headers without opening the layer.
   */
  async function getImageLayer(ctx: Context): Promise<void> {
    const rawId = (ctx.params as { imageId: string }).imageId;
    await images.assertComplete(rawId);
    const id = imageIdOf(ctx);
    if (answerNotModified(ctx)) return;
    await checkPrivateRead(ctx, deps, id);
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
    ctx.body = opened.stream;
  }

  /** R10. */
  async function getImageFiles(ctx: Context): Promise<void> {
    const id = imageIdOf(ctx);
    await images.assertComplete(id);
    if (answerNotModified(ctx)) return;
    await checkPrivateRead(ctx, deps, id);
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
      const authorization = ctx.get('Authorization') || undefined;
      await images.putJson(id, raw, {
        belongsToRepository: (imageId) => grant.images === null || grant.images.includes(imageId),
        parentAccess: async (parentId) => deps.access.mode === 'standalone' || (grant.repository !== null && deps.access.layerAccess(authorization, grant.repository, parentId)),
      });
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
        const digests = await images.putLayer(id, ctx.req, aborted.signal);
        ctx.state.log.info('layer stored', { image: id.slice(0, 12), bytes: digests.size, payload: digests.payload, tarsum: digests.tarsums.tarsum ?? null });
      } finally {
        ctx.req.off('close', onClose);
      }
      sendJson(ctx, 200, true);
    },

    /** R8: the payload checksum must be one the registry computed; then the image is complete. */
    async putImageChecksum(ctx: Context): Promise<void> {
      const id = imageIdOf(ctx);
      const header = ctx.req.headers['x-docker-checksum-payload'];
      await images.putChecksum(id, Array.isArray(header) ? header[0] : header);
      sendJson(ctx, 200, true);
    },

    /** R9. */
    async getImageAncestry(ctx: Context): Promise<void> {
      const id = imageIdOf(ctx);
      await images.assertComplete(id);
      if (answerNotModified(ctx)) return;
      const ancestry = await images.getAncestry(id);
      sendJson(ctx, 200, ancestry);
      setCacheHeaders(ctx);
    },

    /** R11, computed inline (docker-registry needed a worker queue and Redis for it). */
    async getImageDiff(ctx: Context): Promise<void> {
      const id = imageIdOf(ctx);
      await images.assertComplete(id);
      if (answerNotModified(ctx)) return;
      await checkPrivateRead(ctx, deps, id);
      const diff = await images.getDiff(id);
      sendJson(ctx, 200, diff);
      setCacheHeaders(ctx);
    },
  };
}
