// The worker side of LayerDigestPool: computes the digests of any number of layer streams, one session per
// layer — the payload checksum and plain sha256 as each block arrives, the TarSum pass (gzip inflation
// included) in order behind them — and acknowledges each block once consumed so the sender keeps memory flat.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from './digest-pool.js';
import { LayerInflater } from './layer-inflater.js';
import { PayloadChecksum } from './payload-checksum.js';
import { TarSum, type TarSumVersion } from './tarsum.js';

interface Session {
  readonly payload: PayloadChecksum | null;
  readonly sha256: Hash | null;
  readonly tarsum: TarSum | null;
  readonly inflater: LayerInflater | null;
  readonly json: Uint8Array | null;
  readonly versions: readonly TarSumVersion[];
  /** Blocks are consumed by the TarSum pass in order; each waits for the one before. */
  queue: Promise<void>;
}

const sessions = new Map<number, Session>();
const port = parentPort;
if (!port) throw new Error('digest-worker runs only as a worker thread');

port.on('message', (message: ToWorker) => {
  if (message.type === 'open') {
    const tarsum = message.versions.length > 0 ? new TarSum({ versions: message.versions, blankOwnerNames: message.blankOwnerNames }) : null;
    sessions.set(message.session, {
      payload: message.payload && message.json ? new PayloadChecksum(message.json) : null,
      sha256: message.sha256 ? createHash('sha256') : null,
      tarsum,
      inflater: tarsum ? new LayerInflater(tarsum) : null,
      json: message.json,
      versions: message.versions,
      queue: Promise.resolve(),
    });
    return;
  }
  const session = sessions.get(message.session);
  if (!session) return;
  if (message.type === 'chunk') {
    const { bytes } = message;
    session.payload?.update(bytes);
    session.sha256?.update(bytes);
    const inflater = session.inflater;
    if (inflater) {
      // The TarSum pass may keep views of a block (a header split across two), so it is not handed back.
      session.queue = session.queue.then(() => inflater.write(bytes)).then(() => port.postMessage({ type: 'ack', session: message.session, bytes: bytes.length, block: null }));
      return;
    }
    // Hashed at once: the block goes back to be filled again, sparing an allocation per block.
    const block = bytes.buffer as ArrayBuffer;
    session.queue = session.queue.then(() => port.postMessage({ type: 'ack', session: message.session, bytes: bytes.length, block }, [block]));
    return;
  }
  session.queue = session.queue.then(async () => {
    await session.inflater?.end();
    const tarsums: Partial<Record<TarSumVersion, string | null>> = {};
    for (const version of session.versions) tarsums[version] = session.tarsum?.sum(version, session.json) ?? null;
    sessions.delete(message.session);
    port.postMessage({
      type: 'done',
      session: message.session,
      payload: session.payload?.digest() ?? null,
      sha256: session.sha256 ? `sha256:${session.sha256.digest('hex')}` : null,
      tarsums,
      tarsumError: session.tarsum?.error ?? null,
    });
  });
});
