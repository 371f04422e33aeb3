// The v1 storage layout, kept identical to docker-registry's so students can compare trees
// (design §6.1, v1-protocol §4.3; mirrors legacy `docker_registry/core/driver.py` `Base.*_path`).
//
//   <root>/
//   ├── images/<image_id>/
//   │   ├── json            image metadata as pushed
//   │   ├── layer           tar (possibly compressed) as pushed
//   │   ├── ancestry        JSON array: [id, parent, grandparent, …]
//   │   ├── _checksum       checksums computed at upload (JSON array)
//   │   ├── _inprogress     present until PUT checksum succeeds
//   │   ├── _files          cached file list of the layer
//   │   ├── _diff           cached diff against the parent
//   │   ├── _v2             v1hub: the layer's v2 figures (digest, size, diff id), measured on its first v2 read
//   │   ├── _owner          v1hub: the repository (`ns/repo`) whose push uploaded it; uploads are bound to it
//   │   └── _holders/<ns%2Frepo>  v1hub: one empty marker per repository that holds it (uploaded or tagged it)
//   └── repositories/<namespace>/<repository>/
//       ├── tag_<tag>       image id
//       ├── tag<tag>_json   per-tag client metadata
//       ├── json            repository metadata
//       ├── _index_images   image list (standalone mode)
//       ├── _images_list    cached list of ids the Index allows (token validation)
//       ├── _mirrored_tags  v1hub mirror mode: the upstream's tags and when they were fetched
//       └── _private        present when the repository is private
//
// Every caller-supplied component goes through `quoteComponent` (legacy `check()`): Python 2's
// `urllib.quote_plus` with no safe characters, after replacing `.` and `..`. The output contains only
// [A-Za-z0-9_.%+-] and is never `.` or `..`, so no component can add or climb a directory level.

import { quotePlus } from '@v1hub/shared';

export const imagesRoot = 'images';
export const repositoriesRoot = 'repositories';
/** Entries of a repository directory that start with this are tag files (`tag_<quoted tag>`). */
export const tagPrefix = 'tag_';

/**
 * Escapes one path component the way docker-registry did: `.` → `%2E` and `..` → `%2E%2E`, then
 * `quote_plus` (UTF-8 bytes, space → `+`, everything outside [A-Za-z0-9_.-] → `%XX` upper-case).
 *
 * LEGACY: the replacement happens before quoting, so `.` is stored as `%252E` and `..` as
 * `%252E%252E` — which is also what the literal inputs `%2E` and `%2E%2E` become. docker-registry had
 * that collision. A registry repository is already `quote_plus`-ed (names.ts `parseRegistryRepoPath`), so it
 * never holds a bare `%`; a namespace is taken as sent, so the namespaces `..` and `%2E%2E` share a directory,
 * as they did in docker-registry.
 * Rejects an empty component, which would silently change the depth of the path.
 */
export function quoteComponent(value: string): string {
  if (value === '') throw new RangeError('storage path component must not be empty');
  return quotePlus(value === '..' ? '%2E%2E' : value === '.' ? '%2E' : value);
}

/** Inverse of `quote_plus` (`+` → space, `%XX` → byte); null if `value` is not valid escaped UTF-8. */
export function unquoteComponent(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

export function imageDir(imageId: string): string {
  return `${imagesRoot}/${quoteComponent(imageId)}`;
}

export function imageJson(imageId: string): string {
  return `${imageDir(imageId)}/json`;
}

export function imageLayer(imageId: string): string {
  return `${imageDir(imageId)}/layer`;
}

export function imageAncestry(imageId: string): string {
  return `${imageDir(imageId)}/ancestry`;
}

export function imageChecksum(imageId: string): string {
  return `${imageDir(imageId)}/_checksum`;
}

export function imageInProgress(imageId: string): string {
  return `${imageDir(imageId)}/_inprogress`;
}

export function imageFiles(imageId: string): string {
  return `${imageDir(imageId)}/_files`;
}

export function imageDiff(imageId: string): string {
  return `${imageDir(imageId)}/_diff`;
}

export function imageV2Figures(imageId: string): string {
  return `${imageDir(imageId)}/_v2`;
}

export function imageOwner(imageId: string): string {
  return `${imageDir(imageId)}/_owner`;
}

export function imageHolders(imageId: string): string {
  return `${imageDir(imageId)}/_holders`;
}

/** The marker saying that repository `name` (`ns/repo`) holds the image; one quoted component. */
export function imageHolder(imageId: string, name: string): string {
  return `${imageHolders(imageId)}/${quoteComponent(name)}`;
}

export function namespaceDir(namespace: string): string {
  return `${repositoriesRoot}/${quoteComponent(namespace)}`;
}

export function repositoryDir(namespace: string, repository: string): string {
  return `${namespaceDir(namespace)}/${quoteComponent(repository)}`;
}

export function tag(namespace: string, repository: string, tagName: string): string {
  return `${repositoryDir(namespace, repository)}/${tagPrefix}${quoteComponent(tagName)}`;
}

/**
 * LEGACY: `tag<tag>_json` has no separator, so the json of tag `_x` (`tag_x_json`) is the same file
 * as the tag file of tag `x_json`, and it shows up when listing tags. docker-registry had this too.
 */
export function tagJson(namespace: string, repository: string, tagName: string): string {
  return `${repositoryDir(namespace, repository)}/tag${quoteComponent(tagName)}_json`;
}

export function repositoryJson(namespace: string, repository: string): string {
  return `${repositoryDir(namespace, repository)}/json`;
}

export function indexImages(namespace: string, repository: string): string {
  return `${repositoryDir(namespace, repository)}/_index_images`;
}

/** Mirror mode: the upstream's tags of the repository and when they were fetched (`{"fetchedAt", "tags"}`). */
export function mirroredTags(namespace: string, repository: string): string {
  return `${repositoryDir(namespace, repository)}/_mirrored_tags`;
}

export function imagesList(namespace: string, repository: string): string {
  return `${repositoryDir(namespace, repository)}/_images_list`;
}

export function privateFlag(namespace: string, repository: string): string {
  return `${repositoryDir(namespace, repository)}/_private`;
}

/**
 * The tag name stored in a repository directory entry (from `list(repositoryDir(…))`), or null when
 * the entry is not a tag file (`json`, `_private`, `tag<x>_json` without the underscore, …).
 */
export function tagNameFromEntry(entry: string): string | null {
  if (!entry.startsWith(tagPrefix) || entry.length === tagPrefix.length) return null;
  return unquoteComponent(entry.slice(tagPrefix.length));
}
