/**
 * Step 0 of every Docker ≥1.5 session (v1-protocol.md §6.1–6.3): probe `GET /v2/` (it must fail, or the
 * daemon would switch to the v2 protocol) and then `GET /v1/_ping`, reading whether the server says it is
 * standalone (§5.6).
 */
import { V1ClientError } from './client-error.js';
import { attempt, type ClientContext } from './context.js';
import { readStandalone } from './remote.js';
import { TransportError } from './transport.js';

/** What the ping learnt. */
export interface PingResult {
  /** The Index says it is standalone (or says nothing, §5.6). */
  readonly standalone: boolean;
  /** `X-Docker-Registry-Version`, when sent. */
  readonly version: string | null;
  /** The status of the v2 probe, or null when it got no answer. */
  readonly v2Status: number | null;
  /** With an https Index that says standalone, Docker 1.5 sent Basic on every call, tokens never (§5.2). */
  readonly basicEverywhere: boolean;
}

/** Pings the Index as Docker 1.5 did. Rejects when the v1 ping gets no answer, or the server speaks v2. */
export async function pingIndex(ctx: ClientContext, operation: string): Promise<PingResult> {
  let v2Status: number | null = null;
  try {
    const v2 = await ctx.index.pingV2();
    v2Status = v2.status;
    const speaksV2 = v2.status === 200 && (v2.header('Docker-Distribution-API-Version') ?? '').trim() === 'registry/2.0';
    await v2.discard();
    if (speaksV2) {
      throw new V1ClientError({ operation, method: v2.method, path: v2.path, status: v2.status, detail: 'the server speaks the v2 protocol; this client speaks v1 only', code: 'PROTOCOL' });
    }
  } catch (err) {
    // NOTE: a v2 probe that gets no answer is simply "not v2"; the v1 ping below decides reachability.
    if (!(err instanceof TransportError)) throw err;
  }
  const res = await attempt(operation, () => ctx.index.ping());
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // NOTE: Docker read only headers and an optional JSON body from the ping; any other body is fine.
  }
  const standalone = readStandalone(res.header('X-Docker-Registry-Standalone'), body);
  return {
    standalone,
    version: res.header('X-Docker-Registry-Version'),
    v2Status,
    // LEGACY: §5.2/§5.6 — only an https Index's standalone answer made Docker 1.5 add Basic everywhere.
    basicEverywhere: standalone && ctx.indexUrl.startsWith('https:'),
  };
}
