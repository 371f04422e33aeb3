/**
 * Issue #15, garbage collection: two repositories share a base layer; one loses its tag; `v1hub gc --dry-run`
 * then `v1hub gc` (real processes) free exactly that repository's private layer, from disk and from S3, and
 * the other still pulls. The registry's admin call asks its Index who is an administrator. And with pushes
 * running meanwhile, nothing they upload or reference is removed.
 */
import path from 'node:path';
import { expect } from 'chai';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import { createLayerStorage, loadRegistryConfig, parseStorageUrl, startRegistryService, type RunningRegistry } from '@v1hub/registry-service';
import { formatBasic } from '@v1hub/shared';
import { createV1Client, type V1Client } from '@v1hub/shared/client';
import { buildImageChain, freePort, makeTempDir, runCli, spawnCli, startS3Server, writeFixtureSave, type CliProcess, type FixtureImage, type S3Server, type TempDir } from '@v1hub/shared/testing';

const TEST_KDF = { N: 1024, r: 8, p: 1 };
const ADMIN = ['admin', 'admin-pass'] as const;

async function stored(storageUrl: string, id: string): Promise<boolean> {
  const parsed = parseStorageUrl(storageUrl);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const storage = await createLayerStorage(parsed.config);
  try {
    return await storage.exists(`images/${id}/layer`);
  } finally {
    await storage.close();
  }
}

function gcSuite(label: string, storageFor: () => Promise<{ url: string; env: Record<string, string>; close(): Promise<void> }>) {
  describe(`gc on ${label}`, function () {
    this.timeout(90_000);
    let dir: TempDir;
    let index: RunningIndex;
    let registry: RunningRegistry;
    let storage: Awaited<ReturnType<typeof storageFor>>;
    let alice: V1Client;
    let a: FixtureImage[];
    let b: FixtureImage[];
    const cli = (args: string[]) => runCli(args, { env: { ...storage.env, V1HUB_CONFIG: path.join(dir.path, 'admin.json') } });

    before(async () => {
      dir = await makeTempDir('v1hub-gc-');
      storage = await storageFor();
      const registryPort = await freePort();
      index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: ADMIN[1], endpoints: `127.0.0.1:${registryPort}` } }), { kdf: TEST_KDF });
      registry = await startRegistryService(loadRegistryConfig({ flags: { port: registryPort, storage: storage.url, index: index.url } }));
      alice = createV1Client({ indexUrl: index.url, retry: { baseDelayMs: 10 } });
      await alice.login({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
      const base = await buildImageChain(1, { seed: `gc-base-${label}` });
      a = await buildImageChain(1, { seed: `gc-a-${label}`, onTopOf: base });
      b = await buildImageChain(1, { seed: `gc-b-${label}`, onTopOf: base });
      const host = new URL(index.url).host;
      for (const [repo, chain] of [['alice/a', a], ['alice/b', b]] as const) {
        const file = path.join(dir.path, `${repo.replace('/', '-')}.tar`);
        await writeFixtureSave(file, chain, repo, 'latest');
        await alice.push(`${host}/${repo}`, file);
      }
      // alice/a loses its only tag (R16 with a delete token): its private layer is now unreachable. Deleting
      // the tag keeps the images, as docker-registry did; gc is what frees them.
      const del = await fetch(`${index.url}/v1/repositories/alice/a/`, { method: 'DELETE', headers: { Authorization: formatBasic('alice', 'alice-pass'), 'X-Docker-Token': 'true' } });
      const token = del.headers.get('x-docker-token') as string;
      const untag = await fetch(`${registry.url}/v1/repositories/alice/a/tags/latest`, { method: 'DELETE', headers: { Authorization: `Token ${token}` } });
      expect(untag.status).to.equal(200);
      expect((await cli(['login', host, '-u', ADMIN[0], '-p', ADMIN[1]])).code).to.equal(0);
    });
    after(async () => {
      alice?.close();
      await registry?.close(1000);
      await index?.close(1000);
      await storage?.close();
      await dir?.remove();
    });

    it('keeps an unreachable image changed within the grace period (the default: an hour)', async () => {
      const run = await cli(['gc', '--storage', storage.url, '--index', index.url, '--dry-run', '--json']);
      const report = JSON.parse(run.stdout) as { freed: number; kept_recent: number };
      expect([report.freed, report.kept_recent]).to.deep.equal([0, 1]);
    });

    it('--dry-run says it would free exactly the private layer, and removes nothing; gc then frees it', async () => {
      const [baseId, aId, bId] = [a[0]?.id as string, a[1]?.id as string, b[1]?.id as string];
      const dry = await cli(['gc', '--storage', storage.url, '--index', index.url, '--dry-run', '--grace', '0', '--json']);
      expect(dry.code, dry.stderr).to.equal(0);
      const planned = JSON.parse(dry.stdout) as { dry_run: boolean; freed: number; freed_bytes: number; images: { id: string; bytes: number }[] };
      expect(planned.dry_run).to.equal(true);
      expect(planned.images.map((i) => i.id)).to.deep.equal([aId]);
      expect(planned.freed_bytes).to.equal(a[1]?.layer.length);
      expect(await stored(storage.url, aId)).to.equal(true);

      const real = await cli(['gc', '--storage', storage.url, '--index', index.url, '--grace', '0']);
      expect(real.code, real.stderr).to.equal(0);
      expect(real.stdout.trim()).to.match(new RegExp(`^freed 1 image\\(s\\), .* \\(${a[1]?.layer.length} bytes\\) of 3 scanned, 2 reachable$`));
      expect(await stored(storage.url, aId)).to.equal(false);
      expect(await stored(storage.url, baseId)).to.equal(true);
      expect(await stored(storage.url, bId)).to.equal(true);
      const pulled = await alice.pull(`${new URL(index.url).host}/alice/b:latest`, { to: path.join(dir.path, 'b.tar') });
      expect(pulled.images.map((i) => i.id).sort()).to.deep.equal([baseId, bId].sort());
      const again = await cli(['gc', '--storage', storage.url, '--index', index.url, '--grace', '0', '--json']);
      expect((JSON.parse(again.stdout) as { freed: number }).freed).to.equal(0);
    });

    it('the registry\'s admin call: the Index says who is an administrator', async () => {
      const gc = (auth?: string) => fetch(`${registry.url}/v1/_admin/gc?dry_run=true&grace=0`, { method: 'POST', headers: auth ? { Authorization: auth } : {} });
      expect((await gc()).status).to.equal(401);
      expect((await gc(formatBasic('alice', 'alice-pass'))).status).to.equal(403);
      expect((await gc(formatBasic('admin', 'wrong-pass'))).status).to.equal(401);
      const ok = await gc(formatBasic(...ADMIN));
      expect(ok.status).to.equal(200);
      expect(await ok.json()).to.deep.include({ dry_run: true, freed: 0 });
      expect((await fetch(`${registry.url}/v1/_admin/gc?grace=-1`, { method: 'POST', headers: { Authorization: formatBasic(...ADMIN) } })).status).to.equal(400);
    });
  });
}

gcSuite('local storage', async () => {
  const dir = await makeTempDir('v1hub-gc-local-');
  return { url: `local:${dir.path}`, env: {}, close: () => dir.remove() };
});

gcSuite('S3 (s3rver)', async () => {
  const s3: S3Server = await startS3Server();
  const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
  // The in-process registry reads the standard variables too; they go again with the suite.
  Object.assign(process.env, env);
  return {
    url: `s3://${s3.bucket}?endpoint=${s3.endpoint}&region=${s3.region}&forcePathStyle=true`,
    env,
    async close() {
      for (const key of Object.keys(env)) delete process.env[key];
      await s3.stop();
    },
  };
});

describe('gc while pushes run (real processes)', function () {
  this.timeout(180_000);
  let dir: TempDir;
  let up: CliProcess;
  let server: string;
  let indexUrl: string;
  const env = () => ({ V1HUB_ADMIN_PASSWORD: ADMIN[1], V1HUB_CONFIG: path.join(dir.path, 'config.json') });

  before(async () => {
    dir = await makeTempDir('v1hub-gc-race-');
    up = spawnCli(['up', '--index-port', '0', '--registry-port', '0', '--data', path.join(dir.path, 'data'), '--log-level', 'warn'], { cwd: dir.path, env: env() });
    [, indexUrl] = (await up.waitFor(/index listening on (http:\/\/\S+)/)) as [string, string];
    await up.waitFor(/Press Ctrl-C/);
    server = indexUrl.replace('http://', '');
    expect((await runCli(['login', server, '-u', ADMIN[0], '-p', ADMIN[1]], { env: env() })).code).to.equal(0);
  });
  after(async () => {
    await up?.stop();
    await dir?.remove();
  });

  it('removes nothing a push uploads or tags while gc runs with no grace period', async () => {
    const storage = `local:${path.join(dir.path, 'data', 'registry')}`;
    const chains: { repo: string; file: string; ids: string[] }[] = [];
    for (let i = 0; i < 4; i += 1) {
      const chain = await buildImageChain(2, { seed: `race-${i}`, extraBytes: 256 * 1024 });
      const file = path.join(dir.path, `race-${i}.tar`);
      await writeFixtureSave(file, chain, `admin/race${i}`, 'latest');
      chains.push({ repo: `admin/race${i}`, file, ids: chain.map((c) => c.id) });
    }
    let pushing = true;
    const gcRuns: Promise<unknown>[] = [];
    const collector = (async () => {
      while (pushing) {
        const run = runCli(['gc', '--storage', storage, '--index', indexUrl, '--grace', '0'], { env: env() });
        gcRuns.push(run);
        const result = await run;
        expect(result.code, result.stderr).to.equal(0);
      }
    })();
    for (const c of chains) {
      const push = await runCli(['push', `${server}/${c.repo}:latest`, '--from', c.file], { env: env() });
      expect(push.code, push.stderr).to.equal(0);
    }
    pushing = false;
    await collector;
    expect(gcRuns.length).to.be.greaterThan(0);
    // One more collection after every push: still nothing of theirs goes.
    expect((await runCli(['gc', '--storage', storage, '--index', indexUrl, '--grace', '0', '--json'], { env: env() })).stdout).to.include('"freed":0');
    for (const c of chains) {
      const pull = await runCli(['pull', `${server}/${c.repo}:latest`, '--to', path.join(dir.path, `${c.repo.replace('/', '-')}.pulled.tar`)], { env: env() });
      expect(pull.code, `${c.repo}: ${pull.stderr}`).to.equal(0);
    }
  });
});
