// In-memory driver: the test double for everything above storage (distribution's inmemory driver
// lesson). It is deliberately honest — copies on the way in, streams on the way out, commits a
// writeStream only on success — so the contract suite can prove it behaves like the real drivers.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  PathNotFoundError,
  STORAGE_ROOT,
  streamedObject,
  type ByteRange,
  type LayerStorage,
  type ObjectStat,
  type OpenedObject,
  type WriteStreamOptions,
} from '../layer-storage.js';

/** Chunk size for reads, so consumers see several chunks like they would from disk or S3. */
const READ_CHUNK_BYTES = 64 * 1024;

interface StoredObject {
  /** Never mutated after being stored; replaced wholesale by writes, so open reads stay consistent. */
  readonly content: Buffer;
  readonly modifiedAt: Date;
}

export class MemoryLayerStorage implements LayerStorage {
  readonly driverName = 'memory';
  private readonly objects = new Map<string, StoredObject>();

  async getContent(path: string): Promise<Buffer> {
    return Buffer.from(this.object(path).content);
  }

  async putContent(path: string, content: Uint8Array | string): Promise<void> {
    // Buffer.from copies, so later changes to the caller's array cannot reach the stored object.
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    this.objects.set(path, { content: bytes, modifiedAt: new Date() });
  }

  async openRead(path: string, range?: ByteRange): Promise<OpenedObject> {
    const { content } = this.object(path);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? Infinity, content.length - 1);
    const slice = start <= end ? content.subarray(start, end + 1) : Buffer.alloc(0);
    return streamedObject(Readable.from(chunks(slice), { objectMode: false }), content.length);
  }

  async writeStream(path: string, source: Readable, opts: WriteStreamOptions = {}): Promise<{ size: number }> {
    const received: Buffer[] = [];
    const collect = async (input: AsyncIterable<Buffer | string>) => {
      for await (const chunk of input) received.push(Buffer.from(chunk));
    };
    if (opts.signal === undefined) await pipeline(source, collect);
    else await pipeline(source, collect, { signal: opts.signal });
    const content = Buffer.concat(received);
    this.objects.set(path, { content, modifiedAt: new Date() });
    return { size: content.length };
  }

  async stat(path: string): Promise<ObjectStat> {
    const { content, modifiedAt } = this.object(path);
    return { size: content.length, modifiedAt: new Date(modifiedAt) };
  }

  async exists(path: string): Promise<boolean> {
    return this.objects.has(path);
  }

  /** Listing this map costs less than keeping a token right: always read again. */
  async listingVersion(prefix: string): Promise<string | null> {
    await this.list(prefix);
    return null;
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix === STORAGE_ROOT ? '' : `${prefix}/`;
    const children = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length);
      const slash = rest.indexOf('/');
      children.add(slash === -1 ? rest : rest.slice(0, slash));
    }
    if (children.size === 0 && prefix !== STORAGE_ROOT) throw new PathNotFoundError(this.driverName, prefix);
    return [...children].sort();
  }

  async delete(path: string): Promise<void> {
    const below = `${path}/`;
    const doomed = [...this.objects.keys()].filter((key) => key === path || key.startsWith(below));
    if (doomed.length === 0) throw new PathNotFoundError(this.driverName, path);
    for (const key of doomed) this.objects.delete(key);
  }

  async close(): Promise<void> {
    this.objects.clear();
  }

  private object(path: string): StoredObject {
    const found = this.objects.get(path);
    if (found === undefined) throw new PathNotFoundError(this.driverName, path);
    return found;
  }
}

function* chunks(content: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < content.length; offset += READ_CHUNK_BYTES) {
    yield content.subarray(offset, offset + READ_CHUNK_BYTES);
  }
}
