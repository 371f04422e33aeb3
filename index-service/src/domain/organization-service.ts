/** Organisations: namespaces shared by their members (v1hub addition, documented in the README). */
import { V1Error, invalidRequest, validateNamespace } from '@v1hub/shared';
import { ConflictError, NotFoundError, type MetadataStore, type OrganizationRecord, type UserRecord } from '../store/metadata-store.js';
import { usernameProblem } from './user-service.js';

export class OrganizationService {
  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number = Date.now,
  ) {}

  async create(owner: UserRecord, body: unknown): Promise<OrganizationRecord> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('Expected a JSON object with "name"');
    const { name } = body as { name?: unknown };
    if (typeof name !== 'string') throw invalidRequest('Missing "name"');
    // Organisation names live in the username space, so they follow the username rule.
    const problem = usernameProblem(name) ?? validateNamespace(name);
    if (problem) throw invalidRequest(problem.replace('username', 'organization name'));
    if (name === 'library') throw invalidRequest('The library namespace is reserved');
    const org: OrganizationRecord = { name, owner: owner.username, members: [owner.username], createdAt: this.now() };
    try {
      await this.store.organizations.create(org);
    } catch (err) {
      if (err instanceof ConflictError) throw invalidRequest(`The name ${name} is already taken`);
      throw err;
    }
    return org;
  }

  /** Members and admins may look; rejects ORGANIZATION_NOT_FOUND or FORBIDDEN. */
  async get(actor: UserRecord, name: string): Promise<OrganizationRecord> {
    const org = await this.store.organizations.get(name);
    if (!org) throw new V1Error('ORGANIZATION_NOT_FOUND');
    if (!actor.admin && !org.members.includes(actor.username)) throw new V1Error('FORBIDDEN', { message: `${actor.username} is not a member of ${name}` });
    return org;
  }

  /** The owner and admins manage members; the owner cannot be removed. */
  async setMember(actor: UserRecord, name: string, username: string, present: boolean): Promise<OrganizationRecord> {
    const org = await this.store.organizations.get(name);
    if (!org) throw new V1Error('ORGANIZATION_NOT_FOUND');
    if (!actor.admin && org.owner !== actor.username) throw new V1Error('FORBIDDEN', { message: `Only the owner of ${name} manages its members` });
    if (!present && username === org.owner) throw invalidRequest('The owner cannot be removed from the organization');
    if (present && !(await this.store.users.get(username))) throw new V1Error('USER_NOT_FOUND');
    try {
      return present ? await this.store.organizations.addMember(name, username) : await this.store.organizations.removeMember(name, username);
    } catch (err) {
      if (err instanceof NotFoundError) throw new V1Error('ORGANIZATION_NOT_FOUND');
      throw err;
    }
  }
}
