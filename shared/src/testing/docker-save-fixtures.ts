/** Reading and building docker save tarballs in the tests (with tar-stream, independently of the shim). */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import tar from 'tar-stream';
import { buildImageChain, type FixtureImage } from './image-fixtures.js';

/** The real `docker save` tarball of ../shared/images (read in place, never copied into the repository). */
export const CENTOS_TAR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'images', 'centos-save-v1.tar');
export const CENTOS_TOP = '25445a0fc5025c3917a0cd6e307d92322540e0da691614312ddea22511b71513';
export const CENTOS_BASE = '17d1436ef796af2fc2210cc37c4672e5aa1b62cb08ac4b95dd15372321105a66';
export const CENTOS_MIDDLE = '9c7cb910d84346a3fbf3cc2be046f44bf0af7f11eb8db2ef1f45e93c1202faac';
export const CENTOS_TAG = '6-2015.03.20';

/** Every file entry of a tarball, by name. */
export async function readTarEntries(path: string): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') entries.set(header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(createReadStream(path), extract);
  return entries;
}

/** Writes `entries` (name, body) as a plain tar: to rewrite a tarball without some of its files. */
export async function writeTarEntries(path: string, entries: ReadonlyArray<readonly [string, Buffer]>): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(path));
  for (const [name, body] of entries) pack.entry({ name }, body);
  pack.finalize();
  await done;
}

/** Writes a docker save tarball of a fixture chain; the layer.tar entries are the fixtures' tars. */
export async function writeFixtureSave(path: string, chain: readonly FixtureImage[], repository: string, tag: string, extraRepositories: Record<string, Record<string, string>> = {}): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(path));
  for (const image of chain) {
    pack.entry({ name: `${image.id}/VERSION` }, '1.0');
    pack.entry({ name: `${image.id}/json` }, image.json);
    pack.entry({ name: `${image.id}/layer.tar` }, gunzipSync(image.layer));
  }
  const top = chain[chain.length - 1] as FixtureImage;
  pack.entry({ name: 'repositories' }, JSON.stringify({ [repository]: { [tag]: top.id }, ...extraRepositories }));
  pack.finalize();
  await done;
}

/** A fixture chain written as a docker save tarball. */
export async function fixtureSave(dir: string, name: string, count: number, opts: { extraBytes?: number; repository?: string; tag?: string } = {}): Promise<{ path: string; chain: FixtureImage[] }> {
  const chain = await buildImageChain(count, { seed: name, ...(opts.extraBytes ? { extraBytes: opts.extraBytes } : {}) });
  const path = join(dir, `${name}.tar`);
  await writeFixtureSave(path, chain, opts.repository ?? `fixtures/${name}`, opts.tag ?? 'latest');
  return { path, chain };
}
