/**
 * Repositories in Redis: each repository's record, image list, stars and tokens share one slot, so every
 * change to them is one Lua call. The cross-slot `{repos}` index (for listAll) is written after the record
 * on create and removed after it on delete, and listAll skips names whose record is gone, so a crash
 * between the two steps never shows a repository that does not exist.
 */
import { NotFoundError, repositorySummary, type ImageEntry, type PendingPush, type RepositoryRecord, type RepositoryStore, type RepositorySummary } from '../metadata-store.js';
import { pickPatch, REPOSITORY_PATCH_FIELDS, sortedUnique } from '../record-patches.js';
import { decodeRepository, encodeRepository, hashFromPairs, type Hash } from './codec.js';
import { execMulti, guard, type RedisContext } from './redis-support.js';
import { addPending, changeStar, createRepository, deleteRepository, mergeImages, patchHash } from './scripts.js';

/** `<startedAt>\n<user>` and the entries' JSON strings, as stored, into a PendingPush. */
function decodePending(push: string | null, entries: readonly string[]): PendingPush | null {
  if (push === null) return null;
  const newline = push.indexOf('\n');
  return { startedAt: Number(push.slice(0, newline)), user: push.slice(newline + 1), images: entries.map((e) => JSON.parse(e) as ImageEntry) };
}

/** listAll reads this many repositories per round of (auto-pipelined) commands. */
const LIST_BATCH = 500;

export function createRedisRepositoryStore({ client, keys }: RedisContext): RepositoryStore {
  const star = (namespace: string, repository: string, action: 'add' | 'remove', username: string) =>
    guard(async () => {
      const name = `${namespace}/${repository}`;
      const repo = keys.repository(name);
      const count = Number(await changeStar.run(client, [repo.meta, repo.stars], [action, username]));
      if (count < 0) throw new NotFoundError('repository', name);
      return count;
    });

  return {
    create: (record) =>
      guard(async () => {
        const name = `${record.namespace}/${record.repository}`;
        const reply = await createRepository.run(client, [keys.repository(name).meta], encodeRepository({ ...record, collaborators: sortedUnique(record.collaborators) }));
        const [created, hash] = reply as [number, unknown];
        // Always (re)indexed: this also heals an index entry lost to a crash between the two steps.
        await client.zadd(keys.repositories(), 0, name);
        return { record: decodeRepository(hashFromPairs(hash)), created: created === 1 };
      }),

    get: (namespace, repository) =>
      guard(async () => {
        const hash = await client.hgetall(keys.repository(`${namespace}/${repository}`).meta);
        return Object.keys(hash).length === 0 ? null : decodeRepository(hash);
      }),

    update: (namespace, repository, patch, now) =>
      guard(async () => {
        const name = `${namespace}/${repository}`;
        const fields = pickPatch(patch, REPOSITORY_PATCH_FIELDS);
        if (fields.collaborators !== undefined) fields.collaborators = sortedUnique(fields.collaborators);
        const before = await patchHash.run(client, [keys.repository(name).meta], encodeRepository({ ...fields, updatedAt: now }));
        if (before === null) throw new NotFoundError('repository', name);
        const next: RepositoryRecord = { ...decodeRepository(hashFromPairs(before)), ...fields, updatedAt: now };
        return next;
      }),

    delete: (namespace, repository) =>
      guard(async () => {
        const name = `${namespace}/${repository}`;
        const repo = keys.repository(name);
        const deleted = (await deleteRepository.run(client, [repo.meta, repo.images, repo.stars, repo.tokens, repo.pending, repo.pendingPush], [repo.tokenPrefix])) === 1;
        if (!deleted) return false;
        await client.zrem(keys.repositories(), name);
        // A create that raced with this delete may have indexed the name before the ZREM: put it back.
        if ((await client.exists(repo.meta)) === 1) await client.zadd(keys.repositories(), 0, name);
        return true;
      }),

    mergeImages: (namespace, repository, images) =>
      guard(async () => {
        const name = `${namespace}/${repository}`;
        const repo = keys.repository(name);
        const pairs = images.flatMap((entry) => (typeof entry.id === 'string' ? [entry.id, typeof entry.checksum === 'string' ? entry.checksum : ''] : []));
        const stored = await mergeImages.run(client, [repo.meta, repo.images], [JSON.stringify(images), ...pairs]);
        if (stored === null) throw new NotFoundError('repository', name);
        return JSON.parse(String(stored)) as ImageEntry[];
      }),

    listImages: (namespace, repository) =>
      guard(async () => {
        const repo = keys.repository(`${namespace}/${repository}`);
        const [exists, images] = (await execMulti(client.multi().exists(repo.meta).get(repo.images))) as [number, string | null];
        if (exists === 0) return null;
        return images === null ? [] : (JSON.parse(images) as ImageEntry[]);
      }),

    addPending: (namespace, repository, images, user, now, abandonedBefore) =>
      guard(async () => {
        const name = `${namespace}/${repository}`;
        const repo = keys.repository(name);
        const reply = (await addPending.run(client, [repo.meta, repo.pending, repo.pendingPush], [user, String(now), String(abandonedBefore), ...images.map((e) => JSON.stringify(e))])) as string[] | null;
        if (reply === null) throw new NotFoundError('repository', name);
        return decodePending(String(reply[0]), reply.slice(1).map(String)) as PendingPush;
      }),

    getPending: (namespace, repository) =>
      guard(async () => {
        const repo = keys.repository(`${namespace}/${repository}`);
        const [push, entries] = (await execMulti(client.multi().get(repo.pendingPush).lrange(repo.pending, 0, -1))) as [string | null, string[]];
        return decodePending(push, entries);
      }),

    takePending: (namespace, repository) =>
      guard(async () => {
        const repo = keys.repository(`${namespace}/${repository}`);
        const [push, entries] = (await execMulti(client.multi().get(repo.pendingPush).lrange(repo.pending, 0, -1).del(repo.pending, repo.pendingPush))) as [string | null, string[]];
        return decodePending(push, entries);
      }),

    claimImages: (repository, ids) =>
      guard(async () => {
        if (ids.length === 0) return {};
        const multi = client.multi();
        for (const id of ids) multi.hsetnx(keys.claims(), id, repository);
        const owners = (await execMulti(multi.hmget(keys.claims(), ...ids))).at(-1) as (string | null)[];
        return Object.fromEntries(ids.map((id, i) => [id, owners[i] as string]));
      }),

    imageClaims: (ids) =>
      guard(async () => {
        if (ids.length === 0) return {};
        const owners = await client.hmget(keys.claims(), ...ids);
        return Object.fromEntries(ids.flatMap((id, i) => (owners[i] ? [[id, owners[i] as string]] : [])));
      }),

    listAll: () =>
      guard(async () => {
        const names = await client.zrange(keys.repositories(), '0', '-1');
        const summaries: { name: string; summary: RepositorySummary }[] = [];
        for (let start = 0; start < names.length; start += LIST_BATCH) {
          const batch = names.slice(start, start + LIST_BATCH);
          const rows = await Promise.all(
            batch.map(async (name) => {
              const repo = keys.repository(name);
              const [hash, stars] = await Promise.all([client.hgetall(repo.meta), client.scard(repo.stars)]);
              return { name, hash, stars };
            }),
          );
          for (const { name, hash, stars } of rows) if (Object.keys(hash).length > 0) summaries.push({ name, summary: summary(hash, stars) });
        }
        return summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((row) => row.summary);
      }),

    star: (namespace, repository, username) => star(namespace, repository, 'add', username),
    unstar: (namespace, repository, username) => star(namespace, repository, 'remove', username),
    starCount: (namespace, repository) => guard(async () => client.scard(keys.repository(`${namespace}/${repository}`).stars)),
    starredBy: (namespace, repository, username) =>
      guard(async () => (await client.sismember(keys.repository(`${namespace}/${repository}`).stars, username)) === 1),
  };
}

function summary(hash: Hash, starCount: number): RepositorySummary {
  return repositorySummary(decodeRepository(hash), starCount);
}
