import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { CENTOS_TAR, fixtureSave, freePort, makeTempDir, readTarEntries, runCli, runCliInTerminal, spawnCli, startTcpProxy, type CliProcess, type TcpProxy, type TempDir } from '@v1hub/shared/testing';

/**
 * Issue #6 end to end: real `v1hub index` and `v1hub registry` processes, driven by the `v1hub` CLI itself.
 * The registry sits behind a TCP proxy so a layer download can be cut mid-body.
 */
describe('v1hub client commands against real Index and Registry processes', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let index: CliProcess;
  let registry: CliProcess;
  let proxy: TcpProxy;
  let server: string;
  let env: Record<string, string>;
  const cli = (args: string[], user = 'alice') => runCli(args, { env: { ...env, V1HUB_CONFIG: path.join(dir.path, `${user}.json`) } });

  before(async () => {
    dir = await makeTempDir('v1hub-client-e2e-');
    env = { V1HUB_ADMIN_PASSWORD: 'admin-pass' };
    const [proxyPort, registryPort] = [await freePort(), await freePort()];
    index = spawnCli(['index', '--port', '0', '--metadata', `file:${path.join(dir.path, 'index')}`, '--endpoints', `127.0.0.1:${proxyPort}`, '--log-level', 'warn'], { env });
    const [, indexUrl] = (await index.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    server = (indexUrl as string).replace('http://', '');
    registry = spawnCli(['registry', '--port', String(registryPort), '--storage', `local:${path.join(dir.path, 'registry')}`, '--index', indexUrl as string, '--log-level', 'warn'], { env });
    await registry.waitFor(/listening on/);
    proxy = await startTcpProxy(proxyPort, registryPort);
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
    await index?.stop();
    await dir?.remove();
  });

  it('login: creates the account, logs in again, refuses a wrong password (exit 1, one line)', async () => {
    const created = await cli(['login', server, '-u', 'alice', '-p', 'password1', '-e', 'alice@example.com']);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.match(/^Account alice created on 127\.0\.0\.1:\d+; logged in, credentials saved in /);
    const config = path.join(dir.path, 'alice.json');
    expect(fs.statSync(config).mode & 0o777).to.equal(0o600);
    expect(JSON.parse(fs.readFileSync(config, 'utf8')).auths[server].auth).to.equal(Buffer.from('alice:password1').toString('base64'));
    const again = await cli(['login', server, '-u', 'alice', '-p', 'password1']);
    expect(again.stdout.trim()).to.equal(`Login Succeeded: alice on ${server}`);
    const wrong = await cli(['login', server, '-u', 'alice', '-p', 'nope-nope'], 'mallory');
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr.trim().split('\n')).to.have.length(1);
    expect(wrong.stderr.trim()).to.equal(`v1hub: ${server}: wrong password for alice, or no such account; add -e EMAIL to create it`);
  });

  it('login: an unknown user without -e is told how to create the account, not sent a registration error', async () => {
    const unknown = await cli(['login', server, '-u', 'nobody_here', '-p', 'password1'], 'nobody');
    expect([unknown.code, unknown.stderr.trim()]).to.deep.equal([1, `v1hub: ${server}: wrong password for nobody_here, or no such account; add -e EMAIL to create it`]);
    expect(unknown.stderr).not.to.include('Invalid email');
  });

  it('login: --password-stdin reads the password from a pipe; -p and --password-stdin together, or no password off a terminal, are usage errors', async () => {
    const piped = await runCli(['login', server, '-u', 'alice', '--password-stdin'], { env: { ...env, V1HUB_CONFIG: path.join(dir.path, 'piped.json') }, stdin: 'password1\n' });
    expect([piped.code, piped.stdout.trim()], piped.stderr).to.deep.equal([0, `Login Succeeded: alice on ${server}`]);
    const both = await runCli(['login', server, '-u', 'alice', '-p', 'password1', '--password-stdin'], { env, stdin: 'password1\n' });
    expect(both.code).to.equal(2);
    const none = await runCli(['login', server, '-u', 'alice'], { env, stdin: '' });
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include('--password-stdin');
    const empty = await runCli(['login', server, '-u', 'alice', '--password-stdin'], { env, stdin: '' });
    expect([empty.code, empty.stderr]).to.satisfy(([code, err]: [number, string]) => code === 2 && err.includes('standard input was empty'));
  });

  it('login on a terminal asks for the password without echoing it, and for an email when the account is new', async () => {
    const config = path.join(dir.path, 'tty.json');
    const run = await runCliInTerminal(['login', server, '-u', 'carol'], {
      env: { ...env, V1HUB_CONFIG: config },
      answers: [
        { prompt: /Password:/, answer: 'secret-word' },
        { prompt: /Email to create it \(empty to stop\):/, answer: 'carol@example.com' },
      ],
    });
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.include(`Account carol created on ${server}`);
    expect(run.output, 'the password is never echoed').not.to.include('secret-word');
    expect(JSON.parse(fs.readFileSync(config, 'utf8')).auths[server].auth).to.equal(Buffer.from('carol:secret-word').toString('base64'));
  });

  it('push the shared centos tarball, pull it to a new tarball, and byte-compare every layer', async () => {
    const push = await cli(['push', `${server}/alice/centos:latest`, '--from', CENTOS_TAR]);
    expect(push.code, push.stderr).to.equal(0);
    expect(push.stdout).to.match(/pushed alice\/centos:latest .*3 layer\(s\) uploaded/);
    const out = path.join(dir.path, 'centos-pulled.tar');
    const pull = await cli(['pull', `${server}/alice/centos:latest`, '--to', out, '--json']);
    expect(pull.code, pull.stderr).to.equal(0);
    expect((JSON.parse(pull.stdout) as { images: unknown[] }).images).to.have.length(3);
    const [original, pulled] = [await readTarEntries(CENTOS_TAR), await readTarEntries(out)];
    const layers = [...original.keys()].filter((k) => k.endsWith('/layer.tar'));
    expect(layers).to.have.length(3);
    for (const name of layers) expect(pulled.get(name)?.equals(original.get(name) as Buffer), name).to.equal(true);
    expect(JSON.parse((pulled.get('repositories') as Buffer).toString())).to.deep.equal({ [`${server}/alice/centos`]: { latest: '25445a0fc5025c3917a0cd6e307d92322540e0da691614312ddea22511b71513' } });
    const again = await cli(['push', `${server}/alice/centos:latest`, '--from', out]);
    expect(again.stdout, 'the round trip yields the same ids: nothing new to upload').to.match(/0 layer\(s\) uploaded, 3 already there/);
  });

  it('tags and search', async () => {
    const tags = await cli(['tags', `${server}/alice/centos`]);
    expect(tags.stdout).to.match(/^latest\s+25445a0fc502/);
    const search = await cli(['search', server, 'centos', '--limit', '5']);
    expect(search.stdout.split('\n')[0]).to.match(/^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL\s+AUTOMATED$/);
    expect(search.stdout).to.include('alice/centos');
    expect((await cli(['search', server, 'centos', '--limit', '500'])).code).to.equal(2);
  });

  it('a private repository is refused to another user', async () => {
    await fetch(`http://${server}/v1/repositories/alice/centos/info`, { method: 'PATCH', headers: { Authorization: `Basic ${Buffer.from('alice:password1').toString('base64')}` }, body: '{"private": true}' });
    await cli(['login', server, '-u', 'bobby', '-p', 'password2', '-e', 'bob@example.com'], 'bobby');
    const refused = await cli(['pull', `${server}/alice/centos:latest`, '--to', path.join(dir.path, 'nope.tar')], 'bobby');
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/401 bobby may not read alice\/centos/);
    const anonymous = await cli(['pull', `${server}/alice/centos:latest`, '--to', path.join(dir.path, 'nope.tar')], 'nobody');
    expect(anonymous.stderr).to.include('401');
    await fetch(`http://${server}/v1/repositories/alice/centos/info`, { method: 'PATCH', headers: { Authorization: `Basic ${Buffer.from('alice:password1').toString('base64')}` }, body: '{"private": false}' });
  });

  it('a pull cut mid-layer resumes with Range and writes identical bytes', async () => {
    const { path: source, chain } = await fixtureSave(dir.path, 'big', 1, { extraBytes: 2 << 20, repository: 'alice/big', tag: 'v1' });
    expect((await cli(['push', `${server}/alice/big:v1`, '--from', source])).code).to.equal(0);
    const cut = proxy.cutResponse(/GET \/v1\/images\/[a-f0-9]+\/layer/, 256 * 1024);
    const out = path.join(dir.path, 'big-pulled.tar');
    const pull = await cli(['pull', `${server}/alice/big:v1`, '--to', out, '--json']);
    expect(pull.code, pull.stderr).to.equal(0);
    expect(await cut).to.be.greaterThan(0);
    const report = JSON.parse(pull.stdout) as { images: { resumes: number }[] };
    expect(report.images[0]?.resumes).to.equal(1);
    expect(proxy.requests.some((r) => /^bytes=\d+-\d+$/.test(r.headers.range ?? ''))).to.equal(true);
    const [original, pulled] = [await readTarEntries(source), await readTarEntries(out)];
    const name = `${chain[0]?.id}/layer.tar`;
    expect(pulled.get(name)?.equals(original.get(name) as Buffer)).to.equal(true);
  });

  it('on a terminal, push and pull draw one bar per layer, closed with the bytes moved; --quiet draws none', async () => {
    const env = { V1HUB_CONFIG: path.join(dir.path, 'alice.json') };
    const { path: source, chain } = await fixtureSave(dir.path, 'drawn', 2, { extraBytes: 512 * 1024, repository: 'alice/drawn', tag: 'v1' });
    const ids = chain.map((image) => image.id.slice(0, 12));
    const push = await runCliInTerminal(['push', `${server}/alice/drawn:v1`, '--from', source], { env });
    expect(push.code, push.output).to.equal(0);
    for (const id of ids) expect(push.output, push.output).to.match(new RegExp(` ${id} \\|█+\\| [\\d.]+ (B|KiB|MiB) pushed`));
    const pull = await runCliInTerminal(['pull', `${server}/alice/drawn:v1`, '--to', path.join(dir.path, 'drawn.tar')], { env });
    expect(pull.code, pull.output).to.equal(0);
    for (const id of ids) expect(pull.output, pull.output).to.match(new RegExp(` ${id} \\|█+\\| [\\d.]+ (B|KiB|MiB) pulled`));
    expect(pull.output).to.match(/pulled alice\/drawn:v1 /);
    const quiet = await runCliInTerminal(['pull', `${server}/alice/drawn:v1`, '--to', path.join(dir.path, 'drawn-quiet.tar'), '--quiet'], { env });
    expect(quiet.code, quiet.output).to.equal(0);
    expect(quiet.output).not.to.include('█');
    expect(quiet.output.trim()).to.match(/^pulled alice\/drawn:v1 /);
  });

  it('delete runs the full flow; a pull then fails with a clear message; logout forgets', async () => {
    const del = await cli(['delete', `${server}/alice/centos`]);
    expect(del.code, del.stderr).to.equal(0);
    expect(del.stdout).to.match(/^deleted alice\/centos/);
    const pull = await cli(['pull', `${server}/alice/centos:latest`, '--to', path.join(dir.path, 'gone.tar')]);
    expect(pull.code).to.equal(1);
    expect(pull.stderr.trim()).to.equal('v1hub: pull alice/centos: GET /v1/repositories/alice/centos/images: 404 Repository not found');
    const logout = await cli(['logout', server]);
    expect(logout.stdout.trim()).to.equal(`Removed login credentials for ${server}`);
    expect((await cli(['delete', `${server}/alice/big`])).code, 'without credentials').to.equal(1);
  });

  it('usage errors exit 2: a name without its server, a missing flag, a server given as a URL', async () => {
    expect((await cli(['push', 'alice/app', '--from', CENTOS_TAR])).code).to.equal(2);
    expect((await cli(['pull', `${server}/alice/app`])).code).to.equal(2);
    for (const args of [['search', `http://${server}`, 'centos'], ['search', `${server}/`, 'centos'], ['login', `http://${server}`, '-u', 'alice', '-p', 'password1'], ['logout', `https://${server}`]]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(r.stderr).to.include('name the Index as host[:port]');
    }
  });

  it('a broken credentials file is a one-line configuration error (exit 2) for every command', async () => {
    const broken = path.join(dir.path, 'broken.json');
    fs.writeFileSync(broken, 'not json\n');
    for (const args of [['tags', `${server}/alice/centos`], ['login', server, '-u', 'alice', '-p', 'password1'], ['logout', server]]) {
      const r = await runCli(args, { env: { V1HUB_CONFIG: broken } });
      expect(r.code, args[0]).to.equal(2);
      expect(r.stderr.trim().split('\n'), args[0]).to.have.length(1);
      expect(r.stderr).to.include('broken.json');
    }
  });
});
