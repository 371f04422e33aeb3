import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningIndex } from '../../src/index.js';
import { client, hex, signup, startTestIndex } from '../support/test-index.js';

describe('Index global webhooks (--webhook)', () => {
  let receiver: http.Server;
  let index: RunningIndex;
  const events: Record<string, unknown>[] = [];

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        events.push({ ...(JSON.parse(body) as Record<string, unknown>), contentType: req.headers['content-type'] });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    index = await startTestIndex({ webhook: [url, 'http://127.0.0.1:9/unreachable'] });
  });
  after(async () => {
    await index.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts a create event after I6, a push event after I9 and a delete event after the purge; a dead hook does not fail the request', async () => {
    const call = client(index.url);
    const alice = await signup(call, 'alice');
    await call('PUT', '/v1/repositories/alice/app/', { user: alice, body: [{ id: hex('a') }] });
    expect((await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [] })).status).to.equal(204);
    expect((await call('DELETE', '/v1/repositories/alice/app/', { user: alice })).status).to.equal(200);
    await index.deps.webhooks.drain();
    expect(events.map((e) => [e.event, e.repository, e.user, e.contentType])).to.deep.equal([
      ['create', 'alice/app', 'alice', 'application/json'],
      ['push', 'alice/app', 'alice', 'application/json'],
      ['delete', 'alice/app', 'alice', 'application/json'],
    ]);
    expect(events[0]?.time).to.match(/^\d{4}-\d\d-\d\dT/);
  });
});
