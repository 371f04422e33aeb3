import { expect } from 'chai';
import { FakeClock } from '@v1hub/shared';
import { MemoryMetadataStore } from '../../src/store/memory/memory-metadata-store.js';
import { metadataStoreContract, repository, token } from '../contracts/metadata-store.contract.js';

metadataStoreContract('memory', async (options) => {
  const store = new MemoryMetadataStore(options);
  return { store, dispose: () => store.close() };
});

describe('MemoryMetadataStore with an injected clock', function () {
  let store: MemoryMetadataStore;
  let clock: FakeClock;

  beforeEach(async function () {
    clock = new FakeClock();
    store = new MemoryMetadataStore({ clock });
    await store.repositories.create(repository('alice', 'app'));
  });

  afterEach(async function () {
    await store.close();
  });

  it('forgets tokens by the injected time, not the wall clock', async function () {
    await store.tokens.save(token('alice/app', 'sig-1', { issuedAt: clock.now(), expiresAt: clock.now() + 1_000 }));
    expect(await store.tokens.get('alice/app', 'sig-1')).to.not.equal(null);
    clock.advance(1_000);
    expect(await store.tokens.get('alice/app', 'sig-1')).to.equal(null);
  });

  it('does not count expired tokens as revoked', async function () {
    await store.tokens.save(token('alice/app', 'short', { expiresAt: clock.now() + 1_000 }));
    await store.tokens.save(token('alice/app', 'long', { expiresAt: clock.now() + 5_000 }));
    clock.advance(2_000);
    expect(await store.tokens.revokeAll('alice/app')).to.equal(1);
  });

  it('rejects StoreUnavailableError once closed', async function () {
    await store.close();
    const err = await store.ping().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.have.property('name', 'StoreUnavailableError');
  });
});
