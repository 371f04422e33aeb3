/**
 * One HTTP exchange as a service saw it, published for the live handshake view (`/live`). Nothing in it is
 * secret: tokens appear masked (first characters only), passwords never, user names never (a pull by
 * someone is not the viewer's business); paths name repositories and image ids, and the Index shows an
 * event only to viewers who may read its repository.
 */
import type { Access } from '../protocol/token.js';

/** A registry → Index call made while serving a request (§5.3 step 5, I12, I11). */
export interface ValidationCall {
  readonly route: string;
  readonly path: string;
  /** HTTP status, 0 when the Index could not be reached. */
  readonly status: number;
  /** What the registry concluded. */
  readonly result: boolean;
  readonly ms: number;
  readonly cached?: boolean;
}

export interface ExchangeEvent {
  /** Unique within its source: `<source>:<n>`. */
  readonly id: string;
  /** `index`, or `registry <host:port>` as the Index names the registries it reads. */
  readonly source: string;
  /** Who called and who answered, as the diagram's lanes. */
  readonly from: 'client' | 'registry' | 'index';
  readonly to: 'index' | 'registry';
  /** Epoch milliseconds when the request arrived. */
  readonly time: number;
  readonly ms: number;
  readonly method: string;
  readonly path: string;
  readonly route: string | null;
  /** 0 when the client went away before an answer. */
  readonly status: number;
  /** `ns/repo` when the route names one. */
  readonly repository: string | null;
  /** The workflow step (docs/workflows.md numbering, the scenarios' labels), when the route belongs to one. */
  readonly step: string | null;
  /** How the caller authenticated: the scheme only. */
  readonly auth: 'Basic' | 'Token' | 'Bearer' | null;
  /** The client sent `X-Docker-Token: true`. */
  readonly tokenAsked: boolean;
  /** The answer carried a token: its access and its masked signature. */
  readonly tokenIssued: { readonly access: Access | string; readonly token: string } | null;
  /** For a registry validating with the Index (`from: registry`): the Index's answer. */
  readonly verdict: 'true' | 'false' | null;
  /** Registry → Index calls made while serving this request, in order. */
  readonly validations: readonly ValidationCall[];
}
