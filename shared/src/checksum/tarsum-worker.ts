// The worker side of TarSumPool: runs the TarSum pass (gzip inflation included) of any number of layer
// streams, one session per layer, and acknowledges each chunk once consumed so the sender keeps memory flat.
import { parentPort } from 'node:worker_threads';
import { LayerInflater } from './layer-inflater.js';
import { TarSum, type TarSumVersion } from './tarsum.js';
import type { ToWorker } from './tarsum-pool.js';

interface Session {
  readonly tarsum: TarSum;
  readonly inflater: LayerInflater;
  readonly json: Uint8Array | null;
  readonly versions: readonly TarSumVersion[];
  /** Chunks are consumed in order; each waits for the one before. */
  queue: Promise<void>;
}

const sessions = new Map<number, Session>();
const port = parentPort;
if (!port) throw new Error('tarsum-worker runs only as a worker thread');

port.on('message', (message: ToWorker) => {
  if (message.type === 'open') {
    const tarsum = new TarSum({ versions: message.versions, blankOwnerNames: message.blankOwnerNames });
    sessions.set(message.session, { tarsum, inflater: new LayerInflater(tarsum), json: message.json, versions: message.versions, queue: Promise.resolve() });
    return;
  }
  const session = sessions.get(message.session);
  if (!session) return;
  if (message.type === 'chunk') {
    const chunk = new Uint8Array(message.bytes);
    session.queue = session.queue.then(() => session.inflater.write(chunk)).then(() => port.postMessage({ type: 'ack', session: message.session, bytes: chunk.length }));
    return;
  }
  session.queue = session.queue.then(async () => {
    await session.inflater.end();
    const tarsums: Partial<Record<TarSumVersion, string | null>> = {};
    for (const version of session.versions) tarsums[version] = session.tarsum.sum(version, session.json);
    sessions.delete(message.session);
    port.postMessage({ type: 'done', session: message.session, tarsums, error: session.tarsum.error });
  });
});
