/**
 * A repository's webhooks through the JSON API (v1hub): who manages the repository (its namespace's owner,
 * the organisation's members, administrators) adds, lists and removes hooks and reads their deliveries.
 * Secrets are shown once, in the answer that adds the hook, and never listed.
 */
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { V1Error, formatRepoName, invalidRequest, isRegistryImageId, readJsonBody, sendJson } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { DELIVERY_HISTORY, type DeliveryRecord, type WebhookEvent, type WebhookRecord } from '../../store/metadata-store.js';
import { callerOf, userOf } from '../guards.js';
import { repoFromParams } from '../request-helpers.js';

const EVENTS: readonly WebhookEvent[] = ['push', 'tag', 'create', 'delete'];
const MAX_HOOKS = 20;

function publicView(hook: WebhookRecord) {
  return { id: hook.id, url: hook.url, events: hook.events, created_by: hook.createdBy, created: new Date(hook.createdAt).toISOString() };
}

function deliveryView(d: DeliveryRecord) {
  return {
    id: d.id,
    event: d.event,
    state: d.state,
    created: new Date(d.createdAt).toISOString(),
    ...(d.state === 'pending' ? { next_attempt: new Date(d.nextAt).toISOString() } : {}),
    attempts: d.attempts.map((a) => ({ at: new Date(a.at).toISOString(), status: a.status, ms: a.ms, ...(a.error ? { error: a.error } : {}) })),
  };
}

/** Checks a new hook's fields (the JSON API's and the Web UI's one rule set) and stores it. */
export async function addWebhook(deps: IndexDeps, fields: { repository: string; url: unknown; events: unknown; secret: unknown; createdBy: string }): Promise<WebhookRecord> {
  const { url, events, secret } = fields;
  if (typeof url !== 'string' || url.length === 0 || url.length > 2000) throw invalidRequest('"url" must be an http:// or https:// URL');
  const chosen = events === undefined ? EVENTS : events;
  if (!Array.isArray(chosen) || chosen.length === 0 || !chosen.every((e) => EVENTS.includes(e as WebhookEvent))) throw invalidRequest(`"events" must be a non-empty list of ${EVENTS.join(', ')}`);
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16 || secret.length > 256)) throw invalidRequest('"secret" must be a string of 16 to 256 characters (or leave it out for a generated one)');
  // Last: it may ask DNS.
  const problem = await deps.webhooks.targetProblem(url);
  if (problem) throw invalidRequest(`Webhook refused: ${problem}`);
  if ((await deps.store.webhooks.list(fields.repository)).length >= MAX_HOOKS) throw invalidRequest(`A repository has at most ${MAX_HOOKS} webhooks`);
  const hook: WebhookRecord = {
    id: crypto.randomBytes(8).toString('hex'),
    repository: fields.repository,
    url,
    secret: typeof secret === 'string' ? secret : crypto.randomBytes(24).toString('base64url'),
    events: [...new Set(chosen as WebhookEvent[])],
    createdBy: fields.createdBy,
    createdAt: deps.now(),
  };
  await deps.store.webhooks.add(hook);
  return hook;
}

export function webhookHandlers(deps: IndexDeps) {
  /** The repository, when the caller may manage it (the wire API's answers otherwise). */
  async function managed(ctx: Context) {
    const name = repoFromParams(ctx);
    const repo = await deps.repositories.require(name);
    await deps.repositories.authorize(userOf(ctx), 'manage', name, repo);
    return formatRepoName(name);
  }

  async function hookOf(ctx: Context, repository: string): Promise<WebhookRecord> {
    const id = (ctx.params as { hookId: string }).hookId;
    const hook = (await deps.store.webhooks.list(repository)).find((h) => h.id === id);
    if (!hook) throw new V1Error('NOT_FOUND', { message: 'Webhook not found' });
    return hook;
  }

  return {
    async listWebhooks(ctx: Context): Promise<void> {
      const repository = await managed(ctx);
      sendJson(ctx, 200, { webhooks: (await deps.store.webhooks.list(repository)).map(publicView) });
    },

    async addWebhook(ctx: Context): Promise<void> {
      const repository = await managed(ctx);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Expected a JSON object with "url" (and optionally "events", "secret")');
      const { url, events, secret } = value as Record<string, unknown>;
      const hook = await addWebhook(deps, { repository, url, events, secret, createdBy: userOf(ctx).username });
      ctx.state.log.info('webhook added', { repository, hook: hook.id, url: hook.url });
      sendJson(ctx, 201, { ...publicView(hook), secret: hook.secret });
    },

    async deleteWebhook(ctx: Context): Promise<void> {
      const repository = await managed(ctx);
      const hook = await hookOf(ctx, repository);
      await deps.store.webhooks.remove(repository, hook.id);
      sendJson(ctx, 204, '');
    },

    /**
     * A registry reports a tag it set or deleted (the registry holds tags; the Index never sees them), with
     * the token the change was made with: only a write or delete token for this repository may, so nobody
     * can make a repository's hooks announce a tag that did not change. 202: the event is queued.
     */
    async registryTagEvent(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const { token } = callerOf(ctx);
      if (!token || (token.access !== 'write' && token.access !== 'delete')) throw new V1Error('FORBIDDEN', { message: 'Tag changes are reported by a registry, with the write or delete token the change was made with' });
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      const { tag, image, action } = (value ?? {}) as Record<string, unknown>;
      if (typeof tag !== 'string' || tag.length === 0 || tag.length > 128) throw invalidRequest('"tag" must be a tag name');
      if (action !== 'set' && action !== 'delete') throw invalidRequest('"action" is set or delete');
      if (image !== null && !(typeof image === 'string' && isRegistryImageId(image))) throw invalidRequest('"image" is an image id, or null');
      await deps.webhooks.notify({ event: 'tag', repository: formatRepoName(name), user: token.user, time: new Date(deps.now()).toISOString(), tag, image: image as string | null, action });
      sendJson(ctx, 202, '');
    },

    async getWebhookDeliveries(ctx: Context): Promise<void> {
      const repository = await managed(ctx);
      const hook = await hookOf(ctx, repository);
      sendJson(ctx, 200, { webhook: publicView(hook), deliveries: (await deps.store.webhooks.history(hook.id, DELIVERY_HISTORY)).map(deliveryView) });
    },
  };
}
