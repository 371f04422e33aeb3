/**
 * The example image v1hub ships by building it: a two-image chain (a base with a few files, and a child that
 * adds a program and removes a file with a whiteout), written as a `docker save` tarball in the v1 layout.
 * Everything is fixed (names, contents, modes, mtimes, json), so the ids, layers and checksums are the same
 * on every machine. `v1hub up` writes it into its data directory so that the banner's push works on a fresh
 * clone; `v1hub example-image --to FILE` writes it anywhere.
 */
import crypto from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FIXED_MTIME, buildTar, type TarFile } from '../tar/build-tar.js';
import { writeDockerSave } from './docker-save-writer.js';

/** The repository and tag the tarball's `repositories` file names. */
export const EXAMPLE_REPOSITORY = 'example';
export const EXAMPLE_TAG = 'latest';

interface ExampleLayer {
  readonly comment: string;
  readonly cmd: string;
  readonly files: readonly TarFile[];
}

const LAYERS: readonly ExampleLayer[] = [
  {
    comment: 'v1hub example base: a tiny root file system',
    cmd: '/bin/sh -c #(nop) ADD file:v1hub-example-base in /',
    files: [
      { name: 'etc/os-release', content: 'NAME="v1hub example"\nID=v1hub\nVERSION_ID=1\n' },
      { name: 'etc/motd', content: 'This image was built by v1hub to show a v1 push and pull.\n' },
      { name: 'tmp/scratch.txt', content: 'removed again by the next layer\n' },
    ],
  },
  {
    comment: 'v1hub example app: a greeting, and the scratch file deleted',
    cmd: '/bin/sh -c #(nop) ADD file:v1hub-example-app in /usr/local/bin',
    files: [
      { name: 'usr/local/bin/hello', content: '#!/bin/sh\necho "hello from a v1 registry"\n' },
      { name: 'usr/share/doc/v1hub-example/README', content: 'Pushed with `v1hub push`, pulled with `v1hub pull`, loadable with `docker load`.\n' },
      // A whiteout: this layer deletes /tmp/scratch.txt of the base (what R10 files and R11 diff show).
      { name: 'tmp/.wh.scratch.txt', content: '' },
    ],
  },
];

export interface ExampleImage {
  readonly id: string;
  readonly parent: string | null;
  readonly json: Buffer;
  /** The uncompressed layer tar (`<id>/layer.tar` in the tarball). */
  readonly layerTar: Buffer;
}

/** The chain, base first. */
export async function buildExampleImages(): Promise<ExampleImage[]> {
  const images: ExampleImage[] = [];
  let parent: string | null = null;
  for (const [n, layer] of LAYERS.entries()) {
    const id = crypto.createHash('sha256').update(`v1hub example image, layer ${n}`).digest('hex');
    const layerTar = await buildTar(layer.files);
    const json = Buffer.from(JSON.stringify({
      id,
      ...(parent ? { parent } : {}),
      created: FIXED_MTIME.toISOString(),
      comment: layer.comment,
      container_config: { Cmd: [layer.cmd] },
      config: { Cmd: n === LAYERS.length - 1 ? ['/usr/local/bin/hello'] : null, Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      docker_version: '1.5.0',
      architecture: 'amd64',
      os: 'linux',
      Size: layerTar.length,
    }));
    images.push({ id, parent, json, layerTar });
    parent = id;
  }
  return images;
}

/**
 * Writes the example as a `docker save` tarball (v1 layout) to `path` with the shim's own writer (temporary
 * name, then rename). Returns the top id.
 */
export async function writeExampleImage(path: string): Promise<string> {
  const images = await buildExampleImages();
  const top = images.at(-1) as ExampleImage;
  await mkdir(dirname(path), { recursive: true });
  await writeDockerSave(path, {
    repositories: { [EXAMPLE_REPOSITORY]: { [EXAMPLE_TAG]: top.id } },
    images: images.map((image) => ({ id: image.id, json: image.json, layer: image.layerTar })),
  });
  return top.id;
}
