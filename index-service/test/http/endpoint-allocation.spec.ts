import { expect } from 'chai';
import { endpointsFor } from '../../src/http/request-helpers.js';
import type { RunningIndex } from '../../src/index.js';
import { client, signup, startTestIndex } from '../support/test-index.js';

describe('X-Docker-Endpoints allocation (workflows.md E)', () => {
  const endpoints = ['r1:5001', 'r2:5001', 'r3:5001'];
  const names = Array.from({ length: 30 }, (_, i) => ({ namespace: 'alice', repository: `app${i}` }));

  it('ordered: every repository gets the list as configured', () => {
    for (const repo of names) expect(endpointsFor({ endpoints, endpointAllocation: 'ordered', replicas: 0 }, repo, 'x')).to.deep.equal(endpoints);
  });

  it('per-repository: a stable rotation per name that spreads primaries over every registry', () => {
    const primaries = new Set<string>();
    for (const repo of names) {
      const list = endpointsFor({ endpoints, endpointAllocation: 'per-repository', replicas: 0 }, repo, 'x');
      expect([...list].sort()).to.deep.equal(endpoints);
      expect(endpointsFor({ endpoints, endpointAllocation: 'per-repository', replicas: 0 }, repo, 'x')).to.deep.equal(list);
      primaries.add(list[0] as string);
    }
    expect(primaries.size).to.equal(3);
  });

  it('replicas keeps the first N; with no --endpoints the Host the client used is advertised', () => {
    expect(endpointsFor({ endpoints, endpointAllocation: 'ordered', replicas: 2 }, names[0] as never, 'x')).to.deep.equal(['r1:5001', 'r2:5001']);
    expect(endpointsFor({ endpoints: [], endpointAllocation: 'per-repository', replicas: 2 }, names[0] as never, 'index:5000')).to.deep.equal(['index:5000']);
  });

  describe('on the wire', () => {
    let index: RunningIndex;
    before(async () => {
      index = await startTestIndex({ endpoints: endpoints.join(','), endpointAllocation: 'per-repository', replicas: 2 });
    });
    after(() => index.close());
    it('advertises the same two registries on push allocation and on pull', async () => {
      const call = client(index.url);
      const alice = await signup(call, 'alice');
      const put = await call('PUT', '/v1/repositories/alice/app7/', { user: alice, body: [] });
      const get = await call('GET', '/v1/repositories/alice/app7/images');
      expect(put.headers.get('x-docker-endpoints')).to.equal(get.headers.get('x-docker-endpoints'));
      expect(put.headers.get('x-docker-endpoints')?.split(',')).to.have.length(2);
    });
  });
});
