import { expect } from 'chai';
import { requireRedisServer, startRedisServer, type RedisServer } from '@v1hub/shared/testing';
import type { RunningIndex } from '../../src/index.js';
import { client, signup, startTestIndex } from '../support/test-index.js';

describe('Index on Redis: an outage is a prompt JSON 503, and the Index recovers by itself', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let index: RunningIndex;
  let call: ReturnType<typeof client>;

  before(async function () {
    requireRedisServer(this);
    redis = await startRedisServer({ persistence: true });
    index = await startTestIndex({ metadata: redis.url, keyPrefix: `outage-${process.pid}:` });
    call = client(index.url);
  });
  after(async () => {
    await index?.close();
    await redis?.stop();
  });

  // No wall-clock bound (the machines are noisy): were commands queued while Redis is down, these requests
  // would wait for the restart below and never arrive at it, so the 503 itself proves the Index fails fast.
  it('serves, answers 503 at once while Redis is down, then serves again', async () => {
    const alice = await signup(call, 'alice');
    expect((await call('GET', '/v1/users/', { user: alice })).status).to.equal(200);
    await redis.kill();
    for (const [method, path] of [['GET', '/v1/repositories/alice/app/images'], ['GET', '/v1/search?q=x']] as const) {
      const r = await call(method, path);
      expect(r.status, `${method} ${path}`).to.equal(503);
      expect(r.json).to.deep.equal({ error: 'Metadata store unavailable, try again shortly' });
    }
    await redis.restart();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await call('GET', '/v1/users/', { user: alice })).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status, 'the Index reconnected and the account survived').to.equal(200);
  });
});
