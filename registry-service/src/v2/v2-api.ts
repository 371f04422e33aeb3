/**
 * The Registry HTTP API V2 on a v1hub registry started with `--v2`: one middleware in front of the v1 routes
 * that answers every `/v2` path from V2_ROUTES (shared/src/protocol/v2-routes.ts), guarded by V2Access, on
 * the V2Store. Errors are the spec's JSON (`{"errors": [...]}`), never v1's `{"error"}`. Without `--v2` the
 * middleware is not mounted and `/v2/` is v1's 404, so Docker 1.6–1.8 keep speaking v1 (§6).
 */
import type { Context, Middleware, Next } from 'koa';
import {
  CONTENT_DIGEST_HEADER,
  UPLOAD_UUID_HEADER,
  V2Error,
  V2_API_VERSION,
  V2_API_VERSION_HEADER,
  V2_ROUTES,
  matchV2Route,
  parseV2Name,
  v2PathKnown,
  type RepoName,
  type RequestState,
  type V2RouteName,
} from '@v1hub/shared';
import { V1Error, readRawBody } from '@v1hub/shared';
import { StorageBackendError } from '../storage/layer-storage.js';
import { sendObject } from '../http/send-object.js';
import { V2Challenge, type V2Access } from './v2-access.js';
import { MAX_MANIFEST_BYTES, type RemovedTag, type StoredManifest, type V2Store } from './v2-store.js';
import type { V1Bridge } from './v1-bridge.js';

export interface V2ApiDeps {
  readonly store: V2Store;
  readonly access: V2Access;
  /** v1 images over v2, and v2 images into v1. */
  readonly bridge: V1Bridge;
  /** Every repository v1 holds (with at least one tag), for the catalog: one store, two protocols. */
  readonly v1Repositories: () => Promise<string[]>;
}

interface V2Request {
  readonly ctx: Context;
  readonly params: Record<string, string>;
  readonly name: RepoName;
  readonly rawName: string;
  readonly canPull: (name: string) => boolean;
}

type Handler = (req: V2Request) => Promise<void>;

const CATALOG_MAX = 1000;

export function v2Api(deps: V2ApiDeps): Middleware {
  const { store, bridge } = deps;
  /**
   * A manifest by digest, or by tag from whichever protocol wrote the tag last: the v2 tag while the v1 tag
   * still names the v1 chain this v2 push made (or there is none), else the v1 tag's chain, as a manifest.
   */
  const manifestFor = async (name: RepoName, reference: string): Promise<StoredManifest> => {
    if (reference.startsWith('sha256:')) return store.getManifest(name, reference);
    const v2Tag = await store.readTag(name, reference);
    const v1Id = await bridge.v1TagId(name, reference);
    if (v2Tag !== null && (v1Id === null || v1Id === v2Tag.v1Id)) return store.getManifest(name, v2Tag.digest);
    const fromV1 = v1Id === null ? null : await bridge.manifestFromV1Chain(name, v1Id);
    if (fromV1 !== null) return fromV1;
    if (v2Tag !== null) return store.getManifest(name, v2Tag.digest);
    throw new V2Error('MANIFEST_UNKNOWN', { tag: reference });
  };
  const location = (rawName: string, uuid: string) => `/v2/${rawName}/blobs/uploads/${uuid}`;
  const uploadHeaders = (ctx: Context, rawName: string, uuid: string, size: number) => {
    ctx.set('Location', location(rawName, uuid));
    ctx.set(UPLOAD_UUID_HEADER, uuid);
    // The spec's Range is inclusive: nothing yet is 0-0, as the reference registry says.
    ctx.set('Range', `0-${Math.max(0, size - 1)}`);
  };
  const blobDone = (ctx: Context, rawName: string, digest: string) => {
    ctx.set('Location', `/v2/${rawName}/blobs/${digest}`);
    ctx.set(CONTENT_DIGEST_HEADER, digest);
    noBody(ctx, 201);
  };
  const signalOf = (ctx: Context): AbortSignal => {
    const controller = new AbortController();
    ctx.req.once('aborted', () => controller.abort());
    return controller.signal;
  };

  const handlers: Record<V2RouteName, Handler> = {
    async v2Base({ ctx }) {
      sendJson(ctx, 200, {});
    },

    async v2Catalog({ ctx }) {
      const { n, last } = paging(ctx);
      const all = [...new Set([...(await store.repositories()), ...(await deps.v1Repositories())])].sort();
      pagedList(ctx, '/v2/_catalog', all, n ?? CATALOG_MAX, last, (page) => ({ repositories: page }));
    },

    async v2Tags({ ctx, name, rawName }) {
      const { n, last } = paging(ctx);
      const v1 = await bridge.v1Tags(name);
      const v2 = await store.tags(name).catch((err: unknown) => {
        if (err instanceof V2Error && err.code === 'NAME_UNKNOWN' && v1.length > 0) return [];
        throw err;
      });
      const tags = [...new Set([...v2, ...v1])].sort();
      pagedList(ctx, `/v2/${rawName}/tags/list`, tags, n ?? tags.length, last, (page) => ({ name: rawName, tags: page }));
    },

    async v2GetManifest({ ctx, name, params }) {
      const manifest = await manifestFor(name, params.reference as string);
      ctx.status = 200;
      ctx.set('Content-Type', manifest.mediaType);
      ctx.set(CONTENT_DIGEST_HEADER, manifest.digest);
      ctx.set('ETag', `"${manifest.digest}"`);
      ctx.body = manifest.bytes;
    },

    async v2HeadManifest({ ctx, name, params }) {
      const manifest = await manifestFor(name, params.reference as string);
      ctx.set(CONTENT_DIGEST_HEADER, manifest.digest);
      noBody(ctx, 200, manifest.bytes.length, manifest.mediaType);
    },

    async v2PutManifest({ ctx, name, rawName, params }) {
      const bytes = await readRawBody(ctx, MAX_MANIFEST_BYTES).catch((err: unknown) => {
        if (err instanceof V1Error && err.code === 'BODY_TOO_LARGE') throw new V2Error('SIZE_INVALID', { limit: MAX_MANIFEST_BYTES }, { status: 413, message: 'manifest too large' });
        throw err;
      });
      const reference = params.reference as string;
      const stored = await store.putManifest(name, reference, ctx.get('Content-Type') || undefined, bytes);
      const { digest } = stored;
      if (!reference.startsWith('sha256:')) {
        const v1Id = await bridge.materializeV1(name, reference, stored);
        if (v1Id !== null) await store.setTagV1Id(name, reference, digest, v1Id);
        // An image v1 cannot hold still supersedes the tag: an older v1 tag of that name must not win over it.
        else await bridge.deleteV1Tag(name, reference);
      }
      ctx.set('Location', `/v2/${rawName}/manifests/${digest}`);
      ctx.set(CONTENT_DIGEST_HEADER, digest);
      noBody(ctx, 201);
    },

    async v2DeleteManifest({ ctx, name, params }) {
      const reference = params.reference as string;
      // Deletes see both protocols: a tag's v1 twin (the v1 tag this image's v2 push made, while it still
      // names that image) goes with it, and a tag only v1 has is deleted in v1.
      const removeV1Twins = async (removed: readonly RemovedTag[]) => {
        for (const { tag, v1Id } of removed) if (v1Id !== null && (await bridge.v1TagId(name, tag)) === v1Id) await bridge.deleteV1Tag(name, tag);
      };
      if (reference.startsWith('sha256:')) {
        await removeV1Twins(await store.deleteManifest(name, reference));
      } else {
        const removed = await store.deleteTag(name, reference);
        if (removed !== null) await removeV1Twins([removed]);
        else if ((await bridge.v1TagId(name, reference)) !== null) await bridge.deleteV1Tag(name, reference);
        else throw new V2Error('MANIFEST_UNKNOWN', { reference });
      }
      accepted(ctx);
    },

    async v2GetBlob({ ctx, name, params }) {
      const digest = params.digest as string;
      const located = await store.locateBlob(name, digest);
      if (located === null) throw new V2Error('BLOB_UNKNOWN', { digest });
      const { size } = located;
      const range = parseRange(ctx.get('Range'), size);
      ctx.set('Accept-Ranges', 'bytes');
      ctx.set(CONTENT_DIGEST_HEADER, digest);
      ctx.set('Content-Type', 'application/octet-stream');
      if (range === 'invalid') {
        ctx.set('Content-Range', `bytes */${size}`);
        throw new V2Error('RANGE_INVALID', { size });
      }
      const opened = await store.openLocated(located, range ?? undefined);
      if (range) {
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
        ctx.set('Content-Length', String(range.end - range.start + 1));
      } else {
        ctx.status = 200;
        ctx.set('Content-Length', String(size));
      }
      await sendObject(ctx, opened);
    },

    async v2HeadBlob({ ctx, name, params }) {
      const digest = params.digest as string;
      const size = await store.blobSize(name, digest);
      if (size === null) throw new V2Error('BLOB_UNKNOWN', { digest });
      ctx.set('Accept-Ranges', 'bytes');
      ctx.set(CONTENT_DIGEST_HEADER, digest);
      noBody(ctx, 200, size, 'application/octet-stream');
    },

    async v2DeleteBlob({ ctx, name, params }) {
      await store.unlinkBlob(name, params.digest as string);
      accepted(ctx);
    },

    async v2StartUpload({ ctx, name, rawName, canPull }) {
      const mount = typeof ctx.query.mount === 'string' ? ctx.query.mount : undefined;
      const from = typeof ctx.query.from === 'string' ? ctx.query.from : undefined;
      if (mount !== undefined && from !== undefined) {
        // A mount needs pull on the source; without it (or without the blob there) it becomes a plain upload.
        const source = parseV2Name(from);
        if (source && canPull(from) && (await store.mountBlob(name, source, mount))) {
          ctx.req.resume();
          blobDone(ctx, rawName, mount);
          return;
        }
      }
      const upload = await store.startUpload(name);
      const digest = typeof ctx.query.digest === 'string' ? ctx.query.digest : undefined;
      if (digest !== undefined) {
        // Monolithic: the body is the whole blob.
        await store.completeUpload(name, upload.uuid, digest, ctx.req, signalOf(ctx));
        blobDone(ctx, rawName, digest);
        return;
      }
      ctx.req.resume();
      uploadHeaders(ctx, rawName, upload.uuid, 0);
      noBody(ctx, 202);
    },

    async v2UploadStatus({ ctx, name, rawName, params }) {
      const state = await store.uploadState(name, params.uuid as string);
      uploadHeaders(ctx, rawName, state.uuid, state.size);
      noBody(ctx, 204);
    },

    async v2PatchUpload({ ctx, name, rawName, params }) {
      const range = ctx.get('Content-Range');
      const start = range === '' ? null : Number(/^(?:bytes )?(\d+)-\d+(?:\/\d+|\/\*)?$/.exec(range)?.[1] ?? NaN);
      if (start !== null && !Number.isSafeInteger(start)) throw new V2Error('RANGE_INVALID', { range });
      const state = await store.appendChunk(name, params.uuid as string, ctx.req, start, signalOf(ctx)).catch(async (err: unknown) => {
        // A chunk out of place: say where the upload stands, so the client can resume (api.md).
        if (err instanceof V2Error && err.code === 'RANGE_INVALID') {
          const now = await store.uploadState(name, params.uuid as string);
          uploadHeaders(ctx, rawName, now.uuid, now.size);
        }
        throw err;
      });
      uploadHeaders(ctx, rawName, state.uuid, state.size);
      noBody(ctx, 202);
    },

    async v2PutUpload({ ctx, name, rawName, params }) {
      const digest = typeof ctx.query.digest === 'string' ? ctx.query.digest : '';
      const hasBody = ctx.get('Content-Length') !== '' ? Number(ctx.get('Content-Length')) > 0 : ctx.get('Transfer-Encoding') !== '';
      await store.completeUpload(name, params.uuid as string, digest, hasBody ? ctx.req : null, signalOf(ctx));
      if (!hasBody) ctx.req.resume();
      blobDone(ctx, rawName, digest);
    },

    async v2CancelUpload({ ctx, name, params }) {
      await store.cancelUpload(name, params.uuid as string);
      noBody(ctx, 204);
    },
  };

  return async (ctx: Context, next: Next) => {
    if (ctx.path !== '/v2' && !ctx.path.startsWith('/v2/')) return next();
    ctx.set(V2_API_VERSION_HEADER, V2_API_VERSION);
    const route = matchV2Route(ctx.method, ctx.path);
    (ctx.state as RequestState & { routeName?: string }).routeName = route?.name ?? 'unmatched';
    try {
      if (!route) {
        if (v2PathKnown(ctx.path)) throw new V2Error('UNSUPPORTED', undefined, { status: 405 });
        throw new V2Error('NAME_UNKNOWN', { path: ctx.path }, { status: 404, message: 'not found' });
      }
      const rawName = route.params.name ?? '';
      const name = route.params.name === undefined ? { namespace: '', repository: '' } : parseV2Name(rawName);
      if (name === null) throw new V2Error('NAME_INVALID', { name: rawName });
      const action = V2_ROUTES[route.name].action;
      const granted = await deps.access.authorize({ authorization: ctx.get('Authorization') || undefined, action, ...(route.params.name === undefined ? {} : { name: rawName }) });
      await handlers[route.name]({ ctx, params: route.params, name, rawName, canPull: granted.canPull });
    } catch (err) {
      ctx.req.resume();
      const failure = err instanceof V2Error ? err : err instanceof StorageBackendError ? new V2Error('UNAVAILABLE') : null;
      if (failure === null) {
        (ctx.state as RequestState).log.error('v2 request failed', { error: (err as Error).message });
        sendJson(ctx, 500, { errors: [{ code: 'UNKNOWN', message: 'unknown error' }] });
        return;
      }
      if (failure instanceof V2Challenge) ctx.set('WWW-Authenticate', failure.challenge);
      sendJson(ctx, failure.status, failure.body());
    }
  };
}

function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = ctx.method === 'HEAD' ? null : JSON.stringify(body);
}

function accepted(ctx: Context): void {
  noBody(ctx, 202);
}

/**
 * An answer without a body. Koa turns `body = null` into a 204 whatever the status, and gives '' a text type,
 * so the body is '' and the headers are set after it. A HEAD gives the length of what a GET would send.
 */
function noBody(ctx: Context, status: number, contentLength = 0, type?: string): void {
  ctx.status = status;
  ctx.body = '';
  ctx.remove('Content-Type');
  if (type !== undefined) ctx.set('Content-Type', type);
  if (status !== 204) ctx.set('Content-Length', String(contentLength));
  else ctx.remove('Content-Length');
}

function paging(ctx: Context): { n: number | null; last: string | null } {
  const nText = typeof ctx.query.n === 'string' ? ctx.query.n : undefined;
  const n = nText === undefined ? null : Number(nText);
  if (n !== null && (!Number.isInteger(n) || n < 0 || n > CATALOG_MAX)) throw new V2Error('PAGINATION_NUMBER_INVALID', { n: nText });
  return { n, last: typeof ctx.query.last === 'string' ? ctx.query.last : null };
}

/** The entries after `last`, at most `n`, and a `Link` to the next page when there is more (api.md "Pagination"). */
function pagedList(ctx: Context, path: string, all: readonly string[], n: number, last: string | null, body: (page: string[]) => unknown): void {
  const after = last === null ? all : all.filter((entry) => entry > last);
  const page = after.slice(0, n);
  if (after.length > page.length && page.length > 0) ctx.set('Link', `<${path}?n=${n}&last=${encodeURIComponent(page[page.length - 1] as string)}>; rel="next"`);
  sendJson(ctx, 200, body(page));
}

/** `bytes=start-end` or `bytes=start-` (RFC 9110); null for no or an unparsable header (the whole blob). */
function parseRange(header: string, size: number): { start: number; end: number } | 'invalid' | null {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'invalid';
  return { start, end };
}
