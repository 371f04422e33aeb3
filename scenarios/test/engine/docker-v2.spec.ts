import { expect } from 'chai';
import path from 'node:path';
import { formatBasic } from '@v1hub/shared';
import { CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TAG, CENTOS_TAR, CENTOS_TOP, freePort, makeTempDir, readTarEntries, requireDockerd, runCli, sha256Hex, spawnCli, startDockerd, type CliProcess, type Dockerd, type TempDir } from '@v1hub/shared/testing';

/** Docker 20.10's id for v1hub's example image (docker load of the v1 tarball). */
const EXAMPLE_IMAGE_ID = 'sha256:9be429d086f6ab22273f9ef2d6b056e83e8ec88d0a6073f79094edd4fdaa019d';

/**
 * Issue #17 against a real engine: Debian's dockerd 20.10 speaks v2 to an Index and a Registry started with
 * --v2. `docker login` gets a token from the Index (GET /v2/token with Basic), `docker push` and `docker pull`
 * go to the registry with that token, which the registry checks by the Index's signature alone.
 */
describe('Docker 20.10 against --v2: login, push, pull through the Index as token server (real engine)', function () {
  this.timeout(240_000);
  let dir: TempDir;
  let engine: Dockerd;
  let index: CliProcess;
  let registry: CliProcess;
  let indexUrl: string;
  let registryHost: string;
  let env: Record<string, string>;
  const cli = async (...args: string[]): Promise<string> => {
    const result = await runCli(args, { env });
    expect(result.code, `v1hub ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const v2Token = async (scope: string, user: [string, string] = ['alice', 'password1']) => {
    const res = await fetch(`${indexUrl}/v2/token?service=v1hub-registry&scope=${encodeURIComponent(scope)}`, { headers: { Authorization: formatBasic(...user) } });
    return ((await res.json()) as { token: string }).token;
  };
  const dockerFails = async (args: string[]): Promise<string> => {
    try {
      await engine.docker(args);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error(`docker ${args.join(' ')} succeeded`);
  };

  before(async function () {
    requireDockerd(this);
    dir = await makeTempDir('v1hub-engine-v2-');
    const registryPort = await freePort();
    engine = await startDockerd({ insecureRegistries: [`127.0.0.1:${registryPort}`] });
    env = { V1HUB_ADMIN_PASSWORD: 'admin-pass', V1HUB_CONFIG: path.join(dir.path, 'client.json') };
    index = spawnCli(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${registryPort}`, '--v2', '--log-level', 'warn'], { env });
    [, indexUrl] = (await index.waitFor(/listening on (http:\/\/\S+)/)) as [string, string];
    registry = spawnCli(['registry', '--port', String(registryPort), '--storage', `local:${path.join(dir.path, 'registry')}`, '--index', indexUrl, '--v2', '--log-level', 'warn'], { env });
    await registry.waitFor(/listening on/);
    registryHost = `127.0.0.1:${registryPort}`;
    await cli('login', indexUrl.replace('http://', ''), '-u', 'alice', '-p', 'password1', '-e', 'alice@example.com');
    const example = path.join(dir.path, 'example.tar');
    await cli('example-image', '--to', example);
    await engine.docker(['load', '-i', example]);
  });

  after(async function () {
    await registry?.stop();
    await index?.stop();
    await engine?.stop();
    await dir?.remove();
  });

  it('docker login with a v1hub account succeeds; a wrong password is refused', async () => {
    expect(await engine.docker(['login', registryHost, '-u', 'alice', '-p', 'password1'])).to.include('Login Succeeded');
    expect(await dockerFails(['login', registryHost, '-u', 'alice', '-p', 'wrong-password'])).to.match(/unauthorized|incorrect/i);
    await engine.docker(['login', registryHost, '-u', 'alice', '-p', 'password1']);
  });

  it('docker push, docker rmi, docker pull: the same image id comes back', async () => {
    const ref = `${registryHost}/alice/v2app:latest`;
    await engine.docker(['tag', EXAMPLE_IMAGE_ID, ref]);
    await engine.docker(['push', ref]);
    await engine.docker(['rmi', ref]);
    await engine.docker(['rmi', '-f', EXAMPLE_IMAGE_ID]);
    await engine.docker(['pull', ref]);
    expect((await engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).trim()).to.equal(EXAMPLE_IMAGE_ID);
  });

  it('one store, two protocols: v1hub pull of that docker push loads with the same layers; the centos tarball pushed with v1hub push is docker pull-able with its diff ids', async () => {
    const indexHost = indexUrl.replace('http://', '');
    const pulled = path.join(dir.path, 'v2app-by-v1.tar');
    await cli('pull', `${indexHost}/alice/v2app:latest`, '--to', pulled);
    await engine.docker(['load', '-i', pulled]);
    const layersOf = async (ref: string) => (await engine.docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref])).trim();
    expect(await layersOf(`${indexHost}/alice/v2app:latest`)).to.equal(await layersOf(`${registryHost}/alice/v2app:latest`));

    await cli('push', `${indexHost}/alice/centos`, '--from', CENTOS_TAR);
    const entries = await readTarEntries(CENTOS_TAR);
    const diffIds = [CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP].map((id) => `sha256:${sha256Hex(entries.get(`${id}/layer.tar`) as Buffer)}`);
    await engine.docker(['pull', `${registryHost}/alice/centos:${CENTOS_TAG}`]);
    expect(JSON.parse(await layersOf(`${registryHost}/alice/centos:${CENTOS_TAG}`))).to.deep.equal(diffIds);
    const catalog = await fetch(`http://${registryHost}/v2/alice/centos/tags/list`, { headers: { Authorization: `Bearer ${await v2Token('repository:alice/centos:pull')}` } });
    expect(((await catalog.json()) as { tags: string[] }).tags).to.include(CENTOS_TAG);
  });

  it('a private repository refuses an anonymous docker pull with the engine\'s "denied" message', async () => {
    const patch = await fetch(`${indexUrl}/v1/repositories/alice/v2app/info`, { method: 'PATCH', headers: { Authorization: formatBasic('alice', 'password1'), 'Content-Type': 'application/json' }, body: '{"private": true}' });
    expect(patch.status).to.be.oneOf([200, 204]);
    await engine.docker(['logout', registryHost]);
    await engine.docker(['rmi', `${registryHost}/alice/v2app:latest`]);
    expect(await dockerFails(['pull', `${registryHost}/alice/v2app:latest`])).to.include('denied');
    await engine.docker(['login', registryHost, '-u', 'alice', '-p', 'password1']);
    await engine.docker(['pull', `${registryHost}/alice/v2app:latest`]);
  });

  it('/v2/_catalog lists the repository to an administrator\'s token, and refuses anonymous callers', async () => {
    const anonymous = await fetch(`http://${registryHost}/v2/_catalog`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.include('scope="registry:catalog:*"');
    const jwt = await v2Token('registry:catalog:*', ['admin', 'admin-pass']);
    const catalog = await fetch(`http://${registryHost}/v2/_catalog`, { headers: { Authorization: `Bearer ${jwt}` } });
    expect(catalog.status).to.equal(200);
    expect(((await catalog.json()) as { repositories: string[] }).repositories, 'what both protocols pushed').to.include.members(['alice/v2app', 'alice/centos']);
  });
});
