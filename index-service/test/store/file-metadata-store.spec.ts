import { spawn } from 'node:child_process';
import { appendFile, cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { JOURNAL_FILE, openFileMetadataStore, SNAPSHOT_FILE, type FileMetadataStore } from '../../src/store/file/file-metadata-store.js';
import { LOCK_FILE } from '../../src/store/file/dir-lock.js';
import { StoreError, type MetadataStore } from '../../src/store/metadata-store.js';
import { metadataStoreContract, repository, session, token, user } from '../contracts/metadata-store.contract.js';

metadataStoreContract('file', async (options) => {
  const dir = await makeTempDir('v1hub-file-store');
  const store = await openFileMetadataStore(dir.path, options);
  return {
    store,
    dispose: async () => {
      await store.close();
      await dir.remove();
    },
  };
});

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const WRITER = join(import.meta.dirname, 'fixtures', 'file-store-writer.ts');

/** A bit of everything, so a reopened store can be checked field by field. */
async function writeSample(store: MetadataStore): Promise<void> {
  await store.users.create(user('alice'));
  await store.users.update('alice', { email: 'alice@new.example.com', admin: true });
  await store.organizations.create({ name: 'acme', owner: 'alice', members: [], createdAt: 1 });
  await store.organizations.addMember('acme', 'bob');
  await store.repositories.create(repository('alice', 'app'));
  await store.repositories.update('alice', 'app', { description: 'the app' }, 42);
  await store.repositories.mergeImages('alice', 'app', [{ id: 'a1', checksum: 'sha256:a1', Tag: 'latest' }]);
  await store.repositories.mergeImages('alice', 'app', [{ id: 'b2' }]);
  await store.repositories.star('alice', 'app', 'bob');
  await store.tokens.save(token('alice/app', 'sig-1', { expiresAt: Date.now() + 3_600_000 }));
  await store.sessions.save(session('sess-1', { expiresAt: Date.now() + 3_600_000 }));
  await store.sessions.save(session('sess-gone'));
  await store.sessions.delete('sess-gone');
  await store.audit.append({ time: 1, kind: 'token-issued', user: 'alice', repository: 'alice/app', access: 'read', result: 'granted' });
}

async function expectSample(store: MetadataStore): Promise<void> {
  expect(await store.users.get('alice')).to.deep.equal(user('alice', { email: 'alice@new.example.com', admin: true }));
  expect(await store.organizations.get('acme')).to.deep.include({ members: ['alice', 'bob'] });
  expect(await store.repositories.get('alice', 'app')).to.deep.include({ description: 'the app', updatedAt: 42 });
  expect(await store.repositories.listImages('alice', 'app')).to.deep.equal([{ id: 'a1', checksum: 'sha256:a1' }, { id: 'b2' }]);
  expect(await store.repositories.listAll()).to.have.nested.property('[0].starCount', 1);
  expect(await store.tokens.get('alice/app', 'sig-1')).to.include({ signature: 'sig-1' });
  expect(await store.sessions.get('sess-1')).to.include({ username: 'alice', csrf: 'csrf-sess-1' });
  expect(await store.sessions.get('sess-gone')).to.equal(null);
  expect(await store.audit.list(10)).to.have.length(1);
  expect(await store.users.count()).to.equal(1);
}

/** What the disk holds right now, as a crash would leave it (the store stays open). */
async function crashImage(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, filter: (path) => !path.endsWith(LOCK_FILE) });
}

describe('FileMetadataStore durability', function () {
  let dir: TempDir;
  let copy: TempDir;
  const open: FileMetadataStore[] = [];

  async function openStore(path: string, options: Parameters<typeof openFileMetadataStore>[1] = {}): Promise<FileMetadataStore> {
    const store = await openFileMetadataStore(path, options);
    open.push(store);
    return store;
  }

  beforeEach(async function () {
    dir = await makeTempDir('v1hub-file-durability');
    copy = await makeTempDir('v1hub-file-crash-image');
  });

  afterEach(async function () {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await dir.remove();
    await copy.remove();
  });

  it('keeps everything across close and reopen in a new instance', async function () {
    const first = await openStore(dir.path);
    await writeSample(first);
    await first.close();
    await expectSample(await openStore(dir.path));
  });

  it('keeps every acknowledged write when the process stops without close()', async function () {
    const store = await openStore(dir.path);
    await writeSample(store);
    await crashImage(dir.path, copy.path);
    expect((await stat(join(copy.path, JOURNAL_FILE))).size).to.be.greaterThan(0);
    await expectSample(await openStore(copy.path));
  });

  it('ignores a torn last journal line, then appends after the good lines', async function () {
    const store = await openStore(dir.path);
    await writeSample(store);
    await crashImage(dir.path, copy.path);
    await appendFile(join(copy.path, JOURNAL_FILE), '{"seq":999,"op":{"type":"createUser","user":{"usern');
    const reopened = await openStore(copy.path);
    await expectSample(reopened);
    await reopened.users.create(user('bob'));
    await reopened.close();
    const again = await openStore(copy.path);
    expect(await again.users.get('bob')).to.deep.equal(user('bob'));
  });

  it('refuses to open when a complete journal line is corrupt', async function () {
    const store = await openStore(dir.path);
    await writeSample(store);
    await crashImage(dir.path, copy.path);
    const journal = join(copy.path, JOURNAL_FILE);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    lines[2] = '{"seq":3,"op":{"type":"createUs';
    await writeFile(journal, lines.join('\n'));
    const err = await openFileMetadataStore(copy.path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(StoreError);
    expect((err as Error).message).to.match(/journal.*line 3.*corrupt/);
  });

  it('compacts a growing journal into the snapshot and keeps everything, under concurrent writes', async function () {
    const store = await openStore(dir.path, { compactAfterBytes: 4_096 });
    await store.repositories.create(repository('alice', 'app'));
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.tokens.save(token('alice/app', `sig-${i}`))));
    // Compaction runs after the batch that crossed the threshold was acknowledged; this write waits for it.
    await store.tokens.save(token('alice/app', 'sig-last'));
    expect((await stat(join(dir.path, SNAPSHOT_FILE))).size).to.be.greaterThan(0);
    expect((await stat(join(dir.path, JOURNAL_FILE))).size).to.be.below(64 * 1_024);
    await crashImage(dir.path, copy.path);
    const reopened = await openStore(copy.path);
    for (let i = 0; i < 300; i += 1) expect(await reopened.tokens.get('alice/app', `sig-${i}`), `sig-${i}`).to.not.equal(null);
  });

  it('replays cleanly after compactions that ran while writes kept arriving', async function () {
    const store = await openStore(dir.path, { compactAfterBytes: 2_048 });
    let n = 0;
    for (let round = 0; round < 30; round += 1) {
      await Promise.all(
        Array.from({ length: 10 }, () => {
          n += 1;
          return Promise.all([store.users.create(user(`user${n}`)), store.audit.append({ time: n, kind: 'layer-access', user: null, repository: 'a/b', access: 'read', result: 'granted' })]);
        }),
      );
    }
    // Copying files is a faithful crash image only while nothing is being written; a few more writes
    // (too small to trigger another compaction) make sure the journal holds entries after the snapshot.
    await store.idle();
    for (const name of ['late1', 'late2', 'late3']) await store.users.create(user(name));
    await store.idle();
    expect((await stat(join(dir.path, JOURNAL_FILE))).size).to.be.greaterThan(0);
    await crashImage(dir.path, copy.path);
    const reopened = await openStore(copy.path, { auditCapacity: 1_000 });
    expect(await reopened.users.count()).to.equal(303);
    expect((await reopened.audit.list(1_000)).map((event) => event.time)).to.deep.equal(Array.from({ length: 300 }, (_, i) => 300 - i));
  });

  it('refuses a second open of the same directory, naming the owner', async function () {
    await openStore(dir.path);
    const err = await openFileMetadataStore(dir.path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(StoreError);
    expect((err as Error).message).to.include(`in use by process ${process.pid}`);
  });

  it('takes over a lock left by a process that is gone', async function () {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.once('close', resolve));
    await writeFile(join(dir.path, LOCK_FILE), `${child.pid}\n`);
    const store = await openStore(dir.path);
    await store.users.create(user('alice'));
    expect(await readFile(join(dir.path, LOCK_FILE), 'utf8')).to.equal(`${process.pid}\n`);
  });

  it('keeps every write acknowledged before a SIGKILL', async function () {
    this.timeout(30_000);
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@v1hub/source', WRITER, dir.path], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const acked = await new Promise<number>((resolve, reject) => {
      let last = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        for (const match of chunk.toString().matchAll(/acked (\d+)/g)) last = Number(match[1]);
        if (last >= 200) {
          child.kill('SIGKILL');
          resolve(last);
        }
      });
      child.once('close', () => reject(new Error(`writer exited before acknowledging 200 writes:\n${stderr}`)));
    });
    await exited;
    const store = await openStore(dir.path);
    expect(await store.users.count()).to.be.at.least(acked);
    for (let n = 1; n <= acked; n += 1) expect(await store.users.get(`user${n}`), `user${n}`).to.not.equal(null);
  });
});
