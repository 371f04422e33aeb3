/**
 * The Lua scripts behind the Redis store's conditional and multi-key updates. Each touches keys of one slot
 * only (see keys.ts), runs atomically, and is sent by SHA (EVALSHA) with a fallback to EVAL the first time
 * a server has not seen it.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number | Buffer)[] = []): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** KEYS: user, org. ARGV: user hash field/value pairs. 1 = created, 0 = the name is taken. */
export const createUser = new LuaScript(
  'createUser',
  `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`,
);

/**
 * KEYS: hash. ARGV: field/value pairs to set. Returns false when the hash does not exist, else the hash as
 * it was before (flat field/value list); the caller knows the patch, so it knows the result.
 */
export const patchHash = new LuaScript(
  'patchHash',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local before = redis.call('HGETALL', KEYS[1])
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return before
`,
);

/** KEYS: email claim. ARGV: username. 1 = claimed now, 2 = already this user's, 0 = another user's. */
export const claimEmail = new LuaScript(
  'claimEmail',
  `
local owner = redis.call('GET', KEYS[1])
if owner == false then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
if owner == ARGV[1] then return 2 end
return 0
`,
);

/** KEYS: email claim. ARGV: username. Deletes the claim only if that user holds it. */
export const releaseEmail = new LuaScript(
  'releaseEmail',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/** KEYS: user, org, members. ARGV: name, owner, createdAt, members…. 1 = created, 0 = the name is taken. */
export const createOrganization = new LuaScript(
  'createOrganization',
  `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'owner', ARGV[2], 'createdAt', ARGV[3])
for i = 4, #ARGV do redis.call('SADD', KEYS[3], ARGV[i]) end
return 1
`,
);

/** KEYS: org, members. ARGV: 'add' | 'remove', username. False when the organisation is absent, else {org hash, members}. */
export const changeMember = new LuaScript(
  'changeMember',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[1] == 'add' then redis.call('SADD', KEYS[2], ARGV[2]) else redis.call('SREM', KEYS[2], ARGV[2]) end
return {redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[2])}
`,
);

/** KEYS: meta. ARGV: meta field/value pairs. Returns {1 if created now else 0, stored hash}. */
export const createRepository = new LuaScript(
  'createRepository',
  `
local created = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  created = 1
end
return {created, redis.call('HGETALL', KEYS[1])}
`,
);

/**
 * KEYS: meta, images, stars, tokens. ARGV: token key prefix. Deletes the repository with its images, stars
 * and every token, atomically. 1 = deleted, 0 = absent.
 * NOTE: token keys are built from the prefix rather than passed in KEYS (they are only known inside the
 * script); they carry the repository's hash tag, so they live in this slot and Cluster accepts them.
 */
export const deleteRepository = new LuaScript(
  'deleteRepository',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for _, signature in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  redis.call('DEL', ARGV[1] .. signature)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return 1
`,
);

/**
 * KEYS: meta, pending, pendingPush. ARGV: user, now, abandonedBefore, then the entries as JSON strings.
 * False when the repository is absent; else `{"<startedAt>\n<user>", entries…}`. A push started before
 * abandonedBefore is dropped first. pendingPush is `<startedAt>\n<user>` (no cjson: numbers stay exact).
 */
export const addPending = new LuaScript(
  'addPending',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local push = redis.call('GET', KEYS[3])
if push ~= false and tonumber(string.match(push, '^(%d+)')) < tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[2])
  push = false
end
if push == false then
  push = ARGV[2] .. '\\n' .. ARGV[1]
  redis.call('SET', KEYS[3], push)
end
for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
local out = { push }
for _, entry in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do out[#out + 1] = entry end
return out
`,
);

/**
 * KEYS: meta, images. ARGV: the incoming list as JSON (stored verbatim when nothing is stored yet), then
 * id, checksum pairs ('' = no checksum). False when the repository is absent, else the stored list as JSON.
 * Mirrors mergeImageLists() in image-list-merge.ts. The JSON is assembled by hand because cjson turns an
 * empty array into "{}".
 */
export const mergeImages = new LuaScript(
  'mergeImages',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local stored = redis.call('GET', KEYS[2])
if stored == false then
  redis.call('SET', KEYS[2], ARGV[1])
  return ARGV[1]
end
local order, checksums = {}, {}
local function add(id, checksum)
  if type(id) ~= 'string' then return end
  if type(checksum) ~= 'string' then checksum = '' end
  if checksums[id] == nil then
    order[#order + 1] = id
    checksums[id] = checksum
  elseif checksums[id] == '' then
    checksums[id] = checksum
  end
end
for _, entry in ipairs(cjson.decode(stored)) do
  if type(entry) == 'table' then add(entry.id, entry.checksum) end
end
for i = 2, #ARGV, 2 do add(ARGV[i], ARGV[i + 1]) end
local parts = {}
for i, id in ipairs(order) do
  if checksums[id] == '' then
    parts[i] = '{"id":' .. cjson.encode(id) .. '}'
  else
    parts[i] = '{"id":' .. cjson.encode(id) .. ',"checksum":' .. cjson.encode(checksums[id]) .. '}'
  end
end
local merged = '[' .. table.concat(parts, ',') .. ']'
redis.call('SET', KEYS[2], merged)
return merged
`,
);

/** KEYS: meta, stars. ARGV: 'add' | 'remove', username. -1 when the repository is absent, else the star count. */
export const changeStar = new LuaScript(
  'changeStar',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[1] == 'add' then redis.call('SADD', KEYS[2], ARGV[2]) else redis.call('SREM', KEYS[2], ARGV[2]) end
return redis.call('SCARD', KEYS[2])
`,
);

/**
 * KEYS: meta, tokens, token. ARGV: token JSON, expiresAt (epoch ms), signature. 0 when the repository is
 * absent, else 1. Also drops index entries of tokens that Redis has already expired, and keeps the index
 * itself expiring with its last token, so neither grows without bound. Times are Redis's own clock (TIME),
 * the same clock that expires the token keys.
 */
export const saveToken = new LuaScript(
  'saveToken',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiresAt = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if expiresAt <= now then
  redis.call('DEL', KEYS[3])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 1
end
redis.call('SET', KEYS[3], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[2], expiresAt, ARGV[3])
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 or now + ttl < expiresAt then redis.call('PEXPIREAT', KEYS[2], ARGV[2]) end
return 1
`,
);

/** KEYS: tokens. ARGV: token key prefix. Deletes every token of the repository; returns how many existed. */
export const revokeTokens = new LuaScript(
  'revokeTokens',
  `
local count = 0
for _, signature in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  count = count + redis.call('DEL', ARGV[1] .. signature)
end
redis.call('DEL', KEYS[1])
return count
`,
);

/**
 * KEYS: the due set. ARGV: now, leaseMs, limit, delivery key prefix. Moves up to `limit` due deliveries a lease
 * ahead and returns their JSON (the JSON's nextAt is left as it was: the due set holds the truth, and
 * decoding JSON in Lua would turn empty arrays into objects). Ids whose record is gone are dropped.
 */
export const claimDeliveries = new LuaScript(
  'claimDeliveries',
  `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
local leaseEnd = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do
  local json = redis.call('GET', ARGV[4] .. id)
  if json then
    redis.call('ZADD', KEYS[1], leaseEnd, id)
    out[#out + 1] = json
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`,
);

/**
 * The search index (keys.ts: {search}): KEYS: the text hash. ARGV: trigram key prefix, `ns/repo`, then the
 * new indexed text (absent: remove the repository). The text is lower-cased `ns/repo` ‖ "\n" ‖ description;
 * every 3-byte substring of it is a set of the names containing it. Only the trigrams that changed are
 * touched. Trigram keys are built from the prefix and share the {search} tag, so they live in this slot.
 */
export const indexRepositoryText = new LuaScript(
  'indexRepositoryText',
  `
local function grams(text, into)
  for i = 1, #text - 2 do into[string.sub(text, i, i + 2)] = true end
end
local before, after = {}, {}
local old = redis.call('HGET', KEYS[1], ARGV[2])
if old then grams(old, before) end
if ARGV[3] then grams(ARGV[3], after) end
for g in pairs(before) do if not after[g] then redis.call('SREM', ARGV[1] .. g, ARGV[2]) end end
for g in pairs(after) do if not before[g] then redis.call('SADD', ARGV[1] .. g, ARGV[2]) end end
if ARGV[3] then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) else redis.call('HDEL', KEYS[1], ARGV[2]) end
return 1
`,
);

/**
 * KEYS: the text hash. ARGV: trigram key prefix, the lower-cased term (3 bytes or more), then its distinct
 * trigrams. The names in every trigram's set are the candidates; each is kept when its name or its
 * description (matched separately, as search always did) contains the term. Cost: the smallest trigram set,
 * not the number of repositories.
 */
export const searchRepositoryText = new LuaScript(
  'searchRepositoryText',
  `
local sets = {}
for i = 3, #ARGV do sets[#sets + 1] = ARGV[1] .. ARGV[i] end
local found = {}
for _, name in ipairs(redis.call('SINTER', unpack(sets))) do
  local text = redis.call('HGET', KEYS[1], name)
  if text then
    local newline = string.find(text, '\\n', 1, true)
    if string.find(string.sub(text, 1, newline - 1), ARGV[2], 1, true) or string.find(string.sub(text, newline + 1), ARGV[2], 1, true) then
      found[#found + 1] = name
    end
  end
end
return found
`,
);
