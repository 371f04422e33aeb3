/** Small helpers the workflow scripts share: reading recorded exchanges and the repositories they name. */
import type { RouteParams } from '@v1hub/shared';
import { canonicalRepoParams, remoteRepository, toImageReference, type RemoteRepository } from '@v1hub/shared/client';
import type { ScenarioContext } from '../scenario.js';
import type { RecordedExchange, StepRecord } from '../transcript.js';
import type { StepHeading } from '../recorder.js';

export const PASSWORD = 'password1';

export function repoOf(ref: string): RemoteRepository {
  return remoteRepository(toImageReference(ref));
}

/** Creates the steps in this order up front, so steps without exchanges still sit where they belong. */
export function openSteps(ctx: ScenarioContext, ...headings: StepHeading[]): void {
  for (const h of headings) ctx.recorder.stepFor(h);
}

export function stepOf(ctx: ScenarioContext, heading: StepHeading): StepRecord {
  return ctx.recorder.stepFor(heading);
}

export const isIndex = (x: RecordedExchange) => x.to.startsWith('index') && x.from === 'client';
export const isRegistry = (x: RecordedExchange) => x.to.startsWith('registry') && x.from === 'client';
export const isValidation = (x: RecordedExchange) => x.from.startsWith('registry') && x.to.startsWith('index');
export const isPing = (x: RecordedExchange) => /\/(v2\/|v1\/_ping|_ping)$/.test(x.path);

/** Runs a set of hand-made requests whose exchanges all belong to one step. */
export function inStep(ctx: ScenarioContext, heading: StepHeading, fn: () => Promise<void>): Promise<void> {
  return ctx.phase(() => heading, fn);
}

/**
 * Whether validation `v` happened while `x` was in flight: it came back after `x`'s request left and before
 * `x`'s answer was complete. Decided on the recorder's event counter, never on clock readings, so a busy
 * machine cannot make a validation that really nested inside the request look early or late. (A registry
 * reports its Index calls when they complete, so their completion is what is compared.)
 */
function during(v: RecordedExchange, x: RecordedExchange): boolean {
  return v.closed > x.opened && v.closed < x.closed;
}

/** Every validation call the registry made while `x` was in flight (the registry asks before it answers). */
export function validationsDuring(all: readonly RecordedExchange[], x: RecordedExchange): RecordedExchange[] {
  return all.filter((v) => isValidation(v) && during(v, x));
}

/**
 * The requests among `requests` that cannot each be given a validation call of their own from `all` (one
 * that happened during the request, and that `accept` takes): empty when every request was checked with the
 * Index. The client may have two requests in flight (a layer streaming while the next json is fetched), so
 * "some validation during each" would let one call count for two; this pairs them one to one (earliest-ending
 * request first, each taking the earliest validation inside it — a maximum matching for points in intervals).
 */
export function requestsWithoutOwnValidation(all: readonly RecordedExchange[], requests: readonly RecordedExchange[], accept: (v: RecordedExchange) => boolean = () => true): RecordedExchange[] {
  const free = all.filter((v) => isValidation(v) && accept(v)).sort((a, b) => a.closed - b.closed);
  const unmatched: RecordedExchange[] = [];
  for (const x of [...requests].sort((a, b) => a.closed - b.closed)) {
    const i = free.findIndex((v) => during(v, x));
    if (i < 0) unmatched.push(x);
    else free.splice(i, 1);
  }
  return unmatched;
}

/**
 * The repository a scenario uses: `ns/repo` in-process (fresh services every run); against services already
 * running, `ns/repo-<runId>`, so a repository an earlier run left (made private, half deleted) cannot get in
 * the way of this one.
 */
export function repositoryName(ctx: ScenarioContext, name: string): string {
  return ctx.stack.external ? `${name}-${ctx.runId}` : name;
}

/** What a scenario works on: the repository (per-run name against external services) and its `:latest` reference. */
export interface ScenarioTarget {
  /** `ns/repo`, as the transcript names it. */
  readonly name: string;
  /** `server/ns/repo:latest`. */
  readonly ref: string;
  readonly repo: RemoteRepository;
  /** The `{ns, repo}` route parameters of the repository. */
  readonly params: RouteParams;
}

/** The target `name` on `server` — by default the Index the client talks to (or the only registry). */
export function scenarioTarget(ctx: ScenarioContext, name: string, server = (ctx.stack.index ?? ctx.stack.registries[0])?.server as string): ScenarioTarget {
  const runName = repositoryName(ctx, name);
  const ref = `${server}/${runName}:latest`;
  const repo = repoOf(ref);
  return { name: runName, ref, repo, params: canonicalRepoParams(repo) };
}
