/**
 * Repositories in Redis: each repository's record, image list, stars and tokens share one slot, so every
 * change to them is one Lua call. The cross-slot `{repos}` index (for listAll) and the `{search}` trigram
 * index are written after the record on create and update and removed after it on delete, and both readers
 * skip names whose record is gone, so a crash between the steps never shows a repository that does not
 * exist (a create or update repeated heals an index entry the crash lost).
 */
import { NotFoundError, matchesSearchTerm, repositorySummary, type ImageEntry, type PendingPush, type RepositoryRecord, type RepositoryStore, type RepositorySummary } from '../metadata-store.js';
import { pickPatch, REPOSITORY_PATCH_FIELDS, sortedUnique } from '../record-patches.js';
import { decodeRepository, encodeRepository, hashFromPairs, type Hash } from './codec.js';
import { execMulti, guard, type RedisContext } from './redis-support.js';
import { addPending, changeStar, createRepository, deleteRepository, indexRepositoryText, mergeImages, patchHash, searchRepositoryText } from './scripts.js';

/** `<startedAt>\n<user>` and the entries' JSON strings, as stored, into a PendingPush. */
function decodePending(push: string | null, entries: readonly string[]): PendingPush | null {
  if (push === null) return null;
  const newline = push.indexOf('\n');
  return { startedAt: Number(push.slice(0, newline)), user: push.slice(newline + 1), images: entries.map((e) => JSON.parse(e) as ImageEntry) };
}

/** listAll reads this many repositories per round of (auto-pipelined) commands. */
const LIST_BATCH = 500;

/** What the search index holds for a repository: both parts lower-cased, the name first. */
export function searchText(name: string, description: string): string {
  return `${name.toLowerCase()}\n${description.toLowerCase()}`;
}

/** The distinct 3-byte substrings of `term`'s UTF-8 bytes, as the index script cuts them. */
function trigrams(term: string): Buffer[] {
  const bytes = Buffer.from(term, 'utf8');
  const seen = new Map<string, Buffer>();
  for (let i = 0; i + 3 <= bytes.length; i++) {
    const gram = bytes.subarray(i, i + 3);
    seen.set(gram.toString('hex'), gram);
  }
  return [...seen.values()];
}

function indexer({ client, keys }: RedisContext) {
  return (name: string, description: string | null) =>
    indexRepositoryText.run(client, [keys.searchText()], description === null ? [keys.searchTrigramPrefix(), name] : [keys.searchTrigramPrefix(), name, searchText(name, description)]);
}

/**
 * Builds the search index from the repositories once, when a store that never had one opens (a first start,
 * or data written before the index existed); two Indexes doing it at once write the same entries.
 */
export async function ensureSearchIndex(context: RedisContext): Promise<void> {
  const { client, keys } = context;
  if ((await client.exists(keys.searchBuilt())) === 1) return;
  const indexText = indexer(context);
  const names = await client.zrange(keys.repositories(), '0', '-1');
  for (let start = 0; start < names.length; start += LIST_BATCH) {
    await Promise.all(
      names.slice(start, start + LIST_BATCH).map(async (name) => {
        const description = await client.hget(keys.repository(name).meta, 'description');
        if (description !== null) await indexText(name, description);
      }),
    );
  }
  await client.set(keys.searchBuilt(), '1');
}

export function createRedisRepositoryStore(context: RedisContext): RepositoryStore {
  const { client, keys } = context;
  const indexText = indexer(context);

  /** The summaries of `names` whose record still exists, sorted by name; LIST_BATCH at a time. */
  const summariesOf = async (names: readonly string[]): Promise<RepositorySummary[]> => {
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
  };
  /** Every repository's summary: what listAll answers, and what a term too short for trigrams is matched against. */
  const allSummaries = async (): Promise<RepositorySummary[]> => summariesOf(await client.zrange(keys.repositories(), '0', '-1'));

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
        const stored = decodeRepository(hashFromPairs(hash));
        // Always (re)indexed: this also heals an index entry lost to a crash between the steps.
        await Promise.all([client.zadd(keys.repositories(), 0, name), indexText(name, stored.description)]);
        return { record: stored, created: created === 1 };
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
        await indexText(name, next.description);
        return next;
      }),

    delete: (namespace, repository) =>
      guard(async () => {
        const name = `${namespace}/${repository}`;
        const repo = keys.repository(name);
        const deleted = (await deleteRepository.run(client, [repo.meta, repo.images, repo.stars, repo.tokens, repo.pending, repo.pendingPush], [repo.tokenPrefix])) === 1;
        if (!deleted) return false;
        await Promise.all([client.zrem(keys.repositories(), name), indexText(name, null)]);
        // A create that raced with this delete may have indexed the name before the removal: put it back.
        const raced = await client.hget(repo.meta, 'description');
        if (raced !== null) await Promise.all([client.zadd(keys.repositories(), 0, name), indexText(name, raced)]);
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

    listAll: () => guard(allSummaries),

    search: (term) =>
      guard(async () => {
        const lower = term.toLowerCase();
        const grams = trigrams(lower);
        if (grams.length === 0) return (await allSummaries()).filter((repo) => matchesSearchTerm(repo, lower));
        const names = (await searchRepositoryText.run(client, [keys.searchText()], [keys.searchTrigramPrefix(), lower, ...grams])) as string[];
        return summariesOf(names);
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
