import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@v1hub/shared/testing';
import { createLayerStorage } from '../../src/storage/create-layer-storage.js';
import { layerStorageContract } from '../contracts/layer-storage.contract.js';

let aged = 0;
layerStorageContract('local', async () => {
  const dir = await makeTempDir('v1hub-local-storage');
  const storage = await createLayerStorage({ driver: 'local', root: dir.path });
  return {
    storage,
    async dispose() {
      await storage.close();
      await dir.remove();
    },
    async age(prefix: string) {
      const past = new Date(Date.now() - 60_000 - (aged += 1000));
      await utimes(join(dir.path, ...prefix.split('/')), past, past);
    },
  };
});
