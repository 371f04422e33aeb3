import { expect } from 'chai';
import path from 'node:path';
import {
  freePort,
  makeTempDir,
  modernConfig,
  readTarEntries,
  requireDockerd,
  runCli,
  sha256Hex,
  spawnCli,
  startDockerd,
  writeModernSave,
  writeTarEntries,
  type CliProcess,
  type Dockerd,
  type TempDir,
} from '@v1hub/shared/testing';
import { buildTar } from '@v1hub/shared';

/** Docker 20.10's ids for v1hub's example image: `docker images` after `docker load` of the v1 tarball. */
const EXAMPLE_IMAGE_ID = 'sha256:9be429d086f6ab22273f9ef2d6b056e83e8ec88d0a6073f79094edd4fdaa019d';
const EXAMPLE_BASE_IMAGE_ID = 'sha256:8fb344b96e5885f0f5cc33884d6806877588ce4781a12c19a548751ff5ac38cd';

/**
 * Issue #11 item 2 against a real engine: Debian's dockerd 20.10, started privately. Tarballs v1hub pulls
 * load with the ids Docker itself computes, whichever of manifest.json or the v1 layout the engine reads;
 * what the engine saves pushes with Docker's own v1 ids, derived the same from its configs alone.
 */
describe('tarballs and a real Docker engine (dockerd 20.10)', function () {
  this.timeout(180_000);
  let dir: TempDir;
  let engine: Dockerd;
  let index: CliProcess;
  let registry: CliProcess;
  let server: string;
  let env: Record<string, string>;
  const cli = async (...args: string[]): Promise<string> => {
    const result = await runCli(args, { env });
    expect(result.code, `v1hub ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const inspect = async (ref: string, format: string): Promise<string> => (await engine.docker(['image', 'inspect', '--format', format, ref])).trim();

  before(async function () {
    requireDockerd(this);
    dir = await makeTempDir('v1hub-engine-');
    engine = await startDockerd();
    env = { V1HUB_ADMIN_PASSWORD: 'admin-pass', V1HUB_CONFIG: path.join(dir.path, 'client.json') };
    const registryPort = await freePort();
    index = spawnCli(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${registryPort}`, '--log-level', 'warn'], { env });
    const [, indexUrl] = (await index.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    server = (indexUrl as string).replace('http://', '');
    registry = spawnCli(['registry', '--port', String(registryPort), '--storage', `local:${path.join(dir.path, 'registry')}`, '--index', indexUrl as string, '--log-level', 'warn'], { env });
    await registry.waitFor(/listening on/);
    await cli('login', server, '-u', 'alice', '-p', 'password1', '-e', 'alice@example.com');
  });

  after(async function () {
    await registry?.stop();
    await index?.stop();
    await engine?.stop();
    await dir?.remove();
  });

  it('loads a pulled tarball with the image ids, parent, tag and history Docker computes, by manifest.json and by the v1 layout alike', async function () {
    const example = path.join(dir.path, 'example.tar');
    await cli('example-image', '--to', example);
    await cli('push', `${server}/alice/example`, '--from', example);
    const pulled = path.join(dir.path, 'pulled.tar');
    await cli('pull', `${server}/alice/example`, '--to', pulled);
    const ref = `${server}/alice/example:latest`;

    // Docker 20.10 reads manifest.json when it is there.
    await engine.docker(['load', '-i', pulled]);
    expect(await inspect(ref, '{{.Id}} {{.Parent}}')).to.equal(`${EXAMPLE_IMAGE_ID} ${EXAMPLE_BASE_IMAGE_ID}`);
    const history = (await engine.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', ref])).trim().split('\n');
    expect(history).to.deep.equal(['/bin/sh -c #(nop) ADD file:v1hub-example-app in /usr/local/bin', '/bin/sh -c #(nop) ADD file:v1hub-example-base in /']);
    await engine.docker(['rmi', ref]);

    // The same tarball without manifest.json goes through Docker's legacy v1 load: the same ids.
    const entries = await readTarEntries(pulled);
    const legacyOnly = path.join(dir.path, 'legacy-only.tar');
    await writeTarEntries(legacyOnly, [...entries].filter(([name]) => name.includes('/') || name === 'repositories'));
    await engine.docker(['load', '-i', legacyOnly]);
    expect(await inspect(ref, '{{.Id}} {{.Parent}}')).to.equal(`${EXAMPLE_IMAGE_ID} ${EXAMPLE_BASE_IMAGE_ID}`);
  });

  it('pushes what Docker 20.10 saves with Docker\'s v1 ids, and derives the same ids from its configs alone', async function () {
    const saved = path.join(dir.path, 'saved.tar');
    await engine.docker(['save', '-o', saved, `${server}/alice/example:latest`]);
    const entries = await readTarEntries(saved);
    const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString()) as Array<{ Layers: string[] }>;
    const dockerIds = (manifest[0]?.Layers ?? []).map((layer) => layer.split('/')[0]);
    expect(dockerIds).to.have.length(2);

    const asSaved = JSON.parse(await cli('--json', 'push', `${server}/alice/saved`, '--from', saved)) as { imageIds: string[] };
    expect(asSaved.imageIds).to.deep.equal(dockerIds);

    // Without the v1 json (as Docker ≥ 25 and podman write it), the ids come from v1hub's own derivation.
    const configsOnly = path.join(dir.path, 'configs-only.tar');
    await writeTarEntries(configsOnly, [...entries].filter(([name]) => !/\/(json|VERSION)$/.test(name) && name !== 'repositories'));
    const derived = JSON.parse(await cli('--json', 'push', `${server}/alice/derived`, '--from', configsOnly)) as { imageIds: string[] };
    expect(derived.imageIds).to.deep.equal(dockerIds);
  });

  it('pushes a Docker ≥ 25 OCI tarball with gzip layers, and the pulled tarball loads with the same layers', async function () {
    const layers = [await buildTar([{ name: 'etc/oci-base', content: 'base\n' }]), await buildTar([{ name: 'app/run.sh', content: '#!/bin/sh\necho oci\n' }])];
    const config = modernConfig(layers, { config: { Cmd: ['/app/run.sh'], ExposedPorts: { '8080/tcp': {} }, Labels: { 'org.opencontainers.image.title': 'oci <demo>' } } });
    const oci = path.join(dir.path, 'oci.tar');
    await writeModernSave(oci, [{ config, layers, repoTags: ['oci-demo:1.0'] }], { layout: 'docker-25', gzip: true });
    await cli('push', `${server}/alice/oci-demo:1.0`, '--from', oci);
    const pulled = path.join(dir.path, 'oci-pulled.tar');
    await cli('pull', `${server}/alice/oci-demo:1.0`, '--to', pulled);
    await engine.docker(['load', '-i', pulled]);
    const ref = `${server}/alice/oci-demo:1.0`;
    expect(JSON.parse(await inspect(ref, '{{json .RootFS.Layers}}'))).to.deep.equal(layers.map((layer) => `sha256:${sha256Hex(layer)}`));
    expect(JSON.parse(await inspect(ref, '{{json .Config.ExposedPorts}}'))).to.deep.equal({ '8080/tcp': {} });
  });
});
