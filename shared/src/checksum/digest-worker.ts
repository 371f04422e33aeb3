// The worker side of LayerDigestPool: runs the in-line layer digester of any number of layer streams, one
// session per layer, and acknowledges each block once consumed so the sender keeps memory flat.
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from './digest-pool.js';
import { createLayerDigester, type LayerDigester } from './layer-digester.js';

interface Session {
  readonly digester: LayerDigester;
  /** Blocks are fed in order; each waits until the one before is consumed (the TarSum pass is asynchronous). */
  queue: Promise<void>;
}

const sessions = new Map<number, Session>();
const port = parentPort;
if (!port) throw new Error('digest-worker runs only as a worker thread');

port.on('message', (message: ToWorker) => {
  if (message.type === 'open') {
    sessions.set(message.session, { digester: createLayerDigester(message.request), queue: Promise.resolve() });
    return;
  }
  const session = sessions.get(message.session);
  if (!session) return;
  const { digester } = session;
  if (message.type === 'chunk') {
    const { bytes } = message;
    // A synchronous digester (hashes only) is done with a block once update() returns, so the block goes back
    // to be filled again; the TarSum pass may keep views of one (a header split across two), so it keeps it.
    const block = digester.synchronous ? (bytes.buffer as ArrayBuffer) : null;
    session.queue = session.queue
      .then(() => digester.update(bytes))
      .then(() => port.postMessage({ type: 'ack', session: message.session, bytes: bytes.length, block }, block ? [block] : []));
    return;
  }
  session.queue = session.queue.then(async () => {
    const digests = await digester.finish();
    sessions.delete(message.session);
    port.postMessage({ type: 'done', session: message.session, digests });
  });
});
