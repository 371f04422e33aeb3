/**
 * The registry's access seam (design §5.4, after distribution's AccessController): decides whether a request
 * may proceed. Three implementations: IndexAccessController (the v1 handshake: ask the Index, §5.3),
 * StandaloneAccessController (no Index: everything passes, §5.5) and MirrorAccessController (reads pass,
 * writes are refused: a mirror holds only public content, §9 item 8).
 */
import type { RepoName } from '@v1hub/shared';

export interface AccessRequest {
  /** The raw `Authorization` header, if any. */
  readonly authorization: string | undefined;
  readonly method: string;
  /** The repository named by the URL (repository routes); image routes have none. */
  readonly repo: RepoName | null;
}

/** What a successful check established: one grant, of one token. */
export interface Grant {
  /** The token's repository (`ns/repo`), when a token was presented and parsed. */
  readonly repository: RepoName | null;
  /** Image ids the Index listed for that repository (index mode); null when nothing restricts them. */
  readonly images: readonly string[] | null;
  /**
   * `Token <the one token>` that was validated: the only credential the registry forwards to the Index
   * afterwards (I12). Undefined when no token was presented (standalone mode).
   */
  readonly authorization: string | undefined;
}

export interface AccessController {
  readonly mode: 'index' | 'standalone' | 'mirror';
  /** Resolves with a grant, or rejects with a V1Error (401 `Requires authorization`, 503 when the Index is away). */
  authorize(req: AccessRequest): Promise<Grant>;
  /**
   * I12: may the holder of `grant` read `imageId`, which the repositories `holders` hold (the uploader
   * first)? Standalone: always. Rejects 503 when the Index cannot be asked.
   */
  layerAccess(grant: Grant, imageId: string, holders: readonly string[]): Promise<boolean>;
}
