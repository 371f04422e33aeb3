/**
 * Users and organisations in Redis. A user (or organisation) and its name live in the name's slot, so
 * "name free?" plus "create" is one Lua call. The email claim lives in another slot, so creating a user
 * or changing an email is claim-then-write with rollback: claim the address, write the user, release the
 * claim if the write was refused. A crash between the two steps can leave an orphaned claim (that address
 * stays taken); everything acknowledged is consistent.
 */
import { ConflictError, NotFoundError, type OrganizationStore, type UserRecord, type UserStore } from '../metadata-store.js';
import { pickPatch, sortedUnique, USER_PATCH_FIELDS } from '../record-patches.js';
import { decodeOrganization, decodeUser, encodeUser, hashFromPairs, type Hash } from './codec.js';
import { execMulti, guard, type RedisContext } from './redis-support.js';
import { changeMember, claimEmail, createOrganization, createUser, patchHash, releaseEmail } from './scripts.js';

const CLAIMED_NOW = 1;
const CLAIMED_BY_OTHER = 0;

export function createRedisUserStore({ client, keys }: RedisContext): UserStore {
  const release = (email: string, username: string) => releaseEmail.run(client, [keys.email(email)], [username]);

  return {
    create: (user) =>
      guard(async () => {
        const nameKeys = [keys.user(user.username), keys.organization(user.username)];
        // Checked first so a taken name is reported as such even when the email is taken too.
        if ((await client.exists(...nameKeys)) > 0) throw new ConflictError('username');
        const claim = await claimEmail.run(client, [keys.email(user.email)], [user.username]);
        if (claim === CLAIMED_BY_OTHER) throw new ConflictError('email');
        if ((await createUser.run(client, nameKeys, encodeUser(user))) !== 1) {
          if (claim === CLAIMED_NOW) await release(user.email, user.username);
          throw new ConflictError('username');
        }
        await client.sadd(keys.users(), user.username);
      }),

    get: (username) =>
      guard(async () => {
        const hash = await client.hgetall(keys.user(username));
        return isEmpty(hash) ? null : decodeUser(hash);
      }),

    update: (username, patch) =>
      guard(async () => {
        const fields = pickPatch(patch, USER_PATCH_FIELDS);
        if ((await client.exists(keys.user(username))) === 0) throw new NotFoundError('user', username);
        let claim: unknown = null;
        if (fields.email !== undefined) {
          claim = await claimEmail.run(client, [keys.email(fields.email)], [username]);
          if (claim === CLAIMED_BY_OTHER) throw new ConflictError('email');
        }
        const before = await patchHash.run(client, [keys.user(username)], encodeUser(fields));
        if (before === null) {
          if (claim === CLAIMED_NOW && fields.email !== undefined) await release(fields.email, username);
          throw new NotFoundError('user', username);
        }
        const previous = decodeUser(hashFromPairs(before));
        const next: UserRecord = { ...previous, ...fields };
        if (fields.email !== undefined && previous.email.toLowerCase() !== fields.email.toLowerCase()) await release(previous.email, username);
        return next;
      }),

    count: () => guard(() => client.scard(keys.users())),
  };
}

export function createRedisOrganizationStore({ client, keys }: RedisContext): OrganizationStore {
  const changeMembers = (name: string, action: 'add' | 'remove', username: string) =>
    guard(async () => {
      const reply = await changeMember.run(client, [keys.organization(name), keys.members(name)], [action, username]);
      if (reply === null) throw new NotFoundError('organization', name);
      const [hash, members] = reply as [unknown, string[]];
      return decodeOrganization(hashFromPairs(hash), members);
    });

  return {
    create: (org) =>
      guard(async () => {
        const members = sortedUnique([...org.members, org.owner]);
        const created = await createOrganization.run(
          client,
          [keys.user(org.name), keys.organization(org.name), keys.members(org.name)],
          [org.name, org.owner, String(org.createdAt), ...members],
        );
        if (created !== 1) throw new ConflictError('username');
      }),

    get: (name) =>
      guard(async () => {
        const [hash, members] = (await execMulti(client.multi().hgetall(keys.organization(name)).smembers(keys.members(name)))) as [Hash, string[]];
        return isEmpty(hash) ? null : decodeOrganization(hash, members);
      }),

    addMember: (name, username) => changeMembers(name, 'add', username),
    removeMember: (name, username) => changeMembers(name, 'remove', username),
  };
}

function isEmpty(hash: Hash): boolean {
  return Object.keys(hash).length === 0;
}
