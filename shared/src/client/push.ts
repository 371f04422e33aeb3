/**
 * `docker push` as Docker 1.5 did it (v1-protocol.md §6.3, MOBY graph/push.go@v1.5.0): ping; PUT the
 * repository with the image list to get a write token and the endpoints; push everything to every
 * endpoint in turn; PUT `[]` on the Index to close the push (§10 Q1). Layers of one endpoint move
 * concurrently (bounded), while image json still goes up parents first.
 */
import { Header } from '../protocol/headers.js';
import { type ImageReference } from '../protocol/names.js';
import { V1ClientError } from './client-error.js';
import { asClientError, attempt, protocolError, responseError, type ClientContext } from './context.js';
import type { ImageIndexEntry } from './index-api.js';
import { planPush, type LocalImageSet, type PushPlan } from './image-source.js';
import { pingIndex } from './ping.js';
import { pushToEndpoint } from './push-endpoint.js';
import { basicAuthorization, displayName, endpointUrl, hostOf, registryEndpoints, remoteRepository, toImageReference, tokenAuthorization, type RemoteRepository } from './remote.js';
import { StepLog, type PushReport, type PushedImage } from './reports.js';

/** Pushes the tags of `source` to `ref`'s repository. Rejects with a {@link V1ClientError}. */
export async function push(ctx: ClientContext, refInput: string | ImageReference, source: LocalImageSet): Promise<PushReport> {
  const started = performance.now();
  const ref = toImageReference(refInput);
  const repo = remoteRepository(ref);
  const operation = `push ${displayName(repo)}`;
  let plan: PushPlan;
  try {
    plan = planPush(source);
  } catch (err) {
    throw new V1ClientError({ operation, detail: (err as Error).message, code: 'SOURCE', cause: err });
  }
  if (plan.imageIds.length === 0) throw new V1ClientError({ operation, detail: 'nothing to push: no tag selected', code: 'SOURCE' });
  const log = new StepLog();
  const ping = await pingIndex(ctx, operation);
  log.add({ step: '0', action: 'ping', endpoint: hostOf(ctx.indexUrl), note: ping.standalone ? 'standalone' : 'not standalone' });

  const basic = basicAuthorization(ctx.credentials);
  const session = await allocate(ctx, repo, imageIndex(plan), basic, operation, log);
  const authorization = ping.basicEverywhere ? basic : tokenAuthorization(session.tokens);

  const images: PushedImage[] = [];
  for (const endpoint of session.endpoints) {
    try {
      images.push(...(await pushToEndpoint({ ctx, endpoint, plan, source, repo, authorization, operation, log })));
    } catch (err) {
      throw asClientError(operation, err);
    }
  }

  // Step 3. LEGACY: §10 Q1 — Docker ≥0.8 never filled in checksums, so this list is always empty.
  const closing = await attempt(operation, () =>
    ctx.index.putRepositoryImages(repo, [], { authorization: basic, endpoints: session.endpoints.map(endpointUrl) }),
  );
  log.add({ step: '3', action: 'putRepositoryImages', status: closing.status, endpoint: hostOf(ctx.indexUrl) });
  if (closing.status !== 204) throw await responseError(operation, closing);
  await closing.discard();

  return {
    repository: displayName(repo),
    tags: source.tags,
    imageIds: plan.imageIds,
    endpoints: session.endpoints.map(hostOf),
    images,
    steps: log.steps,
    bytesSent: images.reduce((sum, image) => sum + (image.layerBytes ?? 0), 0),
    ms: Math.round(performance.now() - started),
  };
}

/** The I6 body: one entry per (image, tag), untagged images without `Tag` (MOBY createImageIndex). */
function imageIndex(plan: PushPlan): ImageIndexEntry[] {
  return plan.imageIds.flatMap((id) => {
    const tags = plan.tagsByImage.get(id) ?? [];
    return tags.length > 0 ? tags.map((Tag) => ({ id, Tag })) : [{ id }];
  });
}

/** Step 1: `PUT /v1/repositories/<repo>/`; 200 or 201 with a token and the endpoints. */
async function allocate(ctx: ClientContext, repo: RemoteRepository, entries: ImageIndexEntry[], basic: string, operation: string, log: StepLog): Promise<{ tokens: string[]; endpoints: string[] }> {
  const res = await attempt(operation, () => ctx.index.putRepository(repo, entries, { authorization: basic }));
  log.add({ step: '1', action: 'putRepository', status: res.status, endpoint: hostOf(ctx.indexUrl) });
  if (res.status !== 200 && res.status !== 201) throw await responseError(operation, res);
  await res.discard();
  const tokens = res.headerLines(Header.Token);
  // LEGACY: §3.1 I6 — Docker ≤1.6 refused to go on without a token, every version without endpoints.
  if (tokens.length === 0) throw protocolError(operation, res, "Index response didn't contain an access token");
  const endpointLines = res.headerLines(Header.Endpoints);
  const endpoints = registryEndpoints(endpointLines, ctx.indexUrl);
  if (endpoints.length === 0) throw protocolError(operation, res, "Index response didn't contain any endpoints");
  return { tokens, endpoints };
}
