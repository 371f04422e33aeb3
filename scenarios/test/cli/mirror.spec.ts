/**
 * Mirror mode (§9 item 8) between real processes: `v1hub registry --mirror-of` in front of an Index + registry
 * pair and in front of a standalone registry, the upstream killed (SIGKILL) in the middle of a layer.
 */
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { digestStream } from '@v1hub/shared';
import { freePort, makeTempDir, readTarEntries, runCli, spawnCli, type CliProcess, type TempDir } from '@v1hub/shared/testing';

/** The URL a spawned service printed in its `listening on` line. */
async function urlOf(service: CliProcess): Promise<string> {
  const [, url] = (await service.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
  return url as string;
}

async function put(url: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { method: 'PUT', body, headers });
  await res.arrayBuffer();
  return res.status;
}

describe('v1hub registry --mirror-of (real processes)', function () {
  this.timeout(120_000);
  let dir: TempDir;
  const started: CliProcess[] = [];
  const spawn = (args: string[]): CliProcess => {
    const p = spawnCli(args, { env: { V1HUB_CONFIG: path.join(dir.path, 'client.json'), V1HUB_ADMIN_PASSWORD: 'admin-pass' } });
    started.push(p);
    return p;
  };

  before(async () => {
    dir = await makeTempDir('v1hub-mirror-');
  });
  after(async () => {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await dir?.remove();
  });

  it('a pull through a mirror of an Index + registry pair: upstream fetches logged, then served with the upstream registry gone', async () => {
    const registryPort = await freePort();
    const index = spawn(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${registryPort}`, '--log-level', 'warn']);
    const indexUrl = await urlOf(index);
    const registry = spawn(['registry', '--port', String(registryPort), '--storage', 'memory', '--index', indexUrl, '--log-level', 'warn']);
    await urlOf(registry);
    const mirror = spawn(['registry', '--port', '0', '--storage', `local:${path.join(dir.path, 'mirror-a')}`, '--mirror-of', `http://127.0.0.1:${registryPort}`, '--mirror-index', indexUrl, '--log-format', 'json']);
    const mirrorUrl = await urlOf(mirror);
    expect(mirror.stdout()).to.include(`v1hub registry (mirror of http://127.0.0.1:${registryPort}, index ${indexUrl}) listening on ${mirrorUrl}`);
    const env = { V1HUB_CONFIG: path.join(dir.path, 'client.json') };
    const server = indexUrl.replace('http://', '');
    const mirrorHost = mirrorUrl.replace('http://', '');
    const example = path.join(dir.path, 'example.tar');
    expect((await runCli(['example-image', '--to', example])).code).to.equal(0);
    expect((await runCli(['login', server, '-u', 'alice', '-p', 'password1', '-e', 'alice@example.com'], { env })).code).to.equal(0);
    const pushed = await runCli(['push', `${server}/alice/example`, '--from', example], { env });
    expect(pushed.code, pushed.stderr).to.equal(0);

    const pulled = await runCli(['pull', `${mirrorHost}/alice/example`, '--to', path.join(dir.path, 'first.tar')], { env });
    expect(pulled.code, pulled.stderr).to.equal(0);
    const log = mirror.stdout() + mirror.stderr();
    expect(log).to.match(/"msg":"mirrored layer kept"/);
    expect(log).to.match(/"msg":"upstream answered".*\/layer/);

    // The upstream registry goes away; the Index stays (it still answers the I8 the mirror relays).
    await registry.stop('SIGKILL');
    const second = await runCli(['pull', `${mirrorHost}/alice/example`, '--to', path.join(dir.path, 'second.tar')], { env });
    expect(second.code, second.stderr).to.equal(0);
    const first = await readTarEntries(path.join(dir.path, 'first.tar'));
    const again = await readTarEntries(path.join(dir.path, 'second.tar'));
    expect([...again.keys()].sort()).to.deep.equal([...first.keys()].sort());
    for (const [name, bytes] of first) expect(again.get(name)?.equals(bytes), name).to.equal(true);
  });

  it('the upstream killed in the middle of a layer: the client gets an error, nothing is kept; restarted, the next pull completes the cache', async () => {
    const upstreamPort = await freePort();
    const upstreamArgs = ['registry', '--standalone', '--port', String(upstreamPort), '--storage', `local:${path.join(dir.path, 'upstream')}`, '--log-level', 'warn'];
    let upstream = spawn(upstreamArgs);
    const upstreamUrl = await urlOf(upstream);
    const id = crypto.randomBytes(32).toString('hex');
    const layer = crypto.randomBytes(48 << 20);
    const json = Buffer.from(JSON.stringify({ id, created: '2015-01-22T12:00:00Z' }));
    const payload = (await digestStream([layer], { json, tarsumVersions: [] })).payload as string;
    expect(await put(`${upstreamUrl}/v1/images/${id}/json`, json)).to.equal(200);
    expect(await put(`${upstreamUrl}/v1/images/${id}/layer`, layer)).to.equal(200);
    expect(await put(`${upstreamUrl}/v1/images/${id}/checksum`, '', { 'X-Docker-Checksum-Payload': payload })).to.equal(200);
    const mirrorDir = path.join(dir.path, 'mirror-b');
    const mirror = spawn(['registry', '--port', '0', '--storage', `local:${mirrorDir}`, '--mirror-of', upstreamUrl, '--log-level', 'warn']);
    const mirrorUrl = await urlOf(mirror);

    // Read the first megabyte, stop reading (so the mirror, and upstream behind it, stall mid-layer), then kill upstream.
    const outcome = await new Promise<{ received: number; error: string | null }>((resolve) => {
      http.get(`${mirrorUrl}/v1/images/${id}/layer`, (res) => {
        expect(res.statusCode).to.equal(200);
        let received = 0;
        let killed = false;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received < 1 << 20 || killed) return;
          killed = true;
          res.pause();
          void upstream.stop('SIGKILL').then(() => setTimeout(() => res.resume(), 200));
        });
        res.on('error', (err) => resolve({ received, error: err.message }));
        res.on('end', () => resolve({ received, error: null }));
        res.on('close', () => resolve({ received, error: res.complete ? null : 'closed before the end' }));
      });
    });
    expect(outcome.error, 'the client must see the cut').to.not.equal(null);
    expect(outcome.received).to.be.lessThan(layer.length);
    for (const file of ['json', 'layer', 'ancestry']) expect(fs.existsSync(path.join(mirrorDir, 'images', id, file)), `nothing of the image is kept (${file})`).to.equal(false);
    const meanwhile = await fetch(`${mirrorUrl}/v1/images/${id}/json`);
    expect(meanwhile.status).to.equal(503);
    expect(((await meanwhile.json()) as { error: string }).error).to.include(`Upstream ${upstreamUrl} unavailable`);

    upstream = spawn(upstreamArgs);
    await urlOf(upstream);
    const whole = Buffer.from(await (await fetch(`${mirrorUrl}/v1/images/${id}/layer`)).arrayBuffer());
    expect(whole.equals(layer)).to.equal(true);
    await upstream.stop('SIGKILL');
    const held = Buffer.from(await (await fetch(`${mirrorUrl}/v1/images/${id}/layer`)).arrayBuffer());
    expect(held.equals(layer), 'served from the mirror with upstream gone').to.equal(true);
  });
});
