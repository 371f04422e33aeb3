/** buildRegistryApp(deps): the Koa wiring of the Registry — no I/O, no environment. A storage failure is a 503. */
import type Koa from 'koa';
import { V1Error, buildServiceApp, formatRepoName, matchV2Route, parseRegistryRepoPath, parseV2Name } from '@v1hub/shared';
import type { RegistryDeps } from './deps.js';
import { buildRegistryRouter } from './http/routes.js';
import { grantOf } from './http/request-helpers.js';
import { InvalidPathError, StorageBackendError } from './storage/layer-storage.js';
import { v2Api } from './v2/v2-api.js';

export function buildRegistryApp(deps: RegistryDeps): Koa {
  return buildServiceApp({
    log: deps.log,
    router: buildRegistryRouter(deps).router,
    beforeRoutes: deps.v2 ? [v2Api({ ...deps.v2, v1Repositories: () => v1TaggedRepositories(deps) })] : [],
    exchanges: {
      feed: deps.exchanges,
      describe: {
        to: 'registry',
        callerOf: () => 'client',
        // The token's repository (image routes name none in the URL), else the URL's.
        repositoryOf: (ctx) => {
          const v2Name = ctx.path.startsWith('/v2/') ? matchV2Route(ctx.method, ctx.path)?.params.name : undefined;
          if (v2Name !== undefined) {
            const name = parseV2Name(v2Name);
            return name ? formatRepoName(name) : null;
          }
          const granted = grantOf(ctx).repository;
          if (granted) return formatRepoName(granted);
          const raw = (ctx.params as { repository?: string } | undefined)?.repository;
          const parsed = raw === undefined ? null : parseRegistryRepoPath(raw);
          return parsed?.ok ? formatRepoName(parsed.value) : null;
        },
      },
    },
    metrics: deps.metrics,
    translate: (err) => {
      if (err instanceof StorageBackendError) deps.metrics.storeErrors.inc({ store: 'storage' });
      if (err instanceof StorageBackendError) return new V1Error('UNAVAILABLE', { message: 'Storage unavailable, try again shortly', cause: err });
      if (err instanceof InvalidPathError) return new V1Error('INVALID_REQUEST', { message: 'Invalid name', cause: err });
      return err;
    },
  });
}

/** Every repository v1 holds with at least one tag, as `ns/repo`: what the v2 catalog adds to v2's own. */
async function v1TaggedRepositories(deps: RegistryDeps): Promise<string[]> {
  const names: string[] = [];
  for (const repo of await deps.tags.listRepositories()) {
    if (Object.keys(await deps.tags.list(repo).catch(() => ({}))).length > 0) names.push(formatRepoName(repo));
  }
  return names;
}
