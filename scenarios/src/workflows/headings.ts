/**
 * The numbered steps of the five workflows (docs/workflows.md keeps the numbering; the words are ours).
 * Scenarios file every HTTP exchange under one of these headings.
 */
import type { StepHeading } from '../recorder.js';

const h = (number: string, title: string, narration: string): StepHeading => ({ number, title, narration });

export const PULL = {
  setup: h('A0', 'Setting the stage', 'An account and a small image chain are pushed so there is something to pull.'),
  ask: h('A1', 'The client asks the Index for the image', 'GET the repository\'s image list from the Index, asking for a token with X-Docker-Token: true.'),
  answer: h('A2', 'The Index answers: where, which images, and a token', 'The reply names the registries in X-Docker-Endpoints, lists the image ids (and checksums, when known), and carries a read token — only because the request asked for one.'),
  registry: h('A3–A5', 'The client pulls from the registry; the registry asks the Index about the token', 'Each registry request carries Authorization: Token …; before answering, the registry forwards that header to the Index (GET …/images), and serves only when the Index says true (200).'),
  tampered: h('A4′', 'Branch: a tampered token', 'The same request with one character of the signature changed: the Index answers false (401) and the registry refuses with 401 Requires authorization.'),
  private: h('A2″', 'Branch: a private repository', 'The Index refuses to issue a token for a private repository to an anonymous client (401), and issues one once the client sends Basic credentials of a reader.'),
};

export const PUSH = {
  setup: h('B0', 'Setting the stage', 'The client creates an account on the Index (Docker 1.x login: POST, then GET when the account exists).'),
  allocate: h('B1–B2', 'The client asks the Index to allocate the repository; the Index answers with a temporary token', 'PUT /v1/repositories/<ns>/<repo>/ with Basic credentials and the list of image ids to be pushed; the Index checks the credentials and the namespace, remembers the list, and returns a write token and the registries to use.'),
  upload: h('B3–B4', 'The client pushes to the registry; the registry confirms the token with the Index first', 'For each image, parents first: existence check, PUT json, PUT layer (a chunked stream), PUT checksum, then the tag. Before reading each request the registry asks the Index whether the token is good.'),
  finish: h('B5', 'The client updates the Index with the checksums', 'PUT /v1/repositories/<ns>/<repo>/images: Docker 1.x sends an empty list here (the checksums never made it into that list after Docker 0.8), and the Index answers 204.'),
};

export const DELETE = {
  setup: h('C0', 'Setting the stage', 'A repository is pushed, and a read token for it is kept to show revocation later.'),
  request: h('C1–C2', 'The Index receives the delete request, marks the repository and returns a temporary token', 'DELETE /v1/repositories/<ns>/<repo>/ with Basic credentials and X-Docker-Token: true; the Index answers 202 with a delete token and the registries.'),
  registry: h('C3–C4', 'The registry receives the delete with that token, checks it with the Index, and deletes', 'DELETE on the registry with Authorization: Token …access=delete; the registry asks the Index, then removes the repository\'s tags and directory.'),
  done: h('C5', 'The client tells the Index the deletion is done; the Index removes every record', 'A second DELETE on the Index (Basic, X-Docker-Endpoints) purges the repository and revokes every token issued for it.'),
  after: h('C5′', 'Nothing is left', 'Every token of the repository is now refused, the Index does not know the repository, and the registry has no tags for it.'),
};

export const STANDALONE = {
  alone: h('D', 'A registry with no Index at all', 'The registry answers the Index calls clients make itself (docker-registry\'s fake index): any credentials, any token. The client pushes and pulls as usual.'),
  push: h('D1', 'Push to the standalone registry', 'The same Docker 1.x push, with the registry acting as its own Index.'),
  pull: h('D2', 'Pull from the standalone registry', 'The same Docker 1.x pull; no token is ever checked.'),
  check: h('D3', 'What standalone mode gives up', 'A made-up token, or none, reads and writes just as well.'),
};

export const CUSTOM_INDEX = {
  setup: h('E0', 'A private Index advertising several registries', 'One Index lists three registries in X-Docker-Endpoints; each registry validates tokens with that Index.'),
  spread: h('E1', 'Requests allocated per repository across the registries', 'Each repository is pushed; the Index advertises its registries and the client replicates to every one, then pulls from the first.'),
  failover: h('E2', 'A registry taken down mid-run: the client fails over', 'The first advertised registry is stopped; the next pull skips it and is served by the next endpoint.'),
  foreign: h('E3', 'A registry that trusts a different Index refuses this Index\'s tokens', 'A registry pointed at another Index forwards our token there; that Index has never issued it and answers false.'),
};

export const V2 = {
  setup: h('F0', 'Setting the stage', 'The same services, started with --v2: alice has an account (made with v1, the same accounts serve both).'),
  challenge: h('F1', 'The client calls the registry; the registry answers 401 with a Bearer challenge', 'No token yet: the registry names its token server (the Index), the service, and the scope the request needs, in WWW-Authenticate.'),
  token: h('F2–F3', 'The client asks the Index for a token; the Index answers with a signed one', 'GET <index>/v2/token?service=…&scope=… with Basic credentials (or none). The Index checks the account and the repository\'s policy — the rules of v1 tokens — and signs a JWT granting the scopes it allows, and only those.'),
  served: h('F4–F5', 'The client repeats with Bearer; the registry checks the signature itself and serves', 'Authorization: Bearer <token> on every request. The registry checks signature, expiry, audience and scope with the Index\'s public key and never calls the Index: where v1 (A3–A5, B3–B4) asked on every request, v2 asked once, for the token. A push uploads blobs by digest, then the manifest; every digest is verified.'),
  pull: h('F4–F5′', 'An anonymous pull, the same way', 'Another client, without credentials, pulls what alice pushed: challenge, anonymous token with pull granted (the repository is public), then blobs by digest.'),
  denied: h('F3″', 'Branch: a scope the Index does not grant', 'Once the repository is private, the anonymous token carries no access to it: the registry answers 401 DENIED (insufficient_scope), which Docker prints as "denied: requested access to the resource is denied".'),
};
