// R13 reuses a repository's tags only while the storage's listing version is unchanged (issue 12: GET tags
// without a directory listing and a read per tag). Two TagStores over one local directory stand for two
// registry processes sharing storage: what one writes, the other must see on its next read.
import { expect } from 'chai';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { createLayerStorage } from '../../src/storage/create-layer-storage.js';
import type { LayerStorage } from '../../src/storage/layer-storage.js';
import * as paths from '../../src/storage/paths.js';
import { TagStore } from '../../src/tags/tag-store.js';

const REPO = { namespace: 'alice', repository: 'app' };
const [A, B, C] = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)] as const;

/** A storage that counts its directory listings. */
function counting(storage: LayerStorage): { storage: LayerStorage; lists: () => number } {
  let lists = 0;
  const wrapped = new Proxy(storage, {
    get(target, key, receiver) {
      if (key === 'list') return (prefix: string) => (lists++, target.list(prefix));
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { storage: wrapped, lists: () => lists };
}

describe('TagStore.list: remembered tags, seen through another process\'s writes', function () {
  let dir: TempDir;
  let mine: TagStore;
  let theirs: TagStore;
  let lists: () => number;
  let opened: LayerStorage[];
  let aged = 0;
  /** Backdates the repository directory, as if its last change were long ago (its listing then has a version). */
  const age = async () => {
    const past = new Date(Date.now() - 60_000 - (aged += 1000));
    await utimes(join(dir.path, ...paths.repositoryDir(REPO.namespace, REPO.repository).split('/')), past, past);
  };
  const exists = async () => true;

  beforeEach(async function () {
    dir = await makeTempDir('v1hub-tag-listing');
    const first = await createLayerStorage({ driver: 'local', root: dir.path });
    const second = await createLayerStorage({ driver: 'local', root: dir.path });
    opened = [first, second];
    const counted = counting(first);
    lists = counted.lists;
    mine = new TagStore(counted.storage);
    theirs = new TagStore(second);
  });
  afterEach(async function () {
    for (const s of opened) await s.close();
    await dir.remove();
  });

  it('reads the directory once while it is unchanged', async function () {
    await theirs.put(REPO, 'v1', A, '', exists);
    await age();
    expect(await mine.list(REPO)).to.deep.equal({ v1: A });
    expect(await mine.list(REPO)).to.deep.equal({ v1: A });
    expect(await mine.list(REPO)).to.deep.equal({ v1: A });
    expect(lists()).to.equal(1);
  });

  it('sees a tag another process added, replaced or removed', async function () {
    await theirs.put(REPO, 'v1', A, '', exists);
    await age();
    expect(await mine.list(REPO)).to.deep.equal({ v1: A });
    await theirs.put(REPO, 'v2', B, '', exists);
    expect(await mine.list(REPO)).to.deep.equal({ v1: A, v2: B });
    await age();
    expect(await mine.list(REPO)).to.deep.equal({ v1: A, v2: B });
    await theirs.put(REPO, 'v1', C, '', exists);
    expect(await mine.list(REPO)).to.deep.equal({ v1: C, v2: B });
    await age();
    expect(await mine.list(REPO)).to.deep.equal({ v1: C, v2: B });
    await theirs.delete(REPO, 'v2');
    expect(await mine.list(REPO)).to.deep.equal({ v1: C });
    await theirs.deleteRepository(REPO);
    expect(await mine.list(REPO).catch((e: Error) => e.message)).to.equal('Repository not found');
  });

  it('reads again while the directory changed too recently to tell a further change apart', async function () {
    await theirs.put(REPO, 'v1', A, '', exists);
    await mine.list(REPO);
    await mine.list(REPO);
    expect(lists()).to.equal(2);
  });

  it('hands out copies: a caller changing its answer changes nobody else\'s', async function () {
    await theirs.put(REPO, 'v1', A, '', exists);
    await age();
    const answer = await mine.list(REPO);
    answer.v1 = 'changed';
    expect(await mine.list(REPO)).to.deep.equal({ v1: A });
  });
});
