/**
 * Names of the v1 world: repositories, namespaces, image ids, tags and image references.
 *
 * Rules follow v1-protocol.md §1.3 (one-part names map to `library/`) and §8 (validation table).
 * Parsers never throw: they return a `Parsed` result whose `error` is a one-line message for the user.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** A repository name in canonical form: `namespace/repository` (one-part names already mapped to `library`). */
export interface RepoName {
  readonly namespace: string;
  readonly repository: string;
}

/** The namespace of official images (v1-protocol.md §1.3). */
export const LIBRARY_NAMESPACE = 'library';

/** `ns/repo`: the form used in tokens (`repository="ns/repo"`), storage and logs. */
export function formatRepoName(name: RepoName): string {
  return `${name.namespace}/${name.repository}`;
}

export function sameRepo(a: RepoName, b: RepoName): boolean {
  return a.namespace === b.namespace && a.repository === b.repository;
}

// Namespace: any name some Docker 1.x client could send (v1-protocol.md §8). Either the 1.6–1.7 rule, which
// accepts every 1.5 and spec-era name too — [a-z0-9_-], 2–255 characters, no leading or trailing '-', no
// '--' — or a ≥1.8 name component, `[a-z0-9]+(?:[._-][a-z0-9]+)*` (one character, dots allowed).
const NAMESPACE_RE = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
const NAME_COMPONENT_1_8_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
// Repository: the client ≤1.7 rule `^[a-z0-9-_.]+$` (v1-protocol.md §8).
const REPOSITORY_RE = /^[a-z0-9_.-]+$/;
const HEX64_RE = /^[a-f0-9]{64}$/;
// The registry also accepts the short 16-hex ids of 2013 (v1-protocol.md §8, "Image id (registry)").
const REGISTRY_IMAGE_ID_RE = /^(?:[a-f0-9]{16}|[a-f0-9]{64})$/;
/** The tag grammar of Docker 1.x, ASCII `\w` (v1-protocol.md §8). */
export const TAG_PATTERN = '^[\\w][\\w.-]{0,127}$';
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function validateNamespace(ns: string): string | null {
  if (ns.length === 0 || ns.length > 255) return `Invalid namespace name (${ns}), size between 1 and 255`;
  if (NAME_COMPONENT_1_8_RE.test(ns)) return null;
  if (ns.length >= 2 && NAMESPACE_RE.test(ns) && !ns.includes('--')) return null;
  return `Invalid namespace name (${ns}). Only [a-z0-9-_.] are allowed; '-' and '.' may not start or end the name nor appear twice in a row`;
}

export function validateRepository(repo: string): string | null {
  if (repo.length === 0 || repo.length > 255) return `Invalid repository name (${repo}), size must be between 1 and 255`;
  if (!REPOSITORY_RE.test(repo)) return `Invalid repository name (${repo}), only [a-z0-9-_.] are allowed`;
  // URL clients resolve these path segments away: such a repository could never be addressed.
  if (repo === '.' || repo === '..') return `Invalid repository name (${repo}), "." and ".." name no repository`;
  return null;
}

/**
 * Parses a repository name as a user or a URL gives it: `repo` (→ `library/repo`) or `ns/repo`.
 * Names with more than two parts are refused: they cannot pass token validation (§1.3, §10 Q19).
 */
export function parseRepoName(input: string): Parsed<RepoName> {
  const parts = input.split('/');
  if (parts.length > 2) return fail(`Invalid repository name (${input}): at most two parts, namespace/repository`);
  const [first, second] = parts as [string, string | undefined];
  const name: RepoName = second === undefined
    ? { namespace: LIBRARY_NAMESPACE, repository: first }
    : { namespace: first, repository: second };
  const problem = validateNamespace(name.namespace) ?? validateRepository(name.repository);
  if (problem) return fail(problem);
  if (second === undefined && HEX64_RE.test(first)) {
    return fail(`Invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  return ok(name);
}

/** Bytes Python 2's `urllib.quote` never escapes: letters, digits and `_.-` (note: `~` is escaped). */
const UNRESERVED = /^[A-Za-z0-9_.-]$/;

/**
 * Python 2's `urllib.quote_plus(value)` with no safe characters: UTF-8 bytes, space → `+`, everything outside
 * [A-Za-z0-9_.-] → `%XX` upper-case. So `/` becomes `%2F` and `%` becomes `%25`.
 */
export function quotePlus(value: string): string {
  let quoted = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (UNRESERVED.test(char)) quoted += char;
    else if (char === ' ') quoted += '+';
    else quoted += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return quoted;
}

/**
 * The registry's reading of a repository path (`foo`, `ns/repo`, `a/b/c`; already percent-decoded), after
 * docker-registry's `toolkit.parse_repository_name` (v1-protocol.md §1.3, §8 "Registry name handling"): no
 * name rules at all. Trailing slashes are dropped; the first segment is the namespace (`library` when there
 * is only one) and the rest, `quote_plus`-ed, is the repository: `a/b/c` → `a` / `b%2Fc`, `foo/x%$` →
 * `foo` / `x%25%24`. A name the grammar allows is its own quoted form, so valid names read as the Index reads
 * them. Only an empty namespace or repository (`//x`) is refused: it could name no storage directory.
 */
export function parseRegistryRepoPath(path: string): Parsed<RepoName> {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const name: RepoName = slash < 0
    ? { namespace: LIBRARY_NAMESPACE, repository: quotePlus(trimmed) }
    : { namespace: trimmed.slice(0, slash), repository: quotePlus(trimmed.slice(slash + 1)) };
  if (name.namespace === '' || name.repository === '') return fail(`Invalid repository name (${path}): the namespace and the repository must not be empty`);
  return ok(name);
}

/** Strict image id, as the Docker 1.x client checks it: 64 lowercase hex characters. */
export function isImageId(id: string): boolean {
  return HEX64_RE.test(id);
}

/** The registry's image-id rule: 16 or 64 lowercase hex characters. */
export function isRegistryImageId(id: string): boolean {
  return REGISTRY_IMAGE_ID_RE.test(id);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export const DEFAULT_TAG = 'latest';

/** An image reference as the Docker 1.x client split it: `[host[:port]/]ns/repo[:tag]`. */
export interface ImageReference {
  /** `host[:port]` of the Index, or null for the official index. */
  readonly server: string | null;
  readonly name: RepoName;
  /** The repository name as the user typed it, without the server (`foo` or `ns/foo`). */
  readonly remoteName: string;
  readonly tag: string;
  /** True when the user gave a tag explicitly. */
  readonly tagGiven: boolean;
}

/**
 * Splits `host[:port]/ns/repo[:tag]` the way Docker 1.x did (v1-protocol.md §1.1): the first path
 * component is a host when it contains '.' or ':' or equals 'localhost'. The tag is what follows the last
 * ':' when that ':' comes after the last '/'.
 */
export function parseImageReference(input: string): Parsed<ImageReference> {
  if (input.length === 0) return fail('Invalid image reference: empty');
  if (input.includes('@')) return fail(`Invalid image reference (${input}): digests are a v2 feature`);
  let rest = input;
  let tag = DEFAULT_TAG;
  let tagGiven = false;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    tagGiven = true;
    if (!isValidTag(tag)) return fail(`Illegal tag name (${tag}): only [A-Za-z0-9_.-] are allowed, minimum 1, maximum 128 in length`);
  }
  let server: string | null = null;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      server = first;
      rest = rest.slice(slash + 1);
    }
  }
  const name = parseRepoName(rest);
  if (!name.ok) return name;
  return ok({ server, name: name.value, remoteName: rest, tag, tagGiven });
}

/** Formats an image reference back to text, `server/ns/repo:tag`. */
export function formatImageReference(ref: ImageReference): string {
  const server = ref.server ? `${ref.server}/` : '';
  return `${server}${formatRepoName(ref.name)}:${ref.tag}`;
}
