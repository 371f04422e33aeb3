/**
 * Webhooks and their delivery queue in Redis (keys.ts): every key in the `{webhooks}` slot, so the claim of due
 * deliveries is one script, atomic across every Index sharing this Redis.
 */
import { DELIVERY_HISTORY, type DeliveryRecord, type WebhookRecord, type WebhookStore } from '../metadata-store.js';
import { execMulti, guard, type RedisContext } from './redis-support.js';
import { claimDeliveries } from './scripts.js';

export function createRedisWebhookStore({ client, keys }: RedisContext): WebhookStore {
  const read = async (id: string): Promise<DeliveryRecord | null> => {
    const json = await client.get(keys.delivery(id));
    return json === null ? null : (JSON.parse(json) as DeliveryRecord);
  };

  return {
    add: (hook) =>
      guard(async () => {
        await client.hset(keys.webhooks(hook.repository), hook.id, JSON.stringify(hook));
      }),

    list: (repository) =>
      guard(async () => {
        const all = Object.values(await client.hgetall(keys.webhooks(repository))).map((json) => JSON.parse(json) as WebhookRecord);
        return all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      }),

    remove: (repository, id) => guard(async () => (await client.hdel(keys.webhooks(repository), id)) === 1),

    removeAll: (repository) =>
      guard(async () => {
        await client.del(keys.webhooks(repository));
      }),

    enqueue: (delivery) =>
      guard(async () => {
        const history = keys.hookDeliveries(delivery.hookId);
        await execMulti(client.multi().set(keys.delivery(delivery.id), JSON.stringify(delivery)).zadd(keys.deliveriesDue(), delivery.nextAt, delivery.id).rpush(history, delivery.id));
        // The oldest finished deliveries make room; pending ones are never dropped.
        const ids = await client.lrange(history, 0, -1);
        let excess = ids.length - DELIVERY_HISTORY;
        for (const id of ids) {
          if (excess <= 0) break;
          const old = await read(id);
          if (old !== null && old.state === 'pending') continue;
          await execMulti(client.multi().lrem(history, 1, id).del(keys.delivery(id)));
          excess -= 1;
        }
      }),

    claimDue: (now, leaseMs, limit) =>
      guard(async () => {
        const rows = (await claimDeliveries.run(client, [keys.deliveriesDue()], [now, leaseMs, limit, keys.deliveryPrefix()])) as string[];
        return rows.map((json) => ({ ...(JSON.parse(json) as DeliveryRecord), nextAt: now + leaseMs }));
      }),

    recordAttempt: (id, attempt, next) =>
      guard(async () => {
        const delivery = await read(id);
        if (delivery === null) return null;
        const updated: DeliveryRecord = { ...delivery, attempts: [...delivery.attempts, attempt], state: next.state, nextAt: next.state === 'pending' ? next.nextAt : delivery.nextAt };
        const multi = client.multi().set(keys.delivery(id), JSON.stringify(updated));
        if (next.state === 'pending') multi.zadd(keys.deliveriesDue(), next.nextAt, id);
        else multi.zrem(keys.deliveriesDue(), id);
        await execMulti(multi);
        return updated;
      }),

    history: (hookId, limit) =>
      guard(async () => {
        if (limit <= 0) return [];
        const ids = (await client.lrange(keys.hookDeliveries(hookId), -limit, -1)).reverse();
        const rows = await Promise.all(ids.map(read));
        return rows.filter((d): d is DeliveryRecord => d !== null);
      }),
  };
}
