/**
 * THE route table of the v1 protocol: every endpoint of v1-protocol.md §3.1 (Index) and §4.1 (Registry),
 * plus v1hub's own JSON endpoints. The services mount their handlers from it (by route name) and the
 * client shim builds its URLs from it, so a path is written exactly once.
 *
 * Paths use `:param` placeholders. Repository routes are written in their two-segment form (`:ns/:repo`),
 * which clients build. Servers mount them with the whole repository as one wildcard parameter,
 * `/v1/repositories/*repository/…`, as docker-registry's `<path:repository>` converter did: `foo` (meaning
 * `library/foo`, §1.3), `ns/repo` and `a/b/c` all reach the route, and each service decides what the name
 * means (the Index validates it; the registry parses it as docker-registry did, §8). Mounting order is
 * `compareRoutePrecedence`.
 */
import type { Access } from './token.js';

export type Service = 'index' | 'registry';
export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

/**
 * What a route demands of the caller. This column is executable: `buildRouter` mounts, in front of each
 * route's handler, the guard its service registered for the value, and refuses to build when a value has
 * no guard. Handlers read the caller the guard established; none of them parses credentials itself.
 * - `none`: anyone; nothing is checked.
 * - `basic`: valid Basic credentials of an active account (Index), else 401.
 * - `basic-optional`: Basic credentials checked when present (Index reads of public data); anonymous passes.
 * - `token-or-basic-optional`: a token (a registry validating, §5.3 step 5) checked for the URL's repository,
 *   or Basic checked when present; anonymous passes (I8 pulls of public repositories, I12).
 * - `delete-token-or-basic`: a delete token for the URL's repository, or valid Basic credentials; never
 *   anonymous (I11, the registry confirming a delete).
 * - `admin`: Basic credentials of an administrator (401 without credentials, 403 for other accounts).
 * - `token`: the registry's token check (§5.3): exactly one grant, for the URL's repository, whose access is
 *   the one `accessForMethod` gives the request's method, confirmed by the Index.
 * - `session-optional`: a Web UI page (Index): the browser's session cookie is read when present; a POST must
 *   carry the page's form token (CSRF). Never Basic or Token: the wire API and the pages do not mix.
 * - `session`: as `session-optional`, and a signed-in session is required (else a redirect to `/login`).
 * - `index-admin`: Basic credentials the registry's Index confirms are an administrator's (the registry has no
 *   accounts of its own: it forwards them, as it forwards tokens); 404 on a registry with no Index.
 * - `events-key`: `Authorization: Bearer <the service's --events-key>` (the Index reading a registry's live
 *   exchanges); 404 when the service has no key (the stream is off), 401 without the key, 403 with another.
 */
export type RouteAuth = 'none' | 'basic' | 'basic-optional' | 'token-or-basic-optional' | 'delete-token-or-basic' | 'admin' | 'token' | 'session-optional' | 'session' | 'events-key' | 'index-admin';

export const ROUTE_AUTH_VALUES: readonly RouteAuth[] = ['none', 'basic', 'basic-optional', 'token-or-basic-optional', 'delete-token-or-basic', 'admin', 'token', 'session-optional', 'session', 'events-key', 'index-admin'];

export interface RouteSpec {
  /** Protocol row from v1-protocol.md (I1…I13, R1…R22), `v1hub` for our own JSON additions, `web` for the Web UI's pages. */
  readonly row: string;
  readonly service: Service;
  readonly method: HttpMethod;
  /** Canonical paths (the first is the one clients build). */
  readonly paths: readonly string[];
  readonly auth: RouteAuth;
  /** Mounted only when the registry runs standalone (docker-registry's fake index, §3.3). */
  readonly standaloneOnly?: boolean;
  /** Mounted only when the registry runs as a mirror (§9 item 8). */
  readonly mirrorOnly?: boolean;
  readonly summary: string;
}

const REPO = '/v1/repositories/:ns/:repo';

const indexRoutes = {
  indexPing: { row: 'I1', service: 'index', method: 'GET', paths: ['/v1/_ping', '/_ping'], auth: 'none', summary: 'Ping; says X-Docker-Registry-Standalone: false' },
  indexRoot: { row: 'v1hub', service: 'index', method: 'GET', paths: ['/'], auth: 'session-optional', summary: 'The Web UI home page for browsers (Accept: text/html); the JSON banner for everything else' },
  createUser: { row: 'I3', service: 'index', method: 'POST', paths: ['/v1/users/'], auth: 'none', summary: 'Create an account (docker login, first call)' },
  checkLogin: { row: 'I4', service: 'index', method: 'GET', paths: ['/v1/users/'], auth: 'basic', summary: 'Check credentials (docker login)' },
  updateUser: { row: 'I5', service: 'index', method: 'PUT', paths: ['/v1/users/:username/'], auth: 'basic', summary: 'Update email or password' },
  putRepository: { row: 'I6', service: 'index', method: 'PUT', paths: [`${REPO}/`], auth: 'basic', summary: 'Allocate a repository for a push; write token' },
  deleteRepository: { row: 'I7', service: 'index', method: 'DELETE', paths: [`${REPO}/`], auth: 'basic', summary: 'Delete flow: delete token (202), then purge (200)' },
  getRepositoryImages: { row: 'I8', service: 'index', method: 'GET', paths: [`${REPO}/images`], auth: 'token-or-basic-optional', summary: 'Image list + read token; token validation for registries' },
  putRepositoryImages: { row: 'I9', service: 'index', method: 'PUT', paths: [`${REPO}/images`], auth: 'basic', summary: 'Checksum list update at the end of a push (204)' },
  deleteRepositoryImages: { row: 'I10', service: 'index', method: 'DELETE', paths: [`${REPO}/images`], auth: 'basic', summary: 'Delete token headers (docker-registry fake index)' },
  putRepositoryAuth: { row: 'I11', service: 'index', method: 'PUT', paths: [`${REPO}/auth`], auth: 'delete-token-or-basic', summary: 'A registry confirms a (delete) token' },
  getLayerAccess: { row: 'I12', service: 'index', method: 'GET', paths: [`${REPO}/layer/:imageId/access`], auth: 'token-or-basic-optional', summary: 'Parent and private image access check for registries' },
  searchIndex: { row: 'I13', service: 'index', method: 'GET', paths: ['/v1/search'], auth: 'basic-optional', summary: 'Search repositories' },
  // v1hub additions (documented in the README).
  getRepositoryInfo: { row: 'v1hub', service: 'index', method: 'GET', paths: [`${REPO}/info`], auth: 'basic-optional', summary: 'Repository metadata: description, privacy, stars, collaborators' },
  patchRepositoryInfo: { row: 'v1hub', service: 'index', method: 'PATCH', paths: [`${REPO}/info`], auth: 'basic', summary: 'Set description or privacy' },
  putCollaborator: { row: 'v1hub', service: 'index', method: 'PUT', paths: [`${REPO}/collaborators/:username`], auth: 'basic', summary: 'Add a collaborator' },
  deleteCollaborator: { row: 'v1hub', service: 'index', method: 'DELETE', paths: [`${REPO}/collaborators/:username`], auth: 'basic', summary: 'Remove a collaborator' },
  putStar: { row: 'v1hub', service: 'index', method: 'PUT', paths: [`${REPO}/star`], auth: 'basic', summary: 'Star a repository' },
  deleteStar: { row: 'v1hub', service: 'index', method: 'DELETE', paths: [`${REPO}/star`], auth: 'basic', summary: 'Unstar a repository' },
  registryTagEvent: { row: 'v1hub', service: 'index', method: 'POST', paths: [`${REPO}/tag-events`], auth: 'token-or-basic-optional', summary: 'A registry reports a tag set or deleted (with the write or delete token it was changed with): the repository\'s tag webhooks' },
  listWebhooks: { row: 'v1hub', service: 'index', method: 'GET', paths: [`${REPO}/webhooks`], auth: 'basic', summary: 'A repository\'s webhooks (secrets left out); its managers only' },
  addWebhook: { row: 'v1hub', service: 'index', method: 'POST', paths: [`${REPO}/webhooks`], auth: 'basic', summary: 'Add a webhook {url, events?, secret?}: 201 with its secret, shown this once' },
  deleteWebhook: { row: 'v1hub', service: 'index', method: 'DELETE', paths: [`${REPO}/webhooks/:hookId`], auth: 'basic', summary: 'Remove a webhook' },
  getWebhookDeliveries: { row: 'v1hub', service: 'index', method: 'GET', paths: [`${REPO}/webhooks/:hookId/deliveries`], auth: 'basic', summary: 'A webhook\'s last deliveries: state, tries with status, duration and error' },
  createOrganization: { row: 'v1hub', service: 'index', method: 'POST', paths: ['/v1/orgs/'], auth: 'basic', summary: 'Create an organisation; the caller becomes its owner' },
  getOrganization: { row: 'v1hub', service: 'index', method: 'GET', paths: ['/v1/orgs/:org/'], auth: 'basic', summary: 'Organisation and its members' },
  putOrganizationMember: { row: 'v1hub', service: 'index', method: 'PUT', paths: ['/v1/orgs/:org/members/:username'], auth: 'basic', summary: 'Add a member' },
  deleteOrganizationMember: { row: 'v1hub', service: 'index', method: 'DELETE', paths: ['/v1/orgs/:org/members/:username'], auth: 'basic', summary: 'Remove a member' },
  indexWebUi: { row: 'web', service: 'index', method: 'GET', paths: ['/ui/'], auth: 'none', summary: 'The first Web UI\'s address: a permanent redirect to /' },
  webAsset: { row: 'web', service: 'index', method: 'GET', paths: ['/static/:file'], auth: 'none', summary: 'The Web UI\'s stylesheet and script (served here: no asset comes from the network)' },
  webSearch: { row: 'web', service: 'index', method: 'GET', paths: ['/search'], auth: 'session-optional', summary: 'Search page, paged (?q=&page=), the visibility rules of /v1/search' },
  webRepository: { row: 'web', service: 'index', method: 'GET', paths: ['/r/:ns/:repo'], auth: 'session-optional', summary: 'Repository page: tags, image chains, pull command, stars; settings for its owner' },
  webOfficialRepository: { row: 'web', service: 'index', method: 'GET', paths: ['/_/:name'], auth: 'session-optional', summary: 'Official (library/) repository page' },
  webUpdateRepository: { row: 'web', service: 'index', method: 'POST', paths: ['/r/:ns/:repo/settings'], auth: 'session', summary: 'Set the description or visibility (form)' },
  webCollaborators: { row: 'web', service: 'index', method: 'POST', paths: ['/r/:ns/:repo/collaborators'], auth: 'session', summary: 'Add or remove a collaborator (form)' },
  webStar: { row: 'web', service: 'index', method: 'POST', paths: ['/r/:ns/:repo/star'], auth: 'session', summary: 'Star or unstar (form)' },
  webWebhooks: { row: 'web', service: 'index', method: 'POST', paths: ['/r/:ns/:repo/webhooks'], auth: 'session', summary: 'Add or remove a webhook (form); an added hook\'s secret is shown once' },
  webDeleteRepository: { row: 'web', service: 'index', method: 'POST', paths: ['/r/:ns/:repo/delete'], auth: 'session', summary: 'Delete the repository: its tags on every registry, then its Index records (form)' },
  webLive: { row: 'web', service: 'index', method: 'GET', paths: ['/live'], auth: 'session-optional', summary: 'The handshake drawn live: the Index\'s and its registries\' exchanges as a sequence diagram' },
  webLiveEvents: { row: 'web', service: 'index', method: 'GET', paths: ['/live/events'], auth: 'session-optional', summary: 'Server-sent events behind /live: exchanges the visitor may see, tokens masked' },
  webUser: { row: 'web', service: 'index', method: 'GET', paths: ['/u/:name'], auth: 'session-optional', summary: 'A user\'s or organisation\'s public repositories; an organisation\'s members' },
  webLoginForm: { row: 'web', service: 'index', method: 'GET', paths: ['/login'], auth: 'session-optional', summary: 'Log-in form' },
  webLogin: { row: 'web', service: 'index', method: 'POST', paths: ['/login'], auth: 'session-optional', summary: 'Log in: starts a session (HttpOnly, SameSite=Lax cookie)' },
  webSignupForm: { row: 'web', service: 'index', method: 'GET', paths: ['/signup'], auth: 'session-optional', summary: 'Sign-up form' },
  webSignup: { row: 'web', service: 'index', method: 'POST', paths: ['/signup'], auth: 'session-optional', summary: 'Create an account (the rules of POST /v1/users/)' },
  webLogoutForm: { row: 'web', service: 'index', method: 'GET', paths: ['/logout'], auth: 'session-optional', summary: 'Log-out confirmation' },
  webLogout: { row: 'web', service: 'index', method: 'POST', paths: ['/logout'], auth: 'session-optional', summary: 'Log out: ends the session' },
  webSettingsForm: { row: 'web', service: 'index', method: 'GET', paths: ['/settings'], auth: 'session', summary: 'Account settings: email and password' },
  webSettings: { row: 'web', service: 'index', method: 'POST', paths: ['/settings'], auth: 'session', summary: 'Change the email or password (the current password is asked for)' },
  indexMetrics: { row: 'v1hub', service: 'index', method: 'GET', paths: ['/metrics'], auth: 'none', summary: 'Prometheus metrics: requests by route name, tokens, validations, webhooks, store errors, process' },
  indexStatus: { row: 'v1hub', service: 'index', method: 'GET', paths: ['/_status', '/v1/_status'], auth: 'none', summary: 'Health: 200 {"status":"ok","checks":{…}}, or 503 naming the failing dependency (the metadata store)' },
  getPendingImages: { row: 'v1hub', service: 'index', method: 'GET', paths: ['/v1/_admin/pending-images'], auth: 'admin', summary: 'Image ids that pushes in progress declared (garbage collection keeps them)' },
  getAuditTrail: { row: 'v1hub', service: 'index', method: 'GET', paths: ['/v1/_admin/audit'], auth: 'admin', summary: 'Token issue and validation audit trail' },
  getIndexStats: { row: 'v1hub', service: 'index', method: 'GET', paths: ['/v1/_admin/stats'], auth: 'admin', summary: 'Counters: tokens issued, validations true/false, latency' },
} as const satisfies Record<string, RouteSpec>;

const registryRoutes = {
  registryRoot: { row: 'R2', service: 'registry', method: 'GET', paths: ['/'], auth: 'none', summary: 'Banner' },
  registryPing: { row: 'R1', service: 'registry', method: 'GET', paths: ['/_ping', '/v1/_ping'], auth: 'none', summary: 'Ping; says whether the registry is standalone' },
  registryEvents: { row: 'v1hub', service: 'registry', method: 'GET', paths: ['/_events'], auth: 'events-key', summary: 'This registry\'s exchanges as server-sent events, for the Index\'s live handshake view' },
  registryStatus: { row: 'R3', service: 'registry', method: 'GET', paths: ['/_status', '/v1/_status'], auth: 'none', summary: 'Health: storage, and the Index in index mode (503 naming what fails)' },
  registryGc: { row: 'v1hub', service: 'registry', method: 'POST', paths: ['/v1/_admin/gc'], auth: 'index-admin', summary: 'Garbage collection: sweep the images no tag reaches (?dry_run=true, ?grace=SECONDS)' },
  registryMetrics: { row: 'v1hub', service: 'registry', method: 'GET', paths: ['/metrics'], auth: 'none', summary: 'Prometheus metrics: requests by route name, layer bytes, Index round trips, storage errors, process' },
  getImageJson: { row: 'R4', service: 'registry', method: 'GET', paths: ['/v1/images/:imageId/json'], auth: 'token', summary: 'Image json (raw bytes)' },
  putImageJson: { row: 'R5', service: 'registry', method: 'PUT', paths: ['/v1/images/:imageId/json'], auth: 'token', summary: 'Store image json; starts an upload' },
  getImageLayer: { row: 'R6', service: 'registry', method: 'GET', paths: ['/v1/images/:imageId/layer'], auth: 'token', summary: 'Layer stream (HEAD and Range too)' },
  putImageLayer: { row: 'R7', service: 'registry', method: 'PUT', paths: ['/v1/images/:imageId/layer'], auth: 'token', summary: 'Layer upload (chunked stream)' },
  putImageChecksum: { row: 'R8', service: 'registry', method: 'PUT', paths: ['/v1/images/:imageId/checksum'], auth: 'token', summary: 'Verify the payload checksum; completes the upload' },
  getImageAncestry: { row: 'R9', service: 'registry', method: 'GET', paths: ['/v1/images/:imageId/ancestry'], auth: 'token', summary: 'Ancestry, newest first' },
  getImageFiles: { row: 'R10', service: 'registry', method: 'GET', paths: ['/v1/images/:imageId/files'], auth: 'token', summary: 'Files of the layer' },
  getImageDiff: { row: 'R11', service: 'registry', method: 'GET', paths: ['/v1/images/:imageId/diff'], auth: 'token', summary: 'Changes against the parent layer' },
  getPrivateImageJson: { row: 'R12', service: 'registry', method: 'GET', paths: ['/v1/private_images/:imageId/json'], auth: 'token', summary: 'Private image json (≤0.8 form)' },
  getPrivateImageLayer: { row: 'R12', service: 'registry', method: 'GET', paths: ['/v1/private_images/:imageId/layer'], auth: 'token', summary: 'Private image layer (≤0.8 form)' },
  getPrivateImageFiles: { row: 'R12', service: 'registry', method: 'GET', paths: ['/v1/private_images/:imageId/files'], auth: 'token', summary: 'Private image files (≤0.8 form)' },
  getTags: { row: 'R13', service: 'registry', method: 'GET', paths: [`${REPO}/tags`], auth: 'token', summary: 'Tags of a repository' },
  getTag: { row: 'R14', service: 'registry', method: 'GET', paths: [`${REPO}/tags/:tag`], auth: 'token', summary: 'Image id of a tag' },
  putTag: { row: 'R15', service: 'registry', method: 'PUT', paths: [`${REPO}/tags/:tag`], auth: 'token', summary: 'Set a tag' },
  deleteTag: { row: 'R16', service: 'registry', method: 'DELETE', paths: [`${REPO}/tags/:tag`], auth: 'token', summary: 'Delete a tag' },
  getTagJson: { row: 'R17', service: 'registry', method: 'GET', paths: [`${REPO}/tags/:tag/json`], auth: 'token', summary: 'Per-tag client metadata' },
  getRepositoryJson: { row: 'R18', service: 'registry', method: 'GET', paths: [`${REPO}/json`], auth: 'token', summary: 'Repository metadata (tag latest)' },
  deleteRegistryRepository: { row: 'R19', service: 'registry', method: 'DELETE', paths: [`${REPO}/`, `${REPO}/tags`], auth: 'token', summary: 'Delete all tags of a repository' },
  getRepositoryProperties: { row: 'R20', service: 'registry', method: 'GET', paths: [`${REPO}/properties`], auth: 'token', summary: 'Repository access (public/private)' },
  putRepositoryProperties: { row: 'R21', service: 'registry', method: 'PUT', paths: [`${REPO}/properties`], auth: 'token', summary: 'Set repository access' },
  // Standalone only: in index mode the Index answers search (§6.5) and knows which repositories are private;
  // the registry does not, so its own search would list private names.
  searchRegistry: { row: 'R22', service: 'registry', method: 'GET', paths: ['/v1/search'], auth: 'none', standaloneOnly: true, summary: 'Search the repositories this registry holds' },
  // docker-registry's fake index, mounted only in standalone mode (§3.3).
  standaloneCheckLogin: { row: '§3.3', service: 'registry', method: 'GET', paths: ['/v1/users/'], auth: 'none', standaloneOnly: true, summary: 'Always "OK"' },
  standaloneCreateUser: { row: '§3.3', service: 'registry', method: 'POST', paths: ['/v1/users/'], auth: 'none', standaloneOnly: true, summary: 'Always 201 "User Created"' },
  standaloneUpdateUser: { row: '§3.3', service: 'registry', method: 'PUT', paths: ['/v1/users/:username/'], auth: 'none', standaloneOnly: true, summary: 'Always 204' },
  standalonePutRepository: { row: '§3.3', service: 'registry', method: 'PUT', paths: [`${REPO}/`], auth: 'none', standaloneOnly: true, summary: 'Merge the image list; write token headers' },
  standalonePutRepositoryImages: { row: '§3.3', service: 'registry', method: 'PUT', paths: [`${REPO}/images`], auth: 'none', standaloneOnly: true, summary: 'Merge the image list (204)' },
  standaloneGetRepositoryImages: { row: '§3.3', service: 'registry', method: 'GET', paths: [`${REPO}/images`], auth: 'none', standaloneOnly: true, summary: 'Stored image list; read token headers' },
  standaloneDeleteRepositoryImages: { row: '§3.3', service: 'registry', method: 'DELETE', paths: [`${REPO}/images`], auth: 'none', standaloneOnly: true, summary: 'Delete token headers; does nothing' },
  standalonePutRepositoryAuth: { row: '§3.3', service: 'registry', method: 'PUT', paths: [`${REPO}/auth`], auth: 'none', standaloneOnly: true, summary: 'Always "OK"' },
  // Mirror only: the Index route a client pulling through the mirror calls, relayed to the upstream Index with
  // X-Docker-Endpoints pointing back here (docker-registry's source_lookup(index_route=True), §9 item 8).
  mirrorSearch: { row: '§9.8', service: 'registry', method: 'GET', paths: ['/v1/search'], auth: 'none', mirrorOnly: true, summary: 'The upstream Index\'s search merged by name with the repositories this mirror holds' },
  mirrorGetRepositoryImages: { row: '§9.8', service: 'registry', method: 'GET', paths: [`${REPO}/images`], auth: 'none', mirrorOnly: true, summary: 'Image list and token from the upstream Index; endpoints rewritten to the mirror' },
} as const satisfies Record<string, RouteSpec>;

export const ROUTES = { ...indexRoutes, ...registryRoutes } as const;
export type RouteName = keyof typeof ROUTES;
export type IndexRouteName = keyof typeof indexRoutes;
export type RegistryRouteName = keyof typeof registryRoutes;

export const INDEX_ROUTE_NAMES = Object.keys(indexRoutes) as IndexRouteName[];
export const REGISTRY_ROUTE_NAMES = Object.keys(registryRoutes) as RegistryRouteName[];

/**
 * The most holder repositories one I12 question names (`?repositories=`, a v1hub extension): a registry
 * asks in batches of this size, uploader first, and the Index reads no more than this from one question.
 */
export const I12_MAX_REPOSITORIES = 100;

/**
 * THE method → access table (§5.3 step 3, §3.2 item 1): the access a registry token must grant for a
 * request, and the access the Index issues for a token-asking call. Both services' guards and the client
 * use it; there is no other copy.
 */
export function accessForMethod(method: string): Access {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return 'read';
    case 'DELETE':
      return 'delete';
    default:
      return 'write';
  }
}

/** A path a server mounts, and the route it belongs to. */
export interface MountedPath {
  readonly name: RouteName;
  readonly method: HttpMethod;
  readonly path: string;
}

/** The two-segment repository of a written path, and the one wildcard parameter servers mount instead. */
const REPO_SEGMENTS = '/:ns/:repo';
const REPO_WILDCARD = '/*repository';

/** Every path a server mounts for a route: its paths, a repository written as the `*repository` wildcard. */
export function expandRoutePaths(name: RouteName): MountedPath[] {
  const spec: RouteSpec = ROUTES[name];
  return spec.paths.map((path) => ({ name, method: spec.method, path: path.replace(REPO_SEGMENTS, REPO_WILDCARD) }));
}

/**
 * Orders mounted paths the way docker-registry's router (werkzeug) ranked its rules. There the repository
 * was one `<path:repository>` converter (our `*repository`), so the repository counts as one part whatever its form; then more
 * parts first, then more literal parts first. So `GET /v1/repositories/foo/tags/json` is the tag `json` of
 * `library/foo` (…/<repository>/tags/<tag>, 5 parts) rather than the repository json of `foo/tags`
 * (…/<repository>/json, 4 parts).
 */
export function compareRoutePrecedence(a: MountedPath, b: MountedPath): number {
  const segA = segments(a.path);
  const segB = segments(b.path);
  if (segA.length !== segB.length) return segB.length - segA.length;
  const literalsA = segA.filter(isLiteral).length;
  const literalsB = segB.filter(isLiteral).length;
  return literalsB - literalsA;
}

function isLiteral(segment: string): boolean {
  return !segment.startsWith(':') && !segment.startsWith('*');
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** All paths of a service, in mounting order. */
export function mountedPathsFor(service: Service, opts: { standalone?: boolean; mirror?: boolean } = {}): MountedPath[] {
  const names = (service === 'index' ? INDEX_ROUTE_NAMES : REGISTRY_ROUTE_NAMES) as RouteName[];
  return names
    .filter((name) => opts.standalone || !(ROUTES[name] as RouteSpec).standaloneOnly)
    .filter((name) => opts.mirror || !(ROUTES[name] as RouteSpec).mirrorOnly)
    .flatMap(expandRoutePaths)
    .sort(compareRoutePrecedence);
}

export type RouteParams = Readonly<Record<string, string>>;

/**
 * Builds the path of a route from its parameters, URL-encoding each one. Repository routes take `ns` and
 * `repo`; pass `library: true` to get the one-segment form (`repo` only) that Docker 1.x sent for one-part
 * names to a private Index (§1.3).
 */
export function buildPath(name: RouteName, params: RouteParams = {}, opts: { library?: boolean; pathIndex?: number } = {}): string {
  const spec: RouteSpec = ROUTES[name];
  let template = spec.paths[opts.pathIndex ?? 0];
  if (template === undefined) throw new RangeError(`route ${name} has no path #${opts.pathIndex}`);
  if (opts.library) {
    if (!template.includes(REPO_SEGMENTS)) throw new RangeError(`route ${name} has no library form`);
    template = template.replace(REPO_SEGMENTS, '/:repo');
  }
  return template.replace(/:(\w+)/g, (_m, key: string) => {
    const value = params[key];
    if (value === undefined) throw new RangeError(`route ${name} needs parameter ${key}`);
    return encodeURIComponent(value);
  });
}
