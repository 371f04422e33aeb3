/**
 * Who may do what to a repository. The namespace is a user's own name or an organisation; `library/` holds
 * the official images and only administrators write there (v1-protocol.md §1.3, issue "Repository allocation").
 *
 * | action  | who                                                                          |
 * |---------|------------------------------------------------------------------------------|
 * | read    | anyone for public repositories; owner, org members, collaborators, admins    |
 * | write   | namespace owner, org members, collaborators, admins (library: admins only)   |
 * | delete  | namespace owner, org members, admins                                         |
 * | manage  | (description, privacy, collaborators) same as delete                         |
 */
import { LIBRARY_NAMESPACE } from '@v1hub/shared';
import type { MetadataStore, RepositoryRecord, UserRecord } from '../store/metadata-store.js';

export type RepoAction = 'read' | 'write' | 'delete' | 'manage';

export class AccessPolicy {
  constructor(private readonly store: MetadataStore) {}

  /** True when `user` speaks for `namespace`: it is their name, or an organisation they belong to. */
  async ownsNamespace(user: UserRecord | null, namespace: string): Promise<boolean> {
    if (!user) return false;
    if (user.admin) return true;
    if (namespace === LIBRARY_NAMESPACE) return false;
    if (user.username === namespace) return true;
    const org = await this.store.organizations.get(namespace);
    return org !== null && org.members.includes(user.username);
  }

  /** `repo` is null for a repository that does not exist yet (a first push). */
  async can(user: UserRecord | null, action: RepoAction, namespace: string, repo: RepositoryRecord | null): Promise<boolean> {
    if (action === 'read' && repo && !repo.private) return true;
    if (!user) return false;
    if (await this.ownsNamespace(user, namespace)) return true;
    const collaborator = repo !== null && repo.collaborators.includes(user.username) && namespace !== LIBRARY_NAMESPACE;
    return collaborator && (action === 'read' || action === 'write');
  }
}
