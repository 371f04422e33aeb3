/**
 * `v1hub tags`: the first two steps of a pull (v1-protocol.md §6.2 steps 1 and 2a) and nothing more —
 * the Index's image list and read token, then the tag map from the first registry that answers.
 */
import type { ImageReference } from '../protocol/names.js';
import type { ClientContext } from './context.js';
import { pingIndex } from './ping.js';
import { displayName, hostOf, remoteRepository, toImageReference } from './remote.js';
import { fetchTags, openReadSession } from './repository-lookup.js';
import { StepLog, type ReportStep } from './reports.js';

/** The tags of a repository. */
export interface TagsResult {
  readonly repository: string;
  /** `{"tag": "image id"}`. */
  readonly tags: Readonly<Record<string, string>>;
  /** The registry that answered, `host:port`. */
  readonly endpoint: string;
  readonly steps: readonly ReportStep[];
}

/** Lists the tags of `ref`'s repository (a tag in `ref` is ignored). Rejects with a V1ClientError. */
export async function listTags(ctx: ClientContext, refInput: string | ImageReference): Promise<TagsResult> {
  const repo = remoteRepository(toImageReference(refInput));
  const operation = `tags ${displayName(repo)}`;
  const log = new StepLog();
  const ping = await pingIndex(ctx, operation);
  const session = await openReadSession(ctx, repo, operation, ping, log);
  const remote = await fetchTags(ctx, repo, session, operation, log);
  return { repository: displayName(repo), tags: remote.tags, endpoint: hostOf(remote.endpoint), steps: log.steps };
}
