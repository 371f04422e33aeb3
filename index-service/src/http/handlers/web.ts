/**
 * The Web UI's routes (route table rows `web`): server-rendered pages over the same domain services the wire
 * API uses, so a page never shows or allows what `/v1/…` would not. Forms post back and redirect (303) to a
 * page, so reloading never repeats an action.
 */
import type { Context } from 'koa';
import { LIBRARY_NAMESPACE, V1Error, buildPath, formatRepoName, invalidRequest, parseRepoName, renderSequenceDiagram, requestText, sendJson, serveEventStream, type ExchangeEvent, type RepoName } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { SCRIPT, STYLESHEET } from '../web/assets.js';
import { LIVE_SCRIPT } from '../web/live-script.js';
import { livePage } from '../web/pages/live-page.js';
import { html } from '../web/html.js';
import { renderPage, type Visitor } from '../web/layout.js';
import { accountPages } from './web-account.js';
import { addWebhook } from './webhooks.js';
import { endpointsFor } from '../request-helpers.js';
import { purgeRepository } from '../repository-purge.js';
import { homePage } from '../web/pages/home-page.js';
import { repositoryPage } from '../web/pages/repository-page.js';
import { repositoryHref } from '../web/pages/repository-cards.js';
import { searchPage } from '../web/pages/search-page.js';
import { userPage } from '../web/pages/user-page.js';
import { readRegistryView } from '../web/registry-view.js';
import { formField, signedInUser, visitorOf } from '../web/web-session.js';
import { readSearchParams } from '../../domain/search-service.js';

const ASSETS: Record<string, { type: string; body: string }> = {
  'v1hub.css': { type: 'text/css; charset=utf-8', body: STYLESHEET },
  'v1hub.js': { type: 'text/javascript; charset=utf-8', body: SCRIPT },
  'live.js': { type: 'text/javascript; charset=utf-8', body: LIVE_SCRIPT },
  // The scenario report's renderer, served as it runs here (one self-contained function). `__name` is the
  // helper some TypeScript loaders wrap named functions in; it keeps the text valid in a browser.
  'sequence-diagram.js': { type: 'text/javascript; charset=utf-8', body: `const __name = (f) => f;\nexport ${renderSequenceDiagram.toString()}\n` },
};

/** How long the live stream trusts a repository's visibility before asking the store again. */
const VISIBILITY_TTL_MS = 2_000;

const SEARCH_PAGE_SIZE = 24;

/** The repository a `/r/*repository…` or `/_/:name` URL names; 400 for a name the Index would refuse. */
function repoOf(ctx: Context): RepoName {
  const params = ctx.params as { repository?: string; name?: string };
  const raw = params.name !== undefined ? `${LIBRARY_NAMESPACE}/${params.name}` : (params.repository ?? '');
  const parsed = parseRepoName(raw);
  if (!parsed.ok) throw invalidRequest(parsed.error);
  return parsed.value;
}

function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}

export function webHandlers(deps: IndexDeps) {
  const { repositories } = deps;

  /** The repository, when the visitor may read it; a missing and an unreadable one are the same 404. */
  async function readable(name: RepoName, visitor: Visitor) {
    const record = await repositories.get(name);
    if (!record || !(await repositories.can(visitor.user, 'read', name, record))) throw new V1Error('REPOSITORY_NOT_FOUND');
    return record;
  }

  /** The repository, when the signed-in visitor may `action` it (the wire API's rule and message). */
  async function authorized(ctx: Context, action: 'manage' | 'delete' | 'read') {
    const name = repoOf(ctx);
    const record = await repositories.require(name);
    await repositories.authorize(signedInUser(ctx), action, name, record);
    return { name, record };
  }

  async function showRepository(ctx: Context, name: RepoName): Promise<void> {
    const visitor = visitorOf(ctx);
    const record = await readable(name, visitor);
    const [starCount, starred, images] = await Promise.all([
      deps.store.repositories.starCount(name.namespace, name.repository),
      visitor.user ? deps.store.repositories.starredBy(name.namespace, name.repository, visitor.user.username) : Promise.resolve(false),
      repositories.listImages(name),
    ]);
    const endpoints = endpointsFor(deps.config, name, ctx.host);
    const checksums = new Map(images.flatMap((i) => (typeof i.checksum === 'string' ? [[i.id, i.checksum] as const] : [])));
    const view = await readRegistryView(deps, { repo: name, viewer: visitor.user, endpoints, scheme: ctx.protocol, checksums });
    const [canManage, canDelete] = visitor.user
      ? await Promise.all([repositories.can(visitor.user, 'manage', name, record), repositories.can(visitor.user, 'delete', name, record)])
      : [false, false];
    const hooks = canManage
      ? await Promise.all((await deps.store.webhooks.list(formatRepoName(name))).map(async (hook) => ({ hook, last: (await deps.store.webhooks.history(hook.id, 1))[0] ?? null })))
      : [];
    const notice = typeof ctx.query.done === 'string' ? { kind: 'info' as const, text: ctx.query.done } : undefined;
    renderPage(ctx, visitor, {
      title: formatRepoName(name),
      ...(notice ? { notice } : {}),
      body: repositoryPage({ name, record, starCount, starred, endpoints, view, canManage, canDelete, hooks, indexHost: ctx.host, now: deps.now() }, visitor),
    });
  }

  /**
   * Workflow C from the Index's side: the repository is marked, each registry deletes its tags with a delete
   * token the Index issues for it (and confirms with the Index, I11), then every record goes.
   */
  async function deleteEverywhere(ctx: Context, name: RepoName): Promise<string[]> {
    const user = signedInUser(ctx);
    await repositories.markForDeletion(name);
    const failures: string[] = [];
    for (const endpoint of endpointsFor(deps.config, name, ctx.host)) {
      const issued = await deps.tokens.issue({ user: user.username, repo: name, access: 'delete', peer: 'web-ui' });
      const url = `${ctx.protocol}://${endpoint}${buildPath('deleteRegistryRepository', { ns: name.namespace, repo: name.repository })}`;
      try {
        const res = await requestText(url, { method: 'DELETE', headers: { Authorization: `Token ${issued.value}`, 'User-Agent': 'v1hub-index-web' }, timeoutMs: 10_000, ...(deps.ca ? { ca: deps.ca } : {}) });
        // 404: that registry never held a tag of it, which is what deleting wants too.
        if (res.status !== 200 && res.status !== 404) failures.push(`${endpoint} answered ${res.status}`);
      } catch (err) {
        failures.push(`${endpoint} did not answer (${(err as Error).message})`);
      }
    }
    if (failures.length === 0) await purgeRepository(deps, name, user);
    return failures;
  }

  return {
    ...accountPages(deps),

    async webAsset(ctx: Context): Promise<void> {
      const asset = ASSETS[(ctx.params as { file: string }).file];
      if (!asset) throw new V1Error('NOT_FOUND', { message: 'No such file' });
      ctx.type = asset.type;
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.body = asset.body;
    },

    /** The first Web UI lived at /ui/; its address keeps working. */
    async indexWebUi(ctx: Context): Promise<void> {
      ctx.status = 301;
      ctx.redirect('/');
    },

    /** A browser (asking for HTML first) gets the home page; Docker clients, curl and scripts the JSON banner. */
    async indexRoot(ctx: Context): Promise<void> {
      if (ctx.accepts('json', 'html') !== 'html') {
        sendJson(ctx, 200, 'v1hub index server');
        return;
      }
      const visitor = visitorOf(ctx);
      const repos = await deps.search.visibleRepositories(visitor.user);
      renderPage(ctx, visitor, { title: 'Home', body: homePage(repos, deps.now(), ctx.host) });
    },

    async webSearch(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const params = readSearchParams({ ...ctx.query, n: String(SEARCH_PAGE_SIZE) });
      const result = await deps.search.searchRepositories(visitor.user, params);
      const { repositories: found, ...page } = result;
      renderPage(ctx, visitor, { title: params.q === '' ? 'Search' : `Search: ${params.q}`, query: params.q, body: searchPage(params.q, page, found, deps.now()) });
    },

    async webRepository(ctx: Context): Promise<void> {
      const name = repoOf(ctx);
      // Official images have their own address, as on the Hub.
      if (name.namespace === LIBRARY_NAMESPACE) {
        ctx.status = 301;
        ctx.redirect(repositoryHref(name.namespace, name.repository));
        return;
      }
      await showRepository(ctx, name);
    },

    async webOfficialRepository(ctx: Context): Promise<void> {
      await showRepository(ctx, repoOf(ctx));
    },

    async webUpdateRepository(ctx: Context): Promise<void> {
      const { name } = await authorized(ctx, 'manage');
      const visibility = formField(ctx, 'visibility');
      if (visibility !== '' && visibility !== 'public' && visibility !== 'private') throw invalidRequest('Visibility is public or private');
      await repositories.updateInfo(name, { description: formField(ctx, 'description').replace(/\r\n/g, '\n'), ...(visibility ? { private: visibility === 'private' } : {}) });
      seeOther(ctx, `${repositoryHref(name.namespace, name.repository)}?done=${encodeURIComponent('Settings saved.')}`);
    },

    async webCollaborators(ctx: Context): Promise<void> {
      const { name, record } = await authorized(ctx, 'manage');
      const action = formField(ctx, 'action');
      const username = formField(ctx, 'username').trim();
      if (action !== 'add' && action !== 'remove') throw invalidRequest('Action is add or remove');
      if (username === '') throw invalidRequest('Give the username of the collaborator');
      await repositories.setCollaborator(name, record, username, action === 'add');
      const done = action === 'add' ? `${username} may now push and pull.` : `${username} is no longer a collaborator.`;
      seeOther(ctx, `${repositoryHref(name.namespace, name.repository)}?done=${encodeURIComponent(done)}`);
    },

    /** The JSON API's rules (handlers/webhooks.ts), from a form; an added hook's secret is shown on the answer, once. */
    async webWebhooks(ctx: Context): Promise<void> {
      const { name } = await authorized(ctx, 'manage');
      const repository = formatRepoName(name);
      const back = repositoryHref(name.namespace, name.repository);
      if (formField(ctx, 'action') === 'remove') {
        await deps.store.webhooks.remove(repository, formField(ctx, 'id'));
        seeOther(ctx, `${back}?done=${encodeURIComponent('Webhook removed.')}`);
        return;
      }
      if (formField(ctx, 'action') !== 'add') throw invalidRequest('Action is add or remove');
      const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
      const events = ([] as unknown[]).concat(body.events ?? []).filter((e): e is string => typeof e === 'string');
      const hook = await addWebhook(deps, { repository, url: formField(ctx, 'url').trim(), events, secret: undefined, createdBy: signedInUser(ctx).username });
      renderPage(ctx, visitorOf(ctx), {
        title: 'Webhook added',
        status: 201,
        notice: { kind: 'info', text: 'Webhook added. Copy its secret now: it is not shown again.' },
        body: html`<h1>Webhook added</h1><p>Events of <code>${repository}</code> (${hook.events.join(', ')}) go to <code>${hook.url}</code>, signed with this secret:</p>
<div class="cmd"><code data-testid="webhook-secret">${hook.secret}</code></div><p><a href="${back}">Back to ${repository}</a></p>`,
      });
    },

    async webStar(ctx: Context): Promise<void> {
      const name = repoOf(ctx);
      const visitor = visitorOf(ctx);
      await readable(name, visitor);
      await repositories.setStar(name, signedInUser(ctx).username, formField(ctx, 'starred') !== '0');
      seeOther(ctx, repositoryHref(name.namespace, name.repository));
    },

    async webDeleteRepository(ctx: Context): Promise<void> {
      const { name } = await authorized(ctx, 'delete');
      if (formField(ctx, 'confirm').trim() !== formatRepoName(name)) throw invalidRequest(`Type ${formatRepoName(name)} to confirm the deletion`);
      const failures = await deleteEverywhere(ctx, name);
      if (failures.length > 0) {
        renderPage(ctx, visitorOf(ctx), { title: 'Deletion incomplete', status: 502, notice: { kind: 'error', text: `Not deleted: ${failures.join('; ')}. The repository stays marked for deletion; try again when the registries answer.` }, body: html`<p><a href="${repositoryHref(name.namespace, name.repository)}">Back to ${formatRepoName(name)}</a></p>` });
        return;
      }
      ctx.state.log.info('repository deleted from the Web UI', { repository: formatRepoName(name), user: signedInUser(ctx).username });
      seeOther(ctx, `/u/${encodeURIComponent(name.namespace)}`);
    },

    async webLive(ctx: Context): Promise<void> {
      renderPage(ctx, visitorOf(ctx), { title: 'Live handshake', body: livePage({ readsRegistries: deps.live.readsRegistries, registries: deps.live.registryStates(), host: ctx.host }) });
    },

    /** The exchanges this visitor may see: those of repositories it may read, and those naming none. */
    async webLiveEvents(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const seen = new Map<string, { readable: boolean; at: number }>();
      const accept = async (event: ExchangeEvent): Promise<boolean> => {
        if (event.repository === null) return true;
        const known = seen.get(event.repository);
        if (known && deps.now() - known.at < VISIBILITY_TTL_MS) return known.readable;
        const parsed = parseRepoName(event.repository);
        let readable = false;
        if (parsed.ok) {
          const record = await repositories.get(parsed.value);
          // A repository just deleted (or never created) shows only to those who could have read its name anyway.
          readable = record === null ? visitor.user?.admin === true : await repositories.can(visitor.user, 'read', parsed.value, record);
        }
        seen.set(event.repository, { readable, at: deps.now() });
        return readable;
      };
      serveEventStream(ctx, { subscribe: (listener, onEnd) => deps.live.watch(listener, onEnd), accept, hello: { source: 'index', registries: deps.live.registryStates() } });
    },

    async webUser(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const name = (ctx.params as { name: string }).name;
      const [user, organization] = await Promise.all([deps.store.users.get(name), deps.store.organizations.get(name)]);
      if (!user && !organization) throw new V1Error('USER_NOT_FOUND', { message: `No user or organisation is called ${name}` });
      const repos = (await deps.search.visibleRepositories(visitor.user)).filter((r) => r.namespace === name);
      const showMembers = organization !== null && visitor.user !== null && (visitor.user.admin || organization.members.includes(visitor.user.username));
      renderPage(ctx, visitor, { title: name, body: userPage({ name, user, organization, showMembers, repositories: repos, now: deps.now() }) });
    },
  };
}

