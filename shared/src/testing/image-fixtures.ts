/**
 * Deterministic v1 images for tests and scenarios: a chain of images (oldest first), each with an image
 * json and a gzip layer built with tar-stream from fixed names, contents and mtimes, so ids, payload
 * checksums and TarSums are stable across runs.
 */
import crypto from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { digestStream } from '../checksum/index.js';
import { FIXED_MTIME, buildTar, type TarFile } from '../tar/build-tar.js';

export { buildTar };

export interface FixtureImage {
  readonly id: string;
  readonly parent: string | null;
  /** The image json bytes exactly as pushed. */
  readonly json: Buffer;
  /** The layer bytes exactly as pushed (gzip of a tar). */
  readonly layer: Buffer;
  /** `sha256:…` of json ‖ "\n" ‖ layer (§7.1). */
  readonly payload: string;
  /** `tarsum+sha256:…` (§7.2). */
  readonly tarsum: string;
}

export type FixtureFile = TarFile;

const MTIME = FIXED_MTIME;

/**
 * Builds `count` images where each is the parent of the next. `seed` makes the ids unique per test; each
 * layer holds `etc/<seed>-<n>.txt` plus `extraBytes` of pseudo-random data when asked (for range tests).
 */
export async function buildImageChain(count: number, opts: { seed?: string; extraBytes?: number; onTopOf?: readonly FixtureImage[] } = {}): Promise<FixtureImage[]> {
  const seed = opts.seed ?? 'v1hub';
  // `onTopOf`: the new images continue that chain (which the result starts with), sharing its layers.
  const images: FixtureImage[] = [...(opts.onTopOf ?? [])];
  let parent: string | null = images.at(-1)?.id ?? null;
  for (let n = 0; n < count; n++) {
    const id = crypto.createHash('sha256').update(`${seed}/${n}`).digest('hex');
    const files: FixtureFile[] = [{ name: `etc/${seed}-${n}.txt`, content: `layer ${n} of ${seed}\n` }];
    if (opts.extraBytes) files.push({ name: `data/blob-${n}.bin`, content: pseudoRandom(`${seed}/${n}`, opts.extraBytes) });
    const layer = gzipSync(await buildTar(files), { level: 6 });
    const jsonObject: Record<string, unknown> = {
      id,
      ...(parent ? { parent } : {}),
      created: MTIME.toISOString(),
      container_config: { Cmd: [`/bin/sh -c echo ${n}`] },
      docker_version: '1.5.0',
      architecture: 'amd64',
      os: 'linux',
      Size: layer.length,
    };
    const json = Buffer.from(JSON.stringify(jsonObject));
    const digests = await digestStream([layer], { json, tarsumVersions: ['tarsum'] });
    images.push({ id, parent, json, layer, payload: digests.payload as string, tarsum: digests.tarsums.tarsum as string });
    parent = id;
  }
  return images;
}

/** Deterministic bytes that do not compress (so layer sizes are predictable). */
export function pseudoRandom(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = crypto.createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
    block = crypto.createHash('sha256').update(block).digest();
  }
  return out;
}
