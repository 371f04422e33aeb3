import { makeTempDir } from '@v1hub/shared/testing';
import { createLayerStorage } from '../../src/storage/create-layer-storage.js';
import { layerStorageContract } from '../contracts/layer-storage.contract.js';

layerStorageContract('local', async () => {
  const dir = await makeTempDir('v1hub-local-storage');
  const storage = await createLayerStorage({ driver: 'local', root: dir.path });
  return {
    storage,
    async dispose() {
      await storage.close();
      await dir.remove();
    },
  };
});
