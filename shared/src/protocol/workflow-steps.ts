/**
 * THE route → workflow step table: which numbered step of docs/workflows.md (the labels the scenarios use)
 * an exchange belongs to, so the live view can say "B3–B4" for a layer PUT whoever the client is. Steps
 * that depend on more than the route (the I8 a client asks vs the I8 a registry validates with) are
 * functions of what the request carried.
 */
import type { RouteName } from './routes.js';
import { V2_ROUTES } from './v2-routes.js';

export interface StepContext {
  readonly method: string;
  /** `Authorization: Token …` (a registry validating, or a client using a token). */
  readonly tokenAuth: boolean;
  /** `X-Docker-Token: true`. */
  readonly tokenAsked: boolean;
  /** `Authorization: Bearer …` (a v2 client using a token the Index signed). */
  readonly bearerAuth?: boolean;
}

type Step = string | ((x: StepContext) => string | null);

const PULL_FROM_REGISTRY = 'A3–A5';
const PUSH_TO_REGISTRY = 'B3–B4';
const DELETE_ON_REGISTRY = 'C3–C4';

const STEPS: Partial<Record<RouteName, Step>> = {
  createUser: 'B0',
  checkLogin: 'B0',
  putRepository: 'B1–B2',
  putRepositoryImages: 'B5',
  // A client asking for the image list and a token (A1–A2), or a registry checking a token it was given.
  getRepositoryImages: (x) => (x.tokenAuth ? null : 'A1–A2'),
  deleteRepository: (x) => (x.tokenAsked ? 'C1–C2' : 'C5'),
  deleteRepositoryImages: 'C1–C2',
  putRepositoryAuth: DELETE_ON_REGISTRY,
  getImageJson: PULL_FROM_REGISTRY,
  getImageLayer: PULL_FROM_REGISTRY,
  getImageAncestry: PULL_FROM_REGISTRY,
  getTags: PULL_FROM_REGISTRY,
  getTag: PULL_FROM_REGISTRY,
  getTagJson: PULL_FROM_REGISTRY,
  getRepositoryJson: PULL_FROM_REGISTRY,
  putImageJson: PUSH_TO_REGISTRY,
  putImageLayer: PUSH_TO_REGISTRY,
  putImageChecksum: PUSH_TO_REGISTRY,
  putTag: PUSH_TO_REGISTRY,
  deleteRegistryRepository: DELETE_ON_REGISTRY,
  deleteTag: DELETE_ON_REGISTRY,
  standalonePutRepository: 'D1',
  standalonePutRepositoryImages: 'D1',
  standaloneGetRepositoryImages: 'D2',
};

/** Workflow F: a v2 request without a token is met by the challenge (F1), with one it is served (F4–F5). */
const V2_REGISTRY_STEP: Step = (x) => (x.bearerAuth ? 'F4–F5' : 'F1');

export function workflowStep(route: string | null, x: StepContext): string | null {
  if (route === null) return null;
  if (route === 'v2Token' || route === 'v2TokenKeys') return 'F2–F3';
  if (route in V2_ROUTES) return (V2_REGISTRY_STEP as (x: StepContext) => string)(x);
  const step = STEPS[route as RouteName];
  if (step === undefined || step === null) return null;
  return typeof step === 'string' ? step : step(x);
}
