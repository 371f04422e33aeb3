/**
 * How a registry talks to its Index (§5.3 step 5, §3.1 I12): the client's Authorization header is forwarded
 * verbatim, HTTP 200 means "true", anything else "false". URLs come from the shared route table. An Index
 * that does not answer within the timeout (or cannot be reached) is a 503 for the client — never a hang,
 * never a 500, and never a silent "false".
 */
import { FreshCallSharing } from '../outbound/fresh-call-sharing.js';
import { httpTarget, type HttpTarget } from '../outbound/http-target.js';
import { V1Error, WATCHED_HEADER, buildPath, maskTokenValue, validationCalls, type Logger, type RepoName, type RouteName } from '@v1hub/shared';

/** Connections kept open to the Index: validations are many small requests, a fresh TCP (and TLS) each costs more than the answer. */
const MAX_SOCKETS = 64;
/** Answers larger than this are not an I8 image list or an I12 verdict. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** One registry → Index call, as scenarios and logs show it. */
export interface IndexCall {
  readonly route: RouteName;
  readonly method: 'GET';
  readonly url: string;
  /** Forwarded headers with token signatures masked. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** HTTP status, or 0 when the Index could not be reached. */
  readonly status: number;
  /** What the registry concluded. */
  readonly result: boolean;
  readonly ms: number;
  /** When the answer came from the validation cache rather than the wire. */
  readonly cached?: boolean;
}

export type IndexCallObserver = (call: IndexCall) => void;

/**
 * Calls of one validation (path and token) in flight at once. One call in flight and one waiting keeps the
 * Index's load lowest, but every request then waits up to a whole call for the next one to start. Four
 * starts the next call sooner: GET tags with 16 callers on one token went from 8.2–9.0k to 9.8–10.3k req/s
 * (2 cores, issue 12), for a fifth more Index CPU per request; eight and sixteen were slower again (the
 * Index and the registry then spend the cores the sharing had saved).
 */
const VALIDATION_CALLS_IN_FLIGHT = 4;

export class IndexClient {
  private readonly target: HttpTarget;
  /** Identical validations asked at the same time share fresh calls (see FreshCallSharing). */
  private readonly sharing = new FreshCallSharing<{ status: number; body: unknown }>(VALIDATION_CALLS_IN_FLIGHT);

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly observe: IndexCallObserver | undefined = undefined,
    ca?: Buffer,
  ) {
    this.target = httpTarget(baseUrl, { keepAlive: true, maxSockets: MAX_SOCKETS, scheduling: 'lifo' }, ca);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.target.agent.destroy();
  }

  /** I1, for `/_status`: resolves when the Index answers its ping with 200 within the timeout. */
  async ping(): Promise<void> {
    const { status } = await this.request(buildPath('indexPing'), '');
    if (status !== 200) throw new Error(`the Index answered its ping with ${status}`);
  }

  /**
   * For an administrator's call to this registry (garbage collection): the caller's Basic credentials,
   * forwarded to the Index's admin-only list of ids that pushes in progress declared. Resolves with the ids
   * when the Index says the caller is an administrator; rejects with the Index's own 401 or 403 otherwise.
   */
  async pendingImagesAsAdmin(authorization: string): Promise<string[]> {
    const { status, text } = await this.request(buildPath('getPendingImages'), authorization);
    if (status === 401) throw new V1Error('UNAUTHORIZED', { message: 'Administrator credentials of the Index required', headers: { 'WWW-Authenticate': 'Basic realm="auth required"' } });
    if (status === 403) throw new V1Error('FORBIDDEN', { message: 'Administrators only' });
    if (status !== 200) throw new V1Error('UNAVAILABLE', { message: `The Index answered ${status}` });
    const body = JSON.parse(text) as { images?: unknown };
    return Array.isArray(body.images) ? body.images.filter((id): id is string => typeof id === 'string') : [];
  }

  /**
   * Tells the Index a tag was set or deleted (its `tag` webhooks), with the token the change was made with.
   * Resolves with the Index's status; never throws for a refusal (the tag is already changed here).
   */
  async tagChanged(authorization: string, repo: RepoName, change: { tag: string; image: string | null; action: 'set' | 'delete' }): Promise<number> {
    const { status } = await this.request(buildPath('registryTagEvent', { ns: repo.namespace, repo: repo.repository }), authorization, JSON.stringify(change));
    return status;
  }

  /** I8 as a validation: the image ids the Index lists for `repo`, or null when it says "false". */
  async validate(authorization: string, repo: RepoName): Promise<string[] | null> {
    const { status, body } = await this.get('getRepositoryImages', buildPath('getRepositoryImages', { ns: repo.namespace, repo: repo.repository }), authorization, (s, b) => s === 200 && imageIds(b) !== null);
    if (status !== 200) return null;
    return imageIds(body);
  }

  /**
   * I12: `{"access": true}` means yes; anything else (status, body, missing key) means no. `holders` are the
   * repositories that hold the image (a v1hub extension, `?repositories=`): the Index answers whether the
   * token's user may read one of them now.
   */
  async layerAccess(authorization: string, repo: RepoName, imageId: string, holders: readonly string[]): Promise<boolean> {
    const path = `${buildPath('getLayerAccess', { ns: repo.namespace, repo: repo.repository, imageId })}?repositories=${encodeURIComponent(holders.join(','))}`;
    const { status, body } = await this.get('getLayerAccess', path, authorization, (s, b) => s === 200 && accessOf(b));
    return status === 200 && accessOf(body);
  }

  /**
   * A GET of a validation. Callers asking the same path with the same token at the same time share calls,
   * never an answer older than their question; a watched request (scenarios, the live view) always makes
   * its own call, so every step it narrates is a call it can show.
   */
  private get(route: RouteName, path: string, authorization: string, verdict: (status: number, body: unknown) => boolean): Promise<{ status: number; body: unknown }> {
    const ask = (): Promise<{ status: number; body: unknown }> => this.getOnce(route, path, authorization, verdict);
    return validationCalls.getStore() ? ask() : this.sharing.run(`${path}\n${authorization}`, ask);
  }

  private async getOnce(route: RouteName, path: string, authorization: string, verdict: (status: number, body: unknown) => boolean): Promise<{ status: number; body: unknown }> {
    const url = `${this.baseUrl}${path}`;
    const started = process.hrtime.bigint();
    const elapsed = () => Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 100) / 100;
    // The observer always gets the call (metrics); the masked headers are built only if it reads them (scenarios).
    const observed = (status: number, result: boolean, ms: number): IndexCall => ({
      route,
      method: 'GET',
      url,
      get requestHeaders() {
        return { Authorization: maskTokenValue(authorization) };
      },
      status,
      result,
      ms,
    });
    let status: number;
    let body: unknown;
    try {
      const answer = await this.request(path, authorization);
      status = answer.status;
      try {
        body = JSON.parse(answer.text) as unknown;
      } catch {
        body = null;
      }
    } catch (err) {
      const ms = elapsed();
      this.observe?.(observed(0, false, ms));
      const timedOut = err instanceof IndexTimeout;
      this.log.warn('index unreachable', { route, url, ms, error: timedOut ? `no answer within ${this.timeoutMs} ms` : (err as Error).message });
      throw new V1Error('UNAVAILABLE', { message: timedOut ? 'The Index did not answer in time' : 'The Index cannot be reached', cause: err });
    }
    const ms = elapsed();
    const result = verdict(status, body);
    this.observe?.(observed(status, result, ms));
    this.log.info('index validation', { route, path, status, result: result ? 'true' : 'false', ms });
    return { status, body };
  }

  /**
   * One GET on a kept-alive connection, with a single timer covering connect, answer and body. The timer
   * rejects by itself rather than through the request's error event, so no path of `http` can leave it pending.
   */
  private request(path: string, authorization: string, post?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const { client, agent, protocol, hostname, port, basePath } = this.target;
      // While the request is watched this registry publishes the call itself; the header tells the Index so.
      const headers: Record<string, string> = {
        Accept: 'application/json',
        ...(authorization ? { Authorization: authorization } : {}),
        ...(validationCalls.getStore() ? { [WATCHED_HEADER]: '1' } : {}),
        ...(post !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(post)) } : {}),
      };
      const req = client.request({ method: post === undefined ? 'GET' : 'POST', protocol, hostname, port, path: `${basePath}${path}`, agent, headers }, (res) => {
        if (settled) {
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`the Index answer exceeds ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      });
      const timer = setTimeout(() => {
        fail(new IndexTimeout());
        req.destroy();
      }, this.timeoutMs);
      function fail(err: Error): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
      req.on('error', fail);
      req.end(post);
    });
  }
}

class IndexTimeout extends Error {
  constructor() {
    super('no answer in time');
    this.name = 'TimeoutError';
  }
}

/** The ids of an I8 body: a JSON list of objects with a string `id`; null for anything else. */
function imageIds(body: unknown): string[] | null {
  if (!Array.isArray(body)) return null;
  const ids: string[] = [];
  for (const item of body) {
    if (item === null || typeof item !== 'object' || typeof (item as { id?: unknown }).id !== 'string') return null;
    ids.push((item as { id: string }).id);
  }
  return ids;
}

function accessOf(body: unknown): boolean {
  return body !== null && typeof body === 'object' && (body as { access?: unknown }).access === true;
}
