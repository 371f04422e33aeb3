import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { DurableLog, type JournalSink } from '../../src/store/file/durable-log.js';
import { emptyState, toSnapshot } from '../../src/store/memory/store-state.js';
import { StoreUnavailableError } from '../../src/store/metadata-store.js';
import type { Operation } from '../../src/store/memory/operations.js';

/** A journal in memory that records each append and can be told to fail. */
class FakeJournal implements JournalSink {
  appends: string[] = [];
  failWith: Error | null = null;
  size = 0;

  async append(text: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.failWith !== null) throw this.failWith;
    this.appends.push(text);
    this.size += text.length;
  }

  async reset(): Promise<void> {
    this.size = 0;
  }
}

const op = (n: number): Operation => ({ type: 'deleteToken', repository: 'alice/app', signature: `sig-${n}` });

describe('DurableLog', function () {
  let dir: TempDir;
  let journal: FakeJournal;
  let log: DurableLog;

  beforeEach(async function () {
    dir = await makeTempDir('v1hub-durable-log');
    journal = new FakeJournal();
    log = new DurableLog({ journal, snapshotPath: join(dir.path, 'snapshot.json'), seq: 0, compactAfterBytes: 1_000_000, takeSnapshot: () => toSnapshot(emptyState(), 0) });
  });

  afterEach(async function () {
    await log.idle();
    await dir.remove();
  });

  it('groups writes that arrive during a write into the next single append', async function () {
    await Promise.all(Array.from({ length: 20 }, (_, n) => log.record(op(n))));
    expect(journal.appends).to.have.length(2);
    const lines = journal.appends.join('').trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { seq: number }).seq)).to.deep.equal(Array.from({ length: 20 }, (_, n) => n + 1));
  });

  it('writes the snapshot as the state was when it was taken', async function () {
    const state = emptyState();
    const path = join(dir.path, 'taken.json');
    log = new DurableLog({ journal, snapshotPath: path, seq: 7, compactAfterBytes: 1_000_000, takeSnapshot: () => toSnapshot(state, 0) });
    const compaction = log.compact();
    // A change applied while the snapshot is being written belongs to the journal, not to the snapshot.
    state.audit.push({ time: 1, kind: 'layer-access', user: null, repository: 'a/b', access: 'read', result: 'granted' });
    await compaction;
    const written = JSON.parse(await readFile(path, 'utf8')) as { seq: number; state: { audit: unknown[] } };
    expect(written.seq).to.equal(7);
    expect(written.state.audit).to.deep.equal([]);
  });

  it('rejects the failed batch and every later write with StoreUnavailableError', async function () {
    journal.failWith = new Error('ENOSPC: no space left on device');
    const results = await Promise.allSettled([log.record(op(1)), log.record(op(2))]);
    expect(results.map((result) => result.status)).to.deep.equal(['rejected', 'rejected']);
    expect(log.failure).to.be.instanceOf(StoreUnavailableError);
    expect(log.failure?.message).to.include('ENOSPC');
    journal.failWith = null;
    const later = await log.record(op(3)).then(
      () => null,
      (err: unknown) => err,
    );
    expect(later).to.equal(log.failure);
  });
});
