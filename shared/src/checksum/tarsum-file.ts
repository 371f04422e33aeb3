// TarSum of a layer file on disk, for `v1hub tarsum LAYER.tar [--json IMAGE_JSON] [--version V]`.

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LayerInflater } from './layer-inflater.js';
import { TarSum, type TarSumVersion } from './tarsum.js';

/** Options of {@link tarsumOfFile}. */
export interface TarSumOfFileOptions {
  /** Image JSON file whose bytes are TarSum's `extra` (as a v1 push did). Default: none. */
  jsonPath?: string;
  /** Default `tarsum`. */
  version?: TarSumVersion;
  /** Blank uname/gname (moby ≥2018). Default false (Docker 1.x). */
  blankOwnerNames?: boolean;
}

/**
 * Computes the TarSum of a plain or gzipped tar file, e.g. `tarsum+sha256:<hex>`. Rejects with a
 * one-line Error when the file is not a readable tar archive (or cannot be read).
 */
export async function tarsumOfFile(layerPath: string, options: TarSumOfFileOptions = {}): Promise<string> {
  const version = options.version ?? 'tarsum';
  const json = options.jsonPath === undefined ? null : await readFile(options.jsonPath);
  const tarsum = new TarSum({ versions: [version], blankOwnerNames: options.blankOwnerNames });
  const inflater = new LayerInflater(tarsum);
  for await (const chunk of createReadStream(layerPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    await inflater.write(chunk);
    if (tarsum.finished) break; // the rest of the file cannot change the sum
  }
  await inflater.end();
  const sum = tarsum.sum(version, json);
  if (sum === null) throw new Error(`${layerPath} is not a readable tar archive: ${tarsum.error ?? 'unknown error'}`);
  return sum;
}
