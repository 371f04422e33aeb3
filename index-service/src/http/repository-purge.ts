/**
 * The end of the delete workflow (I7b, workflow C5), shared by the wire API's second DELETE and the Web UI:
 * every token of the repository revoked, its records removed, the revocation audited, the webhooks told
 * (then the repository's hooks removed: a repository pushed again under the name starts without them).
 */
import { formatRepoName, type RepoName } from '@v1hub/shared';
import type { IndexDeps } from '../deps.js';
import type { UserRecord } from '../store/metadata-store.js';

export async function purgeRepository(deps: IndexDeps, name: RepoName, user: UserRecord): Promise<void> {
  const repository = formatRepoName(name);
  const revoked = await deps.store.tokens.revokeAll(repository);
  await deps.repositories.purge(name);
  await deps.tokens.recordRepositoryRevocation(repository, user.username, revoked);
  // Queued before the hooks go: the repository's own hooks hear of its deletion.
  await deps.webhooks.notify({ event: 'delete', repository, user: user.username, time: new Date(deps.now()).toISOString() });
  await deps.store.webhooks.removeAll(repository);
}
