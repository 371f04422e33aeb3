/**
 * One method per Index route (v1-protocol.md §3.1), with the headers Docker 1.5 put on each. No workflow
 * decisions: every method returns the raw {@link TransportResponse} and the caller judges the status.
 */
import { Header } from '../protocol/headers.js';
import type { RemoteRepository } from './remote.js';
import { indexRepoParams } from './remote.js';
import type { Transport } from './transport.js';
import type { TransportResponse } from './transport-response.js';

/** An entry of the image list sent with PUT repository (§3.1 I6): capitalised `Tag`, no checksum. */
export interface ImageIndexEntry {
  readonly id: string;
  readonly Tag?: string;
}

/** The account fields of POST /v1/users/ (§3.1 I3). */
export interface Registration {
  readonly username: string;
  readonly password: string;
  readonly email: string;
}

/** Options shared by the calls that may carry credentials. */
export interface AuthOptions {
  /** The whole `Authorization` value, or null for none. */
  readonly authorization?: string | null;
}

/** Typed access to the Index routes of one Index. */
export class IndexApi {
  constructor(
    private readonly transport: Transport,
    /** `scheme://host[:port]` of the Index. */
    readonly baseUrl: string,
  ) {}

  /** I2: `GET /v2/`, which a v1 Index must not answer as a v2 registry. */
  pingV2(): Promise<TransportResponse> {
    return this.transport.request({ service: 'index', route: 'pingV2', baseUrl: this.baseUrl, plainUserAgent: true, retry: false });
  }

  /** I1: `GET /v1/_ping`, no auth, Go's plain User-Agent. */
  ping(): Promise<TransportResponse> {
    return this.transport.request({ service: 'index', route: 'indexPing', baseUrl: this.baseUrl, plainUserAgent: true });
  }

  /**
   * I3: `POST /v1/users/` with `{"username","password","auth":"","email"}` in the Go struct's field order
   * and no credentials; Go's plain User-Agent, as the 1.5 login did (§2).
   */
  createUser(registration: Registration): Promise<TransportResponse> {
    const body = JSON.stringify({ username: registration.username, password: registration.password, auth: '', email: registration.email });
    return this.transport.request({
      service: 'index',
      route: 'createUser',
      baseUrl: this.baseUrl,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body,
      plainUserAgent: true,
    });
  }

  /** I4: `GET /v1/users/` with Basic credentials. */
  checkLogin(authorization: string): Promise<TransportResponse> {
    return this.transport.request({ service: 'index', route: 'checkLogin', baseUrl: this.baseUrl, headers: { Authorization: authorization } });
  }

  /** I6: `PUT /v1/repositories/<repo>/` with the image list, Basic and `X-Docker-Token: true`. */
  putRepository(repo: RemoteRepository, images: readonly ImageIndexEntry[], opts: { authorization: string }): Promise<TransportResponse> {
    return this.transport.request({
      service: 'index',
      route: 'putRepository',
      baseUrl: this.baseUrl,
      params: indexRepoParams(repo),
      library: repo.library,
      headers: { 'Content-Type': 'application/json', [Header.Token]: 'true', Authorization: opts.authorization },
      body: JSON.stringify(images),
    });
  }

  /** I8: `GET /v1/repositories/<repo>/images`; `X-Docker-Token: true` asks for a read token. */
  getRepositoryImages(repo: RemoteRepository, opts: AuthOptions & { wantToken?: boolean } = {}): Promise<TransportResponse> {
    return this.transport.request({
      service: 'index',
      route: 'getRepositoryImages',
      baseUrl: this.baseUrl,
      params: indexRepoParams(repo),
      library: repo.library,
      headers: { ...(opts.wantToken === false ? {} : { [Header.Token]: 'true' }), ...authHeader(opts) },
    });
  }

  /**
   * I9: the end of a push. Body `[]` in practice (§10 Q1), `X-Docker-Token: true`, and one
   * `X-Docker-Endpoints` line per registry as a full URL (§6.3 step 3).
   */
  putRepositoryImages(repo: RemoteRepository, images: readonly ImageIndexEntry[], opts: { authorization: string; endpoints: readonly string[] }): Promise<TransportResponse> {
    return this.transport.request({
      service: 'index',
      route: 'putRepositoryImages',
      baseUrl: this.baseUrl,
      params: indexRepoParams(repo),
      library: repo.library,
      headers: { 'Content-Type': 'application/json', [Header.Token]: 'true', Authorization: opts.authorization, [Header.Endpoints]: opts.endpoints },
      body: JSON.stringify(images),
    });
  }

  /**
   * I7 / I7b: `DELETE /v1/repositories/<repo>/`. The first call asks for a delete token; the second
   * lists the registries that are done in `X-Docker-Endpoints` (§6.4).
   */
  deleteRepository(repo: RemoteRepository, opts: { authorization: string; wantToken: boolean; endpoints?: readonly string[] }): Promise<TransportResponse> {
    return this.transport.request({
      service: 'index',
      route: 'deleteRepository',
      baseUrl: this.baseUrl,
      params: indexRepoParams(repo),
      library: repo.library,
      headers: {
        Authorization: opts.authorization,
        ...(opts.wantToken ? { [Header.Token]: 'true' } : {}),
        ...(opts.endpoints ? { [Header.Endpoints]: opts.endpoints } : {}),
      },
    });
  }

  /** I13: `GET /v1/search?q=<term>&n=<limit>`; 1.5 sent `X-Docker-Token: true` and Basic when logged in. */
  searchIndex(term: string, opts: AuthOptions & { limit?: number; page?: number } = {}): Promise<TransportResponse> {
    const query: Record<string, string> = { q: term };
    if (opts.limit !== undefined) query.n = String(opts.limit);
    if (opts.page !== undefined) query.page = String(opts.page);
    return this.transport.request({
      service: 'index',
      route: 'searchIndex',
      baseUrl: this.baseUrl,
      query,
      headers: { [Header.Token]: 'true', ...authHeader(opts) },
    });
  }

  /** v1hub: `GET /v1/repositories/<repo>/info`. */
  getRepositoryInfo(repo: RemoteRepository, opts: AuthOptions = {}): Promise<TransportResponse> {
    return this.transport.request({ service: 'index', route: 'getRepositoryInfo', baseUrl: this.baseUrl, params: indexRepoParams(repo), library: repo.library, headers: authHeader(opts) });
  }

  /** v1hub: `PATCH /v1/repositories/<repo>/info` with `{"description"?, "private"?}`. */
  patchRepositoryInfo(repo: RemoteRepository, patch: { description?: string; private?: boolean }, opts: { authorization: string }): Promise<TransportResponse> {
    return this.transport.request({
      service: 'index',
      route: 'patchRepositoryInfo',
      baseUrl: this.baseUrl,
      params: indexRepoParams(repo),
      library: repo.library,
      headers: { 'Content-Type': 'application/json', Authorization: opts.authorization },
      body: JSON.stringify(patch),
      retry: false,
    });
  }
}

function authHeader(opts: AuthOptions): Record<string, string> {
  return opts.authorization ? { Authorization: opts.authorization } : {};
}
