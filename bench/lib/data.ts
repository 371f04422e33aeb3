// Bench inputs written to disk once per run: a layer tar of a given size (compressible like real layers:
// base64 text, about 3:4 under gzip) and a `docker save` tarball holding it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import { writeDockerSave } from '@v1hub/shared/client';
import tar from 'tar-stream';

const BLOCK = Buffer.from(crypto.randomBytes(3 << 20).toString('base64'));

/** Writes a tar with one file of `mib` MiB to `path`. */
export async function writeLayerTar(path: string, mib: number): Promise<number> {
  const size = mib * 1024 * 1024;
  const pack = tar.pack();
  const out = fs.createWriteStream(path);
  pack.pipe(out);
  const entry = pack.entry({ name: 'data/payload.txt', size, mode: 0o644, mtime: new Date(0) });
  for (let written = 0; written < size; ) {
    const n = Math.min(BLOCK.length, size - written);
    const offset = written % (BLOCK.length - n + 1);
    written += n;
    if (!entry.write(BLOCK.subarray(offset, offset + n))) await once(entry, 'drain');
  }
  entry.end();
  pack.finalize();
  await once(out, 'finish');
  return fs.statSync(path).size;
}

/** A docker save tarball (v1 layout) of one image whose layer is the file at `layerPath`. */
export async function writeSaveTar(path: string, layerPath: string, repository: string): Promise<string> {
  const id = crypto.createHash('sha256').update(`bench ${layerPath}`).digest('hex');
  const json = Buffer.from(JSON.stringify({ id, created: '2015-01-22T12:00:00Z', docker_version: '1.5.0', os: 'linux', architecture: 'amd64', container_config: { Cmd: ['/bin/sh -c #(nop) ADD bench'] } }));
  await writeDockerSave(path, { repositories: { [repository]: { latest: id } }, images: [{ id, json, layer: { path: layerPath, size: fs.statSync(layerPath).size } }] });
  return id;
}
