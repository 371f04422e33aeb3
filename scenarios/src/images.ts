/**
 * The images the scenarios push: a short chain built in memory from tiny deterministic tars (a base image and
 * a child that adds a file), shaped as the client shim's LocalImageSet. Ids derive from the seed, so every
 * scenario and every run pushes its own images.
 */
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { FIXED_MTIME, buildTar } from '@v1hub/shared/core';
import type { LocalImage, LocalImageSet } from '@v1hub/shared/client';

export interface ScenarioImages extends LocalImageSet {
  /** Oldest first. */
  readonly chain: readonly LocalImage[];
}

export async function buildScenarioImages(seed: string, tag = 'latest'): Promise<ScenarioImages> {
  const chain: LocalImage[] = [];
  let parent: string | null = null;
  const layers = [
    [{ name: 'etc/os-release', content: `NAME="v1hub teaching base (${seed})"\n` }],
    [{ name: 'app/hello.sh', content: `#!/bin/sh\necho hello from ${seed}\n` }],
  ];
  for (const [n, files] of layers.entries()) {
    const id = crypto.createHash('sha256').update(`scenario:${seed}:${n}`).digest('hex');
    const layer = await buildTar(files);
    const json = Buffer.from(JSON.stringify({ id, ...(parent ? { parent } : {}), created: FIXED_MTIME.toISOString(), container_config: { Cmd: [`/bin/sh -c #(nop) layer ${n}`] }, docker_version: '1.5.0', architecture: 'amd64', os: 'linux', Size: layer.length }));
    chain.push({ id, parent, json, layerSize: layer.length, openLayer: () => Readable.from([layer]) });
    parent = id;
  }
  const byId = new Map(chain.map((image) => [image.id, image]));
  return { chain, tags: [{ tag, id: (chain.at(-1) as LocalImage).id }], image: (id) => byId.get(id) };
}
