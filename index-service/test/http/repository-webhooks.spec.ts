/**
 * Repository webhooks (issue #15): a receiver that fails twice then succeeds gets exactly one accepted
 * delivery, every try signed, the history showing all three; deliveries survive a restart of the Index; and
 * what an attacker tries — another user's repository, a hook aimed at the Index's own network, reading a
 * secret back — is refused.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { makeTempDir, type TempDir, waitUntil } from '@v1hub/shared/testing';
import type { RunningIndex } from '../../src/index.js';
import { client, hex, signup, startTestIndex } from '../support/test-index.js';

interface Received {
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly answered: number;
}

/** A receiver answering each request with the next status of `script` (then 200). */
async function startReceiver(script: number[] = []) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const answered = script.shift() ?? 200;
      received.push({ body, headers: req.headers, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { received, url: `http://127.0.0.1:${port}/hook`, port, close: () => new Promise((resolve) => server.close(resolve)) };
}


const FAST = { webhooks: { backoffMs: 30, pollMs: 20, timeoutMs: 1_000 } };

describe('Repository webhooks', function () {
  this.timeout(30_000);

  describe('delivery, signature, retries and history', () => {
    let index: RunningIndex;
    let call: ReturnType<typeof client>;
    let alice: [string, string];

    before(async () => {
      index = await startTestIndex({ webhookPrivateTargets: true }, FAST);
      call = client(index.url);
      alice = await signup(call, 'alice');
      expect((await call('PUT', '/v1/repositories/alice/app/', { user: alice, body: [] })).status).to.equal(200);
    });
    after(() => index.close());

    it('retries a receiver that fails twice: one accepted delivery, every try signed, all three tries in the history', async () => {
      const receiver = await startReceiver([500, 503]);
      try {
        const added = await call('POST', '/v1/repositories/alice/app/webhooks', { user: alice, body: { url: receiver.url, events: ['push'] } });
        expect(added.status, added.text).to.equal(201);
        const hook = added.json as { id: string; secret: string; events: string[] };
        expect(hook.events).to.deep.equal(['push']);
        expect(hook.secret).to.match(/^[A-Za-z0-9_-]{32}$/);
        await call('PUT', '/v1/repositories/alice/app/', { user: alice, body: [{ id: hex('a'), Tag: 'latest' }, { id: hex('b') }] });
        expect((await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [] })).status).to.equal(204);
        await waitUntil(() => receiver.received.length === 3, 'three tries');
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(receiver.received.map((r) => r.answered)).to.deep.equal([500, 503, 200]);
        const bodies = new Set(receiver.received.map((r) => r.body));
        expect(bodies.size).to.equal(1);
        const body = JSON.parse(receiver.received[0]?.body as string) as Record<string, unknown>;
        expect(body).to.deep.include({ event: 'push', repository: 'alice/app', user: 'alice', tags: [{ tag: 'latest', image: hex('a') }], images: [hex('a'), hex('b')] });
        for (const r of receiver.received) {
          const expected = `sha256=${crypto.createHmac('sha256', hook.secret).update(r.body).digest('hex')}`;
          expect(r.headers['x-v1hub-signature']).to.equal(expected);
          expect(r.headers['x-v1hub-event']).to.equal('push');
        }
        expect(receiver.received.map((r) => r.headers['x-v1hub-attempt'])).to.deep.equal(['1', '2', '3']);
        expect(new Set(receiver.received.map((r) => r.headers['x-v1hub-delivery'])).size).to.equal(1);
        const history = await call('GET', `/v1/repositories/alice/app/webhooks/${hook.id}/deliveries`, { user: alice });
        const deliveries = (history.json as { deliveries: { state: string; attempts: { status: number; error?: string }[] }[] }).deliveries;
        expect(deliveries).to.have.length(1);
        expect(deliveries[0]?.state).to.equal('delivered');
        expect(deliveries[0]?.attempts.map((a) => [a.status, a.error ?? null])).to.deep.equal([[500, 'answered 500'], [503, 'answered 503'], [200, null]]);
        const metrics = await (await fetch(`${index.url}/metrics`)).text();
        expect(metrics).to.match(/v1hub_webhook_deliveries_total\{outcome="refused"\} 2/).and.match(/v1hub_webhook_deliveries_total\{outcome="delivered"\} 1/);
      } finally {
        await receiver.close();
      }
    });

    it('lists hooks without their secrets, and removes one', async () => {
      const listed = await call('GET', '/v1/repositories/alice/app/webhooks', { user: alice });
      expect(listed.status).to.equal(200);
      expect(listed.text).not.to.include('secret');
      const [hook] = (listed.json as { webhooks: { id: string }[] }).webhooks;
      expect((await call('DELETE', `/v1/repositories/alice/app/webhooks/${hook?.id}`, { user: alice })).status).to.equal(204);
      expect((await call('DELETE', `/v1/repositories/alice/app/webhooks/${hook?.id}`, { user: alice })).status).to.equal(404);
    });

    it('tells a repository\'s hooks of its deletion, then removes them', async () => {
      const receiver = await startReceiver();
      try {
        await call('PUT', '/v1/repositories/alice/gone/', { user: alice, body: [] });
        const added = await call('POST', '/v1/repositories/alice/gone/webhooks', { user: alice, body: { url: receiver.url, events: ['delete'] } });
        expect(added.status).to.equal(201);
        expect((await call('DELETE', '/v1/repositories/alice/gone/', { user: alice })).status).to.equal(200);
        await waitUntil(() => receiver.received.length === 1, 'the delete event');
        expect(JSON.parse(receiver.received[0]?.body as string)).to.deep.include({ event: 'delete', repository: 'alice/gone' });
        await call('PUT', '/v1/repositories/alice/gone/', { user: alice, body: [] });
        expect((await call('GET', '/v1/repositories/alice/gone/webhooks', { user: alice })).json).to.deep.equal({ webhooks: [] });
      } finally {
        await receiver.close();
      }
    });
  });

  describe('who may, and where to', () => {
    let index: RunningIndex;
    let call: ReturnType<typeof client>;
    let alice: [string, string];
    let bob: [string, string];

    before(async () => {
      index = await startTestIndex({}, FAST);
      call = client(index.url);
      alice = await signup(call, 'alice');
      bob = await signup(call, 'bobby');
      await call('PUT', '/v1/repositories/alice/app/', { user: alice, body: [] });
      await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [] });
    });
    after(() => index.close());

    it('refuses hooks aimed at loopback, private or link-local addresses, URLs with credentials and other schemes', async () => {
      for (const url of ['http://127.0.0.1:6379/', 'http://localhost/hook', 'http://10.1.2.3/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://192.168.0.1/', 'https://user:pw@hooks.example.com/', 'ftp://hooks.example.com/', 'not a url']) {
        const r = await call('POST', '/v1/repositories/alice/app/webhooks', { user: alice, body: { url } });
        expect(r.status, url).to.equal(400);
        expect((r.json as { error: string }).error, url).to.match(/^Webhook refused: /);
      }
    });

    it('lets nobody but the repository\'s managers add, list, read or remove hooks', async () => {
      const body = { url: 'https://hooks.example.com/x' };
      expect((await call('POST', '/v1/repositories/alice/app/webhooks', { body })).status).to.equal(401);
      expect((await call('POST', '/v1/repositories/alice/app/webhooks', { user: bob, body })).status).to.equal(403);
      expect((await call('GET', '/v1/repositories/alice/app/webhooks', { user: bob })).status).to.equal(403);
      expect((await call('DELETE', '/v1/repositories/alice/app/webhooks/abc', { user: bob })).status).to.equal(403);
      expect((await call('GET', '/v1/repositories/alice/app/webhooks/abc/deliveries', { user: bob })).status).to.equal(403);
      expect((await call('POST', '/v1/repositories/alice/nothing/webhooks', { user: alice, body })).status).to.equal(404);
    });

    it('checks the fields: events from the list, a secret long enough', async () => {
      for (const [extra, field] of [[{ events: ['pull'] }, 'events'], [{ events: [] }, 'events'], [{ events: 'push' }, 'events'], [{ secret: 'short' }, 'secret']] as const) {
        const r = await call('POST', '/v1/repositories/alice/app/webhooks', { user: alice, body: { url: 'https://hooks.example.com/x', ...extra } });
        expect(r.status, JSON.stringify(extra)).to.equal(400);
        expect((r.json as { error: string }).error).to.include(`"${field}"`);
      }
    });
  });

  describe('a restart of the Index', () => {
    let dir: TempDir;
    before(async () => {
      dir = await makeTempDir('v1hub-hooks-');
    });
    after(() => dir.remove());

    it('keeps queued deliveries and sends them once the receiver is back', async () => {
      const metadata = `file:${dir.path}`;
      const first = await startTestIndex({ metadata, webhookPrivateTargets: true }, { webhooks: { backoffMs: 100, pollMs: 20, timeoutMs: 500 } });
      const call = client(first.url);
      const alice = await signup(call, 'alice');
      await call('PUT', '/v1/repositories/alice/app/', { user: alice, body: [] });
      // A port nothing listens on yet; the receiver comes up there after the restart.
      const placeholder = await startReceiver();
      const port = placeholder.port;
      await placeholder.close();
      const added = await call('POST', '/v1/repositories/alice/app/webhooks', { user: alice, body: { url: `http://127.0.0.1:${port}/hook` } });
      const hookId = (added.json as { id: string }).id;
      expect((await call('PUT', '/v1/repositories/alice/app/images', { user: alice, body: [] })).status).to.equal(204);
      await waitUntil(async () => ((await first.deps.store.webhooks.history(hookId, 5))[0]?.attempts.length ?? 0) >= 1, 'a failed first try');
      await first.close();

      const receiver = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.end());
      });
      const bodies: string[] = [];
      receiver.on('request', (req: http.IncomingMessage) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => bodies.push(body));
      });
      await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
      const second = await startTestIndex({ metadata, webhookPrivateTargets: true }, { webhooks: { backoffMs: 100, pollMs: 20, timeoutMs: 500 } });
      try {
        await waitUntil(async () => (await second.deps.store.webhooks.history(hookId, 5))[0]?.state === 'delivered', 'the delivery after the restart');
        expect(bodies).to.have.length(1);
        expect(JSON.parse(bodies[0] as string)).to.deep.include({ event: 'push', repository: 'alice/app' });
      } finally {
        await second.close();
        await new Promise((resolve) => receiver.close(resolve));
      }
    });
  });
});
