import { createLayerStorage } from '../../src/storage/create-layer-storage.js';
import { layerStorageContract } from '../contracts/layer-storage.contract.js';

layerStorageContract('memory', async () => {
  const storage = await createLayerStorage({ driver: 'memory' });
  return { storage, dispose: () => storage.close() };
});
