/**
 * One method per Registry route (v1-protocol.md §4.1), with the headers Docker 1.5 sent. Every call
 * names the registry it goes to (`base`, from `X-Docker-Endpoints`) and carries the session's
 * `Authorization` value (usually `Token …`, §5.2). No workflow decisions: the caller reads the status.
 */
import type { Readable } from 'node:stream';
import { Header } from '../protocol/headers.js';
import type { RouteParams } from '../protocol/routes.js';
import type { Transport } from './transport.js';
import type { TransportResponse } from './transport-response.js';

/** Typed access to the Registry routes of any registry. */
export class RegistryApi {
  constructor(private readonly transport: Transport) {}

  /** R1: `GET /v1/_ping`, no auth, Go's plain User-Agent. */
  ping(base: string): Promise<TransportResponse> {
    return this.transport.request({ service: 'registry', route: 'registryPing', pathIndex: 1, baseUrl: base, plainUserAgent: true });
  }

  /** R4: `GET /v1/images/<id>/json`. */
  getImageJson(base: string, id: string, authorization: string): Promise<TransportResponse> {
    return this.image('getImageJson', base, id, authorization);
  }

  /** R5: `PUT /v1/images/<id>/json` with the raw json bytes. */
  putImageJson(base: string, id: string, json: Uint8Array, authorization: string): Promise<TransportResponse> {
    return this.image('putImageJson', base, id, authorization, { 'Content-Type': 'application/json' }, json);
  }

  /**
   * R7: `PUT /v1/images/<id>/layer`, chunked (no Content-Length), `application/octet-stream` (§2). The
   * factory is called once per attempt, so a retried upload streams the layer again from its source.
   */
  putImageLayer(base: string, id: string, body: () => Readable, authorization: string): Promise<TransportResponse> {
    return this.image('putImageLayer', base, id, authorization, { 'Content-Type': 'application/octet-stream' }, body);
  }

  /** R8: `PUT /v1/images/<id>/checksum` with `X-Docker-Checksum` (TarSum) and `X-Docker-Checksum-Payload`. */
  putImageChecksum(base: string, id: string, sums: { tarsum: string; payload: string }, authorization: string): Promise<TransportResponse> {
    return this.image('putImageChecksum', base, id, authorization, { [Header.Checksum]: sums.tarsum, [Header.ChecksumPayload]: sums.payload });
  }

  /** R9: `GET /v1/images/<id>/ancestry`. */
  getImageAncestry(base: string, id: string, authorization: string): Promise<TransportResponse> {
    return this.image('getImageAncestry', base, id, authorization);
  }

  /**
   * R6: `GET /v1/images/<id>/layer`, optionally from a byte offset. `range` is sent verbatim, so the
   * caller chooses Docker's `bytes=<got>-<size>` form (§6.2 step 3.3). Not retried here: the caller
   * resumes from where the bytes stopped.
   */
  getImageLayer(base: string, id: string, authorization: string, range?: string): Promise<TransportResponse> {
    return this.transport.request({
      service: 'registry',
      route: 'getImageLayer',
      baseUrl: base,
      params: { imageId: id },
      headers: { Authorization: authorization, ...(range ? { Range: range } : {}) },
    });
  }

  /** R13: `GET /v1/repositories/<ns>/<repo>/tags`. */
  getTags(base: string, repo: RouteParams, authorization: string, library = false): Promise<TransportResponse> {
    return this.repository('getTags', base, repo, library, authorization);
  }

  /** R14: `GET /v1/repositories/<ns>/<repo>/tags/<tag>`. */
  getTag(base: string, repo: RouteParams, tag: string, authorization: string, library = false): Promise<TransportResponse> {
    return this.repository('getTag', base, { ...repo, tag }, library, authorization);
  }

  /** R15: `PUT /v1/repositories/<ns>/<repo>/tags/<tag>` with the body `"<id>"`. */
  putTag(base: string, repo: RouteParams, tag: string, id: string, authorization: string, library = false): Promise<TransportResponse> {
    return this.repository('putTag', base, { ...repo, tag }, library, authorization, JSON.stringify(id));
  }

  /** R16: `DELETE /v1/repositories/<ns>/<repo>/tags/<tag>` (needs a delete token). */
  deleteTag(base: string, repo: RouteParams, tag: string, authorization: string, library = false): Promise<TransportResponse> {
    return this.repository('deleteTag', base, { ...repo, tag }, library, authorization);
  }

  /** R19: `DELETE /v1/repositories/<ns>/<repo>/` (needs a delete token). */
  deleteRegistryRepository(base: string, repo: RouteParams, authorization: string, library = false): Promise<TransportResponse> {
    return this.repository('deleteRegistryRepository', base, repo, library, authorization);
  }

  private image(
    route: 'getImageJson' | 'putImageJson' | 'putImageLayer' | 'putImageChecksum' | 'getImageAncestry',
    base: string,
    id: string,
    authorization: string,
    headers: Record<string, string> = {},
    body?: Uint8Array | (() => Readable),
  ): Promise<TransportResponse> {
    return this.transport.request({
      service: 'registry',
      route,
      baseUrl: base,
      params: { imageId: id },
      headers: { ...headers, Authorization: authorization },
      ...(body === undefined ? {} : { body }),
    });
  }

  private repository(
    route: 'getTags' | 'getTag' | 'putTag' | 'deleteTag' | 'deleteRegistryRepository',
    base: string,
    params: RouteParams,
    library: boolean,
    authorization: string,
    body?: string,
  ): Promise<TransportResponse> {
    return this.transport.request({
      service: 'registry',
      route,
      baseUrl: base,
      params,
      library,
      headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
  }
}
