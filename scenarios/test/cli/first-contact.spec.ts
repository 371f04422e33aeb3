/**
 * Issue 11 ("a newcomer's first hour"), as real processes: a dead or silent server fails fast with a line per
 * retry, and a wrong-place mistake says what to do.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { buildImageChain, freePort, makeTempDir, readTarEntries, runCli, runCliInTerminal, spawnCli, writeFixtureSave, type CliProcess, type TempDir } from '@v1hub/shared/testing';

describe('v1hub first contact: failing fast and saying what to do (real processes)', function () {
  this.timeout(90_000);
  let dir: TempDir;
  let index: CliProcess;
  let registry: CliProcess;
  let server: string;
  let registryHost: string;
  let deadRegistryIndex: CliProcess;
  let deadServer: string;
  let deadPort: number;
  const env = () => ({ V1HUB_ADMIN_PASSWORD: 'admin-pass', V1HUB_CONFIG: path.join(dir.path, 'client.json') });

  before(async () => {
    dir = await makeTempDir('v1hub-first-contact-');
    const registryPort = await freePort();
    index = spawnCli(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${registryPort}`, '--log-level', 'warn'], { env: env() });
    const [, indexUrl] = (await index.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    server = (indexUrl as string).replace('http://', '');
    registry = spawnCli(['registry', '--port', String(registryPort), '--storage', 'memory', '--index', indexUrl as string, '--log-level', 'warn'], { env: env() });
    await registry.waitFor(/listening on/);
    registryHost = `127.0.0.1:${registryPort}`;
    deadPort = await freePort();
    deadRegistryIndex = spawnCli(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${deadPort}`, '--log-level', 'warn'], { env: env() });
    const [, deadUrl] = (await deadRegistryIndex.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    deadServer = (deadUrl as string).replace('http://', '');
    await runCli(['example-image', '--to', path.join(dir.path, 'example.tar')]);
  });
  after(async () => {
    await Promise.all([index?.stop(), registry?.stop(), deadRegistryIndex?.stop()]);
    await dir?.remove();
  });

  it('a server that accepts connections and never answers: a line per retry on a terminal, then one clear failure', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const run = await runCliInTerminal(['login', host, '-u', 'alice', '-p', 'password1', '--timeout', '0.5'], { env: env() });
      expect(run.code).to.equal(1);
      for (let retry = 1; retry <= 3; retry++) expect(run.output).to.include(`Index ${host} not answering, retrying ${retry}/3`);
      const escaped = host.replace(/\./g, '\\.');
      expect(run.output).to.match(new RegExp(`v1hub: login ${escaped}: GET /v1/_ping: Index ${escaped} not answering`));
      // Off a terminal the retries are quiet; the failure is the same one line.
      const quiet = await runCli(['login', host, '-u', 'alice', '-p', 'password1', '--timeout', '0.5'], { env: env() });
      expect(quiet.stderr.trim().split('\n')).to.have.length(1);
      const bad = await runCli(['login', host, '-u', 'alice', '-p', 'password1', '--timeout', 'soon'], { env: env() });
      expect([bad.code, bad.stderr]).to.satisfy(([code, err]: [number, string]) => code === 2 && err.includes('--timeout must be a number of seconds'));
    } finally {
      silent.close();
    }
  });

  it('a push while logged out says to log in', async () => {
    const run = await runCli(['push', `${server}/alice/example`, '--from', path.join(dir.path, 'example.tar')], { env: { ...env(), V1HUB_CONFIG: path.join(dir.path, 'nobody.json') } });
    expect(run.code).to.equal(1);
    expect(run.stderr.trim()).to.match(/401 Authentication required \(log in first: v1hub login 127\.0\.0\.1:\d+\)$/);
  });

  it('logging in to the registry\'s port says it is a registry, not an Index', async () => {
    const run = await runCli(['login', registryHost, '-u', 'alice', '-p', 'password1'], { env: env() });
    expect(run.code).to.equal(1);
    expect(run.stderr.trim()).to.equal(`v1hub: ${registryHost} is not an Index (it has no /v1/users/): is it a registry? Log in to the Index that registry names with --index`);
  });

  it('a dead registry is named as the registry that refused the connection', async () => {
    expect((await runCli(['login', deadServer, '-u', 'alice', '-p', 'password1', '-e', 'alice@example.com'], { env: env() })).code).to.equal(0);
    const run = await runCli(['push', `${deadServer}/alice/example`, '--from', path.join(dir.path, 'example.tar')], { env: env() });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include(`registry 127.0.0.1:${deadPort} refused the connection`);
    expect(run.stderr).not.to.include('ECONNREFUSED');
  });

  it('push without a tag pushes every tag of the tarball; pull without a tag means latest and lists the tags there are; --all-tags pulls them all', async () => {
    expect((await runCli(['login', server, '-u', 'tagger', '-p', 'password1', '-e', 'tagger@example.com'], { env: env() })).code).to.equal(0);
    const chain = await buildImageChain(2, { seed: 'many-tags' });
    const tarball = path.join(dir.path, 'many-tags.tar');
    await writeFixtureSave(tarball, chain, 'other/unrelated', 'latest', { 'tagger/multi': { v1: chain[0]?.id as string, v2: chain[1]?.id as string } });
    const pushed = await runCli(['push', `${server}/tagger/multi`, '--from', tarball], { env: env() });
    expect(pushed.code, pushed.stderr).to.equal(0);
    expect(pushed.stdout).to.match(/^pushed tagger\/multi:v1,v2 /);
    const noLatest = await runCli(['pull', `${server}/tagger/multi`, '--to', path.join(dir.path, 'x.tar')], { env: env() });
    expect(noLatest.code).to.equal(1);
    expect(noLatest.stderr.trim()).to.match(/Tag latest not found in repository tagger\/multi \(its tags: v1, v2\)$/);
    const out = path.join(dir.path, 'all.tar');
    const all = await runCli(['pull', `${server}/tagger/multi`, '--all-tags', '--to', out], { env: env() });
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout).to.match(/^pulled tagger\/multi tags v1, v2 \(2 tagged image\(s\), 2 image\(s\)/);
    const repositories = JSON.parse((await readTarEntries(out)).get('repositories')?.toString() as string) as Record<string, Record<string, string>>;
    expect(Object.values(repositories)[0]).to.deep.equal({ v1: chain[0]?.id, v2: chain[1]?.id });
    const both = await runCli(['pull', `${server}/tagger/multi:v1`, '--all-tags', '--to', out], { env: env() });
    expect(both.code).to.equal(2);
  });

  it('output habits: --json failures are JSON on stdout too, -v is --verbose, flags work before the command, help offers what applies', async () => {
    const failed = await runCli(['tags', `${server}/nobody/nothing`, '--json'], { env: env() });
    expect(failed.code).to.equal(1);
    expect(JSON.parse(failed.stdout)).to.deep.include({ exitCode: 1 }).and.to.have.property('error').that.matches(/404/);
    expect(failed.stderr.trim()).to.match(/^v1hub: /);
    const before = await runCli(['--json', 'tags', `${server}/nobody/nothing`], { env: env() });
    expect([before.code, JSON.parse(before.stdout).exitCode]).to.deep.equal([1, 1]);
    const usage = await runCli(['--json', 'pull', 'no-server-here'], { env: env() });
    expect(JSON.parse(usage.stdout)).to.deep.include({ exitCode: 2 });
    const verbose = await runCli(['tags', `${server}/tagger/multi`, '-v'], { env: env() });
    expect(verbose.stderr).to.match(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/repositories\/tagger\/multi\/images → \d+/);
    const quietBefore = await runCli(['-v', 'tags', `${server}/tagger/multi`], { env: env() });
    expect(quietBefore.stderr).to.include('/v1/repositories/tagger/multi/images');
    const logoutHelp = await runCli(['logout', '--help']);
    expect(logoutHelp.stdout).to.include('--json').and.not.include('--concurrency').and.not.include('--timeout');
    const pushHelp = await runCli(['push', '--help']);
    expect(pushHelp.stdout).to.match(/--from <image\.tar>\s+\(required\)/).and.include('Example:').and.include('v1hub push 127.0.0.1:5000/alice/example:latest --from');
  });

  it('search prints Docker\'s columns, most stars first, "…" where it cuts; --no-trunc and --stars', async () => {
    const basic = { Authorization: `Basic ${Buffer.from('tagger:password1').toString('base64')}` };
    const long = 'A description that goes on well past forty-five characters, as Hub ones did';
    for (const [repo, stars, description] of [['searchb', 1, 'short'], ['searcha', 1, long], ['searchc', 2, 'the most starred']] as const) {
      await fetch(`http://${server}/v1/repositories/tagger/${repo}/`, { method: 'PUT', headers: basic, body: '[]' });
      await fetch(`http://${server}/v1/repositories/tagger/${repo}/images`, { method: 'PUT', headers: basic, body: '[]' });
      await fetch(`http://${server}/v1/repositories/tagger/${repo}/info`, { method: 'PATCH', headers: basic, body: JSON.stringify({ description }) });
      for (let i = 0; i < stars; i++) {
        const starrer = `star${repo}${i}`;
        await fetch(`http://${server}/v1/users/`, { method: 'POST', body: JSON.stringify({ username: starrer, password: 'password1', email: `${starrer}@example.com` }) });
        await fetch(`http://${server}/v1/repositories/tagger/${repo}/star`, { method: 'PUT', headers: { Authorization: `Basic ${Buffer.from(`${starrer}:password1`).toString('base64')}` } });
      }
    }
    const table = await runCli(['search', server, 'search'], { env: env() });
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL\s+AUTOMATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).to.deep.equal(['tagger/searchc', 'tagger/searcha', 'tagger/searchb']);
    expect(lines[2]).to.include(`${long.slice(0, 44)}…`).and.not.include(long);
    expect((await runCli(['search', server, 'search', '--no-trunc'], { env: env() })).stdout).to.include(long);
    const starred = await runCli(['search', server, 'search', '--stars', '2'], { env: env() });
    expect(starred.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).to.deep.equal(['tagger/searchc']);
    expect((await runCli(['search', server, 'search', '--stars', 'many'], { env: env() })).code).to.equal(2);
  });

  it('repo and org: what was curl-only, from the command line', async () => {
    const owner = { ...env(), V1HUB_CONFIG: path.join(dir.path, 'owner.json') };
    const friend = { ...env(), V1HUB_CONFIG: path.join(dir.path, 'friend.json') };
    expect((await runCli(['login', server, '-u', 'owner_one', '-p', 'password1', '-e', 'owner@example.com'], { env: owner })).code).to.equal(0);
    expect((await runCli(['login', server, '-u', 'friend_one', '-p', 'password1', '-e', 'friend@example.com'], { env: friend })).code).to.equal(0);
    expect((await runCli(['push', `${server}/owner_one/app`, '--from', path.join(dir.path, 'example.tar')], { env: owner })).code).to.equal(0);
    const ok = async (args: string[], who = owner) => {
      const run = await runCli(args, { env: who });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).to.equal(0);
      return run.stdout.trim();
    };
    expect(await ok(['repo', 'set-description', `${server}/owner_one/app`, 'An example, pushed by the CLI'])).to.equal('description of owner_one/app set');
    expect(await ok(['repo', 'private', `${server}/owner_one/app`])).to.equal('owner_one/app is private');
    const hidden = await runCli(['repo', 'info', `${server}/owner_one/app`], { env: friend });
    expect([hidden.code, hidden.stderr]).to.satisfy(([code, err]: [number, string]) => code === 1 && err.includes('404'));
    expect(await ok(['repo', 'collaborators', 'add', `${server}/owner_one/app`, 'friend_one'])).to.equal('collaborators of owner_one/app: friend_one');
    expect(await ok(['repo', 'star', `${server}/owner_one/app`], friend)).to.equal('starred owner_one/app (1 star(s))');
    const info = await ok(['repo', 'info', `${server}/owner_one/app`], friend);
    expect(info).to.match(/^owner_one\/app \(private\), owner owner_one, 1 star\(s\)/).and.include('An example, pushed by the CLI').and.include('collaborators: friend_one');
    expect(JSON.parse(await ok(['repo', 'info', `${server}/owner_one/app`, '--json']))).to.include({ private: true, star_count: 1 });
    expect(await ok(['repo', 'collaborators', 'remove', `${server}/owner_one/app`, 'friend_one'])).to.equal('collaborators of owner_one/app: none');
    expect(await ok(['repo', 'public', `${server}/owner_one/app`])).to.equal('owner_one/app is public');
    expect(await ok(['repo', 'unstar', `${server}/owner_one/app`], friend)).to.equal('unstarred owner_one/app (0 star(s))');
    expect(await ok(['org', 'create', server, 'team_one'])).to.equal(`created organisation team_one; push to ${server}/team_one/NAME`);
    expect(await ok(['org', 'members', server, 'team_one', 'add', 'friend_one'])).to.equal('members of team_one: friend_one, owner_one');
    expect(await ok(['org', 'members', server, 'team_one'], friend)).to.equal('members of team_one: friend_one, owner_one');
    expect(await ok(['org', 'members', server, 'team_one', 'remove', 'friend_one'])).to.equal('members of team_one: owner_one');
    const refused = await runCli(['org', 'members', server, 'team_one', 'add', 'friend_one'], { env: friend });
    expect(refused.code).to.equal(1);
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect((await runCli(['org', 'members', server, 'team_one', 'invite', 'x'], { env: owner })).code).to.equal(2);
  });

  it('Ctrl-C during a pull puts the terminal back and leaves no partial download behind', async () => {
    // A registry that starts sending a layer and then stalls: the pull is mid-layer when Ctrl-C comes.
    const [img] = await buildImageChain(1, { seed: 'interrupted', extraBytes: 4 * 1024 * 1024 });
    const stalling = http.createServer((req, res) => {
      const url = req.url ?? '';
      res.setHeader('Content-Type', 'application/json');
      if (url.endsWith('/tags')) return res.end(JSON.stringify({ latest: img?.id }));
      if (url.endsWith('/ancestry')) return res.end(JSON.stringify([img?.id]));
      if (url.endsWith('/json')) {
        res.setHeader('X-Docker-Size', String(img?.layer.length));
        return res.end(img?.json);
      }
      if (url.endsWith('/layer')) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(img?.layer.length) });
        res.write(img?.layer.subarray(0, 1024 * 1024));
        return undefined; // and never the rest
      }
      res.statusCode = 404;
      return res.end('{"error": "Not found"}');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const fakePort = (stalling.address() as net.AddressInfo).port;
    const stallIndex = spawnCli(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${fakePort}`, '--log-level', 'warn'], { env: env() });
    try {
      const [, url] = (await stallIndex.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
      const stallServer = (url as string).replace('http://', '');
      const basic = { Authorization: `Basic ${Buffer.from('admin:admin-pass').toString('base64')}` };
      await fetch(`${url}/v1/repositories/admin/big/`, { method: 'PUT', headers: basic, body: JSON.stringify([{ id: img?.id }]) });
      await fetch(`${url}/v1/repositories/admin/big/images`, { method: 'PUT', headers: basic, body: '[]' });
      const out = path.join(dir.path, 'interrupted', 'big.tar');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const run = await runCliInTerminal(['pull', `${stallServer}/admin/big`, '--to', out, '--timeout', '30'], {
        env: env(),
        // Once the bar shows bytes moving, the person presses Ctrl-C.
        answers: [{ prompt: /1\.0 MiB|MiB/, answer: '\u0003' }],
      });
      expect(run.code, run.output).to.equal(130);
      // The staged layers and the tarball being assembled (a layer streams straight into it).
      expect(run.output).to.match(/v1hub: interrupted \(SIGINT\); removed the partial download \(\.big\.tar\.v1hub-\w+, big\.tar\.[0-9a-f]+\.tmp\)/);
      // The bars' escape sequences are undone: cursor shown and line wrapping back on, after the interrupt.
      const tail = run.output.slice(run.output.lastIndexOf('\x1b[?7l'));
      expect(tail).to.include('\x1b[?7h');
      expect(fs.readdirSync(path.dirname(out)), 'nothing left next to the destination').to.deep.equal([]);
    } finally {
      await stallIndex.stop();
      stalling.closeAllConnections();
      stalling.close();
    }
  });
});
