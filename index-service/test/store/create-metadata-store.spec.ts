import { expect } from 'chai';
import { makeTempDir, requireRedisServer, startRedisServer } from '@v1hub/shared/testing';
import { createMetadataStore, parseMetadataUrl, type MetadataUrl } from '../../src/store/create-metadata-store.js';

function parsed(url: string): MetadataUrl {
  const result = parseMetadataUrl(url);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('createMetadataStore', function () {
  it('opens a memory store', async function () {
    const store = await createMetadataStore(parsed('memory'));
    expect(store.kind).to.equal('memory');
    await store.close();
  });

  it('opens a file store in the named directory', async function () {
    const dir = await makeTempDir('v1hub-create-store');
    try {
      const store = await createMetadataStore(parsed(`file:${dir.path}`));
      expect(store.kind).to.equal('file');
      await store.close();
    } finally {
      await dir.remove();
    }
  });

  it('opens a Redis store with the given key prefix', async function () {
    requireRedisServer(this);
    const server = await startRedisServer();
    try {
      const store = await createMetadataStore(parsed(server.url), { keyPrefix: 'custom:' });
      expect(store.kind).to.equal('redis');
      await store.users.count();
      await store.close();
    } finally {
      await server.stop();
    }
  });
});
