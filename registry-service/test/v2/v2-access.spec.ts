// The registry's check of v2 tokens when the Index's keys cannot be had: a 503, not a bad token, and the
// Index asked once per throttle period however many requests arrive.
import { expect } from 'chai';
import { V2Error } from '@v1hub/shared';
import { IndexV2Access } from '../../src/v2/v2-access.js';

const FAKE_JWT = `${Buffer.from('{"alg":"ES256","kid":"k"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;

describe('IndexV2Access without the Index', () => {
  it('answers UNAVAILABLE (503) and fetches the keys once for a burst of requests', async () => {
    let fetches = 0;
    const access = new IndexV2Access('http://127.0.0.1:9', 'v1hub-registry', async () => {
      fetches += 1;
      throw new Error('connection refused');
    });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => access.authorize({ authorization: `Bearer ${FAKE_JWT}`, action: 'pull', name: 'alice/app' }).then(() => null, (err: unknown) => err)));
    for (const outcome of outcomes) {
      expect(outcome).to.be.instanceOf(V2Error);
      expect((outcome as V2Error).code).to.equal('UNAVAILABLE');
      expect((outcome as V2Error).status).to.equal(503);
    }
    expect(fetches).to.equal(1);
  });
});
