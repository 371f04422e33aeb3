/**
 * Writes a tarball in the `docker save` v1 layout that `docker load` accepts: `repositories`
 * (`{"name": {"tag": "id"}}`) and, per image, `<id>/VERSION` (`1.0`), `<id>/json` (the bytes as served)
 * and `<id>/layer.tar` (the layer tar, streamed from a file). The tarball is written to a temporary file
 * next to the destination and renamed into place at the end, so a failed pull leaves nothing half-written.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** One image to write. */
export interface SavedImage {
  readonly id: string;
  readonly json: Buffer;
  /** The layer tar: a file (streamed, of a known size), or bytes already in memory (a small built image). */
  readonly layer: { readonly path: string; readonly size: number } | Buffer;
}

/** What goes into the tarball. */
export interface DockerSaveContent {
  /** `{"name": {"tag": "id"}}`. */
  readonly repositories: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Images in the order to write them (oldest first reads best). */
  readonly images: readonly SavedImage[];
}

/** The version docker save wrote in every `<id>/VERSION`. */
const LAYER_VERSION = '1.0';

/** Writes `content` to `path` (atomically: temp file + rename). Resolves with the tarball size. */
export async function writeDockerSave(path: string, content: DockerSaveContent): Promise<number> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const pack = tar.pack();
  const out = createWriteStream(temp, { mode: 0o644 });
  const written = pipeline(pack, out);
  // Observed below; this only keeps an early failure from being reported as unhandled meanwhile.
  written.catch(() => undefined);
  try {
    for (const image of content.images) {
      const mtime = createdTime(image.json);
      await addEntry(pack, { name: `${image.id}/`, type: 'directory', mode: 0o755, mtime });
      await addEntry(pack, { name: `${image.id}/VERSION`, mode: 0o644, mtime }, Buffer.from(LAYER_VERSION));
      await addEntry(pack, { name: `${image.id}/json`, mode: 0o644, mtime }, image.json);
      const layerHeader = { name: `${image.id}/layer.tar`, mode: 0o644, mtime };
      if (Buffer.isBuffer(image.layer)) await addEntry(pack, layerHeader, image.layer);
      else await addStreamEntry(pack, { ...layerHeader, size: image.layer.size }, image.layer.path);
    }
    await addEntry(pack, { name: 'repositories', mode: 0o644, mtime: new Date(0) }, Buffer.from(JSON.stringify(content.repositories)));
    pack.finalize();
    await written;
    await rename(temp, path);
    return out.bytesWritten;
  } catch (err) {
    pack.destroy();
    await written.catch(() => undefined);
    await rm(temp, { force: true });
    throw new Error(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

type EntryHeader = Parameters<tar.Pack['entry']>[0];

function addEntry(pack: tar.Pack, header: EntryHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const callback = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body === undefined) pack.entry(header, callback);
    else pack.entry(header, body, callback);
  });
}

/** Streams a file into one entry, honouring the entry's back-pressure. */
async function addStreamEntry(pack: tar.Pack, header: EntryHeader, file: string): Promise<void> {
  let settle: ((err?: Error | null) => void) | null = null;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const entry = pack.entry(header, (err) => settle?.(err));
  done.catch(() => undefined);
  for await (const chunk of createReadStream(file)) {
    // Racing `done` so a failing entry (size mismatch, destroyed pack) cannot leave us waiting for 'drain'.
    if (!entry.write(chunk as Buffer)) await Promise.race([new Promise<void>((resolve) => entry.once('drain', () => resolve())), done]);
  }
  entry.end(undefined);
  await done;
}

/** The image's `created` time, so the entries carry a meaningful date; the epoch when unreadable. */
function createdTime(json: Buffer): Date {
  try {
    const created = (JSON.parse(json.toString('utf8')) as { created?: unknown }).created;
    const time = typeof created === 'string' ? new Date(created) : null;
    return time && !Number.isNaN(time.getTime()) ? time : new Date(0);
  } catch {
    return new Date(0);
  }
}
