/**
 * A small Registry API V2 client, as Docker ≥ 1.10 behaves: it asks the registry, follows a 401's Bearer
 * challenge to the token server (the realm, with `service` and `scope`, Basic credentials when it has them),
 * and repeats the request with `Authorization: Bearer <token>`, keeping the token per scope. Push uploads
 * each blob by digest (HEAD, then a monolithic POST ?digest=) and then the manifest; pull reads the manifest,
 * then the config and every layer, and checks each digest. Every exchange goes to `onExchange`, masked.
 * Scenario F replays workflow F with it.
 */
import { createHash } from 'node:crypto';
import { formatBasic } from '../protocol/token.js';
import { CONTENT_DIGEST_HEADER, MediaType } from '../protocol/v2.js';
import { maskHeaders, type Exchange, type ExchangeHook } from './exchange.js';
import type { BasicCredentials } from './remote.js';

export interface V2Image {
  readonly config: Buffer;
  readonly layers: readonly Buffer[];
}

export interface V2PullResult {
  readonly manifestDigest: string;
  readonly config: Buffer;
  readonly layers: Buffer[];
}

export class V2ClientError extends Error {
  constructor(message: string, readonly status: number, readonly code: string | null) {
    super(message);
  }
}

const sha256 = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export function createV2Client(opts: { registryUrl: string; credentials?: BasicCredentials | null; onExchange?: ExchangeHook }) {
  const tokens = new Map<string, string>();
  const credentials = opts.credentials ?? null;
  let last: string | null = null;

  async function send(service: Exchange['service'], method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const started = performance.now();
    const res = await fetch(url, { method, headers, ...(body ? { body } : {}) });
    const bytes = Buffer.from(await res.arrayBuffer());
    opts.onExchange?.({
      service,
      route: 'pingV2',
      method,
      url,
      requestHeaders: maskHeaders(headers),
      status: res.status,
      responseHeaders: maskHeaders(Object.fromEntries(res.headers)),
      ms: Math.round(performance.now() - started),
      attempt: 1,
      ...(body ? { requestBytes: body.length } : {}),
      responseBytes: bytes.length,
    });
    return { status: res.status, headers: res.headers, body: bytes };
  }

  /** The token for a challenge, from its realm (cached by scope); `scope` overrides the challenge's. */
  async function tokenFor(challenge: string, wanted?: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])) as Record<string, string>;
    const scope = wanted ?? params.scope ?? '';
    const cached = tokens.get(scope);
    if (cached) return cached;
    if (!params.realm) throw new V2ClientError(`the registry's challenge names no token server: ${challenge}`, 401, null);
    const query = new URLSearchParams({ service: params.service ?? '', ...(scope ? { scope } : {}) });
    const res = await send('index', 'GET', `${params.realm}?${query}`, credentials ? { Authorization: formatBasic(credentials.username, credentials.password) } : {});
    if (res.status !== 200) throw new V2ClientError(`the token server answered ${res.status}`, res.status, null);
    const token = (JSON.parse(res.body.toString()) as { token: string }).token;
    tokens.set(scope, token);
    last = token;
    return token;
  }

  let bearer: string | null = null;
  /**
   * As Docker does before a push or a pull: the token for the whole operation's scope at once
   * (`pull,push` for a push), from the challenge of GET /v2/.
   */
  async function authorize(scope: string): Promise<void> {
    const ping = await send('registry', 'GET', `${opts.registryUrl}/v2/`, {});
    const challenge = ping.headers.get('www-authenticate');
    bearer = ping.status === 401 && challenge?.startsWith('Bearer ') ? await tokenFor(challenge, scope) : null;
  }

  /** One registry request with the operation's token, through a further challenge when there is one. */
  async function call(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) {
    const url = `${opts.registryUrl}${path}`;
    let res = await send('registry', method, url, bearer ? { ...headers, Authorization: `Bearer ${bearer}` } : headers, body);
    const challenge = res.headers.get('www-authenticate');
    if (res.status === 401 && challenge?.startsWith('Bearer ') && !challenge.includes('error=')) {
      res = await send('registry', method, url, { ...headers, Authorization: `Bearer ${await tokenFor(challenge)}` }, body);
    }
    return res;
  }

  function fail(what: string, res: { status: number; body: Buffer }): never {
    let code: string | null = null;
    let message = '';
    try {
      const error = (JSON.parse(res.body.toString()) as { errors?: Array<{ code: string; message: string }> }).errors?.[0];
      code = error?.code ?? null;
      message = error ? `${error.code.toLowerCase()}: ${error.message}` : '';
    } catch {
      // Not the spec's JSON: the status says it.
    }
    throw new V2ClientError(`${what}: ${res.status}${message ? ` ${message}` : ''}`, res.status, code);
  }

  return {
    /** The last token the token server gave (to show what it granted), or null. */
    lastToken: (): string | null => last,

    /** GET /v2/: the status and the challenge, as `docker login` first sees them. */
    async ping(): Promise<{ status: number; challenge: string | null }> {
      const res = await send('registry', 'GET', `${opts.registryUrl}/v2/`, {});
      return { status: res.status, challenge: res.headers.get('www-authenticate') };
    },

    async push(name: string, tag: string, image: V2Image): Promise<string> {
      await authorize(`repository:${name}:pull,push`);
      for (const blob of [...image.layers, image.config]) {
        const digest = sha256(blob);
        const head = await call('HEAD', `/v2/${name}/blobs/${digest}`);
        if (head.status === 200) continue;
        const put = await call('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, { 'Content-Type': 'application/octet-stream' }, blob);
        if (put.status !== 201) fail(`upload of ${digest}`, put);
      }
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.schema2Manifest,
        config: { mediaType: MediaType.schema2Config, size: image.config.length, digest: sha256(image.config) },
        layers: image.layers.map((layer) => ({ mediaType: MediaType.schema2Layer, size: layer.length, digest: sha256(layer) })),
      }));
      const res = await call('PUT', `/v2/${name}/manifests/${tag}`, { 'Content-Type': MediaType.schema2Manifest }, manifest);
      if (res.status !== 201) fail('manifest upload', res);
      return res.headers.get(CONTENT_DIGEST_HEADER) ?? sha256(manifest);
    },

    async pull(name: string, tag: string): Promise<V2PullResult> {
      await authorize(`repository:${name}:pull`);
      const res = await call('GET', `/v2/${name}/manifests/${tag}`, { Accept: [MediaType.schema2Manifest, MediaType.ociManifest].join(', ') });
      if (res.status !== 200) fail(`manifest of ${name}:${tag}`, res);
      const manifest = JSON.parse(res.body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
      const blob = async (digest: string): Promise<Buffer> => {
        const got = await call('GET', `/v2/${name}/blobs/${digest}`);
        if (got.status !== 200) fail(`blob ${digest}`, got);
        if (sha256(got.body) !== digest) throw new V2ClientError(`blob ${digest} does not match its digest`, got.status, 'DIGEST_INVALID');
        return got.body;
      };
      const config = await blob(manifest.config.digest);
      const layers: Buffer[] = [];
      for (const layer of manifest.layers) layers.push(await blob(layer.digest));
      return { manifestDigest: res.headers.get(CONTENT_DIGEST_HEADER) ?? sha256(res.body), config, layers };
    },
  };
}

export type V2Client = ReturnType<typeof createV2Client>;
