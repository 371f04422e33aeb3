/**
 * Builds small tar archives in memory with fixed metadata (names, contents, mtime), so that the same input
 * always gives the same bytes — and the same TarSum. For fixtures and teaching images, never for layers of
 * unknown size.
 */
import tar from 'tar-stream';

export interface TarFile {
  readonly name: string;
  readonly content: string | Buffer;
}

export const FIXED_MTIME = new Date(Date.UTC(2015, 0, 22, 12, 0, 0));

/** A tar of `files`, with a directory entry for every parent path first. */
export async function buildTar(files: readonly TarFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = `${parts.slice(0, i).join('/')}/`;
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      pack.entry({ name: dir, type: 'directory', mode: 0o755, mtime: FIXED_MTIME, uid: 0, gid: 0 });
    }
    pack.entry({ name: file.name, mode: 0o644, mtime: FIXED_MTIME, uid: 0, gid: 0 }, Buffer.from(file.content));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
