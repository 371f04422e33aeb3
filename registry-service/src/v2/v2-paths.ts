// The v2 storage layout, beside v1's (paths.ts) in the same storage:
//
//   <root>/v2/
//   ├── blobs/sha256/<hex>                    content-addressed bytes: layers, configs and manifests
//   ├── v1layers/<hex>                        the v1 image id whose stored layer has this digest: a v1 layer
//   │                                         served over v2 without a copy (v1-bridge.ts)
//   ├── repositories/<namespace>/<repository>/
//   │   ├── _layers/<hex>                     empty: the blob was pushed to (or mounted into) this repository;
//   │   │                                     a blob is readable through a repository only when linked here
//   │   ├── _manifests/<hex>                  the manifest's media type: the manifest belongs to this repository
//   │   └── _tags/<quoted tag>                the digest the tag names
//   └── uploads/<uuid>/
//       ├── _info                             {"repository", "startedAt"}
//       └── <8-digit index>-<uuid>            the upload's chunks, in order (no storage can append); a chunk is
//                                             written once under a name of its own and never replaced
//
// Names and tags go through quoteComponent, as in v1; digests are checked `sha256:<64 hex>` before any path
// is built from them, and upload ids are UUIDs the registry made.
import type { RepoName } from '@v1hub/shared';
import { quoteComponent } from '../storage/paths.js';

export const v2Root = 'v2';
export const v2RepositoriesRoot = `${v2Root}/repositories`;
export const blobsRoot = `${v2Root}/blobs/sha256`;
export const v1LayerPointersRoot = `${v2Root}/v1layers`;
export const uploadsRoot = `${v2Root}/uploads`;

const hexOf = (digest: string): string => digest.slice('sha256:'.length);

export function blob(digest: string): string {
  return `${blobsRoot}/${hexOf(digest)}`;
}

export function v1LayerPointer(digest: string): string {
  return `${v1LayerPointersRoot}/${hexOf(digest)}`;
}

export function v2RepositoryDir(name: RepoName): string {
  return listedRepositoryDir(quoteComponent(name.namespace), quoteComponent(name.repository));
}

/** A repository's directory from the components a listing of v2RepositoriesRoot gave (already quoted). */
export function listedRepositoryDir(quotedNamespace: string, quotedRepository: string): string {
  return `${v2RepositoriesRoot}/${quotedNamespace}/${quotedRepository}`;
}

export function layerLinks(name: RepoName): string {
  return layerLinksIn(v2RepositoryDir(name));
}

/** The layer links of the repository whose directory is `repositoryDir`. */
export function layerLinksIn(repositoryDir: string): string {
  return `${repositoryDir}/_layers`;
}

export function layerLink(name: RepoName, digest: string): string {
  return layerLinkIn(v2RepositoryDir(name), digest);
}

export function layerLinkIn(repositoryDir: string, digest: string): string {
  return `${layerLinksIn(repositoryDir)}/${hexOf(digest)}`;
}

export function manifestLinks(name: RepoName): string {
  return manifestLinksIn(v2RepositoryDir(name));
}

/** The manifest links of the repository whose directory is `repositoryDir`. */
export function manifestLinksIn(repositoryDir: string): string {
  return `${repositoryDir}/_manifests`;
}

export function manifestLink(name: RepoName, digest: string): string {
  return `${manifestLinks(name)}/${hexOf(digest)}`;
}

export function v2Tags(name: RepoName): string {
  return `${v2RepositoryDir(name)}/_tags`;
}

export function v2Tag(name: RepoName, tag: string): string {
  return `${v2Tags(name)}/${quoteComponent(tag)}`;
}

export function upload(uuid: string): string {
  return `${uploadsRoot}/${uuid}`;
}

/** A file of an upload's directory, by the name a listing gave. */
export function uploadFile(uuid: string, fileName: string): string {
  return `${upload(uuid)}/${fileName}`;
}

export function uploadInfo(uuid: string): string {
  return uploadFile(uuid, '_info');
}

export const CHUNK_NAME = /^\d{8}-[0-9a-f-]{36}$/;

export function uploadChunk(uuid: string, index: number, unique: string): string {
  return uploadFile(uuid, `${String(index).padStart(8, '0')}-${unique}`);
}
