/**
 * The repository delete flow of the spec (v1-protocol.md §6.4; no Docker 1.x command ran it):
 * `DELETE` on the Index with `X-Docker-Token: true` (202, a delete token and the endpoints), `DELETE` on
 * every registry with that token, then `DELETE` on the Index again with the registries listed (200).
 */
import { Header } from '../protocol/headers.js';
import type { ImageReference } from '../protocol/names.js';
import { attempt, responseError, type ClientContext } from './context.js';
import { pingIndex } from './ping.js';
import { basicAuthorization, canonicalRepoParams, displayName, endpointUrl, hostOf, registryEndpoints, remoteRepository, toImageReference, tokenAuthorization } from './remote.js';
import { StepLog, type DeleteReport } from './reports.js';

/** Deletes a repository everywhere. Rejects with a V1ClientError. */
export async function deleteRepository(ctx: ClientContext, refInput: string | ImageReference): Promise<DeleteReport> {
  const ref = toImageReference(refInput);
  const repo = remoteRepository(ref);
  const operation = `delete ${displayName(repo)}`;
  const log = new StepLog();
  const indexHost = hostOf(ctx.indexUrl);
  const ping = await pingIndex(ctx, operation);
  const basic = basicAuthorization(ctx.credentials);

  const first = await attempt(operation, () => ctx.index.deleteRepository(repo, { authorization: basic, wantToken: true }));
  log.add({ step: '1', action: 'deleteRepository', status: first.status, endpoint: indexHost });
  const tokens = first.headerLines(Header.Token);
  if (first.status === 200 && tokens.length === 0) {
    // LEGACY: §6.4 — docker-registry's fake index has no step 1: the DELETE reached the registry route
    // (R19) of the standalone registry, which deleted the repository at once.
    await first.discard();
    return { repository: displayName(repo), deletedOn: [indexHost], notFoundOn: [], steps: log.steps };
  }
  if (first.status !== 202 && first.status !== 200) throw await responseError(operation, first);
  await first.discard();
  const lines = first.headerLines(Header.Endpoints);
  const endpoints = lines.length > 0 ? registryEndpoints(lines, ctx.indexUrl) : [ctx.indexUrl];
  const authorization = ping.basicEverywhere ? basic : tokenAuthorization(tokens);

  const deletedOn: string[] = [];
  const notFoundOn: string[] = [];
  for (const endpoint of endpoints) {
    const res = await attempt(operation, () => ctx.registry.deleteRegistryRepository(endpoint, canonicalRepoParams(repo), authorization));
    log.add({ step: '2', action: 'deleteRegistryRepository', status: res.status, endpoint: hostOf(endpoint) });
    // A registry that never received a push has no tags for the repository: nothing to delete there.
    if (res.status === 404) notFoundOn.push(hostOf(endpoint));
    else if (res.status === 200 || res.status === 202 || res.status === 204) deletedOn.push(hostOf(endpoint));
    else throw await responseError(operation, res);
    await res.discard();
  }

  const last = await attempt(operation, () => ctx.index.deleteRepository(repo, { authorization: basic, wantToken: false, endpoints: endpoints.map(endpointUrl) }));
  log.add({ step: '5', action: 'deleteRepository', status: last.status, endpoint: indexHost });
  if (last.status !== 200 && last.status !== 204) throw await responseError(operation, last);
  await last.discard();
  return { repository: displayName(repo), deletedOn, notFoundOn, steps: log.steps };
}
