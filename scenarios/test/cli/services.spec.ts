import { expect } from 'chai';
import path from 'node:path';
import { formatBasic } from '@v1hub/shared';
import { freePort, makeTempDir, runCli, spawnCli, startS3Server, type TempDir } from '@v1hub/shared/testing';

const VECTORS = path.resolve(import.meta.dirname, '../../../../shared/vectors/tarsum');

describe('v1hub service commands (real processes)', function () {
  this.timeout(60_000);
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('v1hub-cli-');
  });
  after(() => dir.remove());

  it('up: prints both URLs, keeps data across a restart, and exits 0 on SIGINT', async () => {
    const env = { V1HUB_ADMIN_PASSWORD: 'admin-pass' };
    const start = async () => {
      const proc = spawnCli(['up', '--index-port', '0', '--registry-port', '0', '--log-level', 'warn'], { cwd: dir.path, env });
      const [, indexUrl] = (await proc.waitFor(/index listening on (http:\/\/\S+)/)) as RegExpMatchArray;
      const [, registryUrl] = (await proc.waitFor(/registry listening on (http:\/\/\S+)/)) as RegExpMatchArray;
      await proc.waitFor(/web UI: http:\/\/\S+\/\n/);
      await proc.waitFor(/Press Ctrl-C/);
      return { proc, indexUrl: indexUrl as string, registryUrl: registryUrl as string };
    };
    const first = await start();
    const signup = await fetch(`${first.indexUrl}/v1/users/`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'password1', email: 'a@example.com' }) });
    expect(signup.status).to.equal(201);
    const ping = await fetch(`${first.registryUrl}/v1/_ping`);
    expect(ping.headers.get('x-docker-registry-standalone')).to.equal('False');
    expect(first.proc.stdout()).to.include('npx v1hub login').and.include('npx v1hub push').and.include('npx v1hub pull');
    expect(await first.proc.stop('SIGINT')).to.equal(0);

    const second = await start();
    const login = await fetch(`${second.indexUrl}/v1/users/`, { headers: { Authorization: formatBasic('alice', 'password1') } });
    expect(login.status, 'the account survived the restart').to.equal(200);
    expect(await second.proc.stop('SIGTERM')).to.equal(0);
  });

  it('up: every command the banner prints works copy-pasted, in a directory holding nothing else (a fresh clone)', async () => {
    const fresh = await makeTempDir('v1hub-banner-');
    const env = { V1HUB_ADMIN_PASSWORD: 'admin-pass', V1HUB_CONFIG: path.join(fresh.path, 'client.json') };
    const proc = spawnCli(['up', '--index-port', '0', '--registry-port', '0', '--log-level', 'warn'], { cwd: fresh.path, env });
    try {
      await proc.waitFor(/Press Ctrl-C/);
      const commands = proc.stdout().split('\n').filter((line) => line.startsWith('  npx v1hub ')).map((line) => line.trim().split(/\s+/).slice(2));
      expect(commands.map((c) => c[0])).to.deep.equal(['login', 'push', 'pull']);
      for (const args of commands) {
        const run = await runCli(args, { cwd: fresh.path, env });
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).to.equal(0);
      }
      const pulled = commands[2]?.[commands[2].indexOf('--to') + 1] as string;
      expect(commands[1]?.join(' ')).to.include('--from .v1hub/example-image.tar');
      const { readTarEntries } = await import('@v1hub/shared/testing');
      const entries = await readTarEntries(pulled);
      expect(JSON.parse((entries.get('repositories') as Buffer).toString())).to.have.keys(['127.0.0.1:' + proc.stdout().match(/index listening on http:\/\/[\d.]+:(\d+)/)?.[1] + '/alice/example']);
      expect([...entries.keys()].filter((name) => name.endsWith('/layer.tar'))).to.have.length(2);
    } finally {
      expect(await proc.stop('SIGINT')).to.equal(0);
      await fresh.remove();
    }
  });

  it('example-image writes the same deterministic two-image tarball every time', async () => {
    const a = await runCli(['example-image', '--to', path.join(dir.path, 'a.tar')]);
    const b = await runCli(['example-image', '--to', path.join(dir.path, 'b.tar')]);
    expect([a.code, b.code]).to.deep.equal([0, 0]);
    expect(a.stdout).to.match(/wrote the example image \(2 images, top [0-9a-f]{12}, tag example:latest\)/);
    const fs = await import('node:fs/promises');
    expect((await fs.readFile(path.join(dir.path, 'a.tar'))).equals(await fs.readFile(path.join(dir.path, 'b.tar')))).to.equal(true);
    const inside = path.join(dir.path, 'a.tar', 'x.tar'); // a.tar is a file, not a directory
    const bad = await runCli(['example-image', '--to', inside]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect(bad.stderr).to.include(`v1hub: example-image: cannot write ${inside}`);
  });

  it('a store or storage that cannot be used stops the service at start: exit 2 and the real cause', async () => {
    const dead = await freePort();
    const redis = await runCli(['index', '--port', '0', '--metadata', `redis://127.0.0.1:${dead}`, '--log-level', 'error'], { env: { V1HUB_ADMIN_PASSWORD: 'admin-pass' } });
    expect(redis.code).to.equal(2);
    expect(redis.stderr).to.include(`v1hub: cannot start the Index: Redis at redis://127.0.0.1:${dead}/0 did not answer`).and.include('ECONNREFUSED');
    const s3 = await startS3Server();
    try {
      const creds = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
      const url = (bucket: string, endpoint = s3.endpoint) => `s3://${bucket}?endpoint=${endpoint}&region=${s3.region}&forcePathStyle=true`;
      const cases: [string, Record<string, string | undefined>, RegExp][] = [
        [url('no-such-bucket'), creds, /cannot start the registry: storage s3:\/\/no-such-bucket\S* cannot be used: .*(bucket|NoSuchBucket)/i],
        [url(s3.bucket, `http://127.0.0.1:${dead}`), creds, /cannot be used: .*ECONNREFUSED/],
        [url(s3.bucket), { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: 'v1hub-none', HOME: dir.path }, /cannot be used: .*credentials/i],
      ];
      for (const [storage, env, cause] of cases) {
        const run = await runCli(['registry', '--port', '0', '--standalone', '--storage', storage, '--log-level', 'error'], { env });
        expect(run.code, storage).to.equal(2);
        expect(run.stderr, storage).to.match(cause);
        expect(run.stdout, 'it never said it was listening').not.to.include('listening on');
      }
      const good = spawnCli(['registry', '--port', '0', '--standalone', '--storage', url(s3.bucket), '--log-level', 'error'], { env: creds });
      await good.waitFor(/listening on/);
      expect(await good.stop()).to.equal(0);
    } finally {
      await s3.stop();
    }
  });

  it('index: creates the admin account at first start with a generated password, printed once', async () => {
    const data = `file:${dir.path}/admin-index`;
    const first = spawnCli(['index', '--port', '0', '--metadata', data, '--log-level', 'warn'], { env: { V1HUB_ADMIN_PASSWORD: undefined } });
    const [, url] = (await first.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    const [, password] = (await first.waitFor(/admin account created: user admin, password (\S+)/)) as RegExpMatchArray;
    expect((await fetch(`${url}/v1/users/`, { headers: { Authorization: formatBasic('admin', password as string) } })).status).to.equal(200);
    expect(first.stderr()).not.to.include(password as string);
    expect(await first.stop()).to.equal(0);
    const second = spawnCli(['index', '--port', '0', '--metadata', data, '--log-level', 'warn'], { env: { V1HUB_ADMIN_PASSWORD: undefined } });
    await second.waitFor(/listening on/);
    expect(second.stdout()).not.to.include('admin account created');
    expect(await second.stop()).to.equal(0);
  });

  it('index and registry refuse bad settings with every problem listed and exit 2', async () => {
    const index = await runCli(['index', '--port', '99999', '--metadata', 'ftp://x', '--token-ttl', '0']);
    expect(index.code).to.equal(2);
    expect(index.stderr).to.include('--port must be between 0 and 65535').and.include('--metadata').and.include('--token-ttl');
    const registry = await runCli(['registry', '--port', '0']);
    expect(registry.code).to.equal(2);
    expect(registry.stderr).to.include('one of --index URL, --standalone or --mirror-of URL is required');
    const env = await runCli(['registry', '--standalone'], { env: { V1HUB_PORT: 'eighty' } });
    expect(env.code).to.equal(2);
    expect(env.stderr).to.include('V1HUB_PORT must be a whole number');
    const admin = await runCli(['index', '--port', '0'], { env: { V1HUB_ADMIN_PASSWORD: 'abc' } });
    expect(admin.code, 'a password the Index would refuse is a configuration error').to.equal(2);
    expect(admin.stderr).to.include('V1HUB_ADMIN_PASSWORD must be at least 5 characters').and.not.include('abc');
  });

  it('up lists the problems of both services at once, before starting either (exit 2)', async () => {
    const up = await runCli(['up', '--index-port', 'abc', '--metadata', 'bogus', '--storage', 'nope'], { cwd: dir.path, env: { V1HUB_VALIDATION_CACHE: 'zz' } });
    expect(up.code).to.equal(2);
    expect(up.stderr).to.include('--index-port must be a whole number').and.include('--metadata').and.include('--storage').and.include('V1HUB_VALIDATION_CACHE must be a whole number');
    const env = await runCli(['up', '--index-port', '0', '--registry-port', '0'], { cwd: dir.path, env: { V1HUB_VALIDATION_CACHE: 'zz', V1HUB_ADMIN_PASSWORD: 'abc' } });
    expect(env.code).to.equal(2);
    expect(env.stderr).to.include('V1HUB_VALIDATION_CACHE must be a whole number').and.include('V1HUB_ADMIN_PASSWORD');
    expect(env.stdout, 'nothing was started').not.to.include('listening on');
  });

  it('usage errors exit 2; --help exits 0', async () => {
    expect((await runCli(['frobnicate'])).code).to.equal(2);
    expect((await runCli(['index', '--no-such-flag'])).code).to.equal(2);
    const help = await runCli(['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('index').and.include('registry').and.include('up');
  });

  it('tarsum prints the Docker 1.x sum; a non-tar is one line and exit 1', async () => {
    const r = await runCli(['tarsum', path.join(VECTORS, 'xattr/layer.tar'), '--json', path.join(VECTORS, 'xattr/json')]);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal('tarsum+sha256:07e304a8dbcb215b37649fde1a699f8aeea47e60815707f1cdf4d55d25ff6ab4');
    const bad = await runCli(['tarsum', path.join(VECTORS, 'xattr/json')]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect((await runCli(['tarsum', path.join(VECTORS, 'xattr/layer.tar'), '--version', 'md5'])).code).to.equal(2);
  });
});
